package tokenauth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/pasteserve/pasteserve/request"
	"github.com/pasteserve/pasteserve/tokenauth"
)

// NewStaticToken with no paste file and no registry: a token file, the
// defaults of every token filter, and the identity the app behind it
// sees.
func ExampleNewStaticToken() {
	dir, _ := os.MkdirTemp("", "tokens")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "tokens.json")
	os.WriteFile(file, []byte(`{"s3cret-token": {"sub": "alice-id", "project_id": "demo-id", "roles": ["reader"]}}`), 0o600)

	o := tokenauth.DefaultStaticTokenOptions()
	o.TokenFile = file
	mw, err := tokenauth.NewStaticToken(o)
	if err != nil {
		fmt.Println(err)
		return
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := request.IdentityFrom(r.Context())
		fmt.Fprintf(w, "%s in %s as %v", id.UserID, id.ProjectID, id.Roles)
	}))

	for _, token := range []string{"s3cret-token", "a guess"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Auth-Token", token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			fmt.Println(rec.Code, rec.Body)
		} else {
			fmt.Println(rec.Code, "WWW-Authenticate:", rec.Header().Get("WWW-Authenticate"))
		}
	}

	// A Go caller gets the checks a paste file gets.
	_, err = tokenauth.NewStaticToken(tokenauth.DefaultStaticTokenOptions())
	fmt.Println(err)
	// Output:
	// 200 alice-id in demo-id as [reader]
	// 401 WWW-Authenticate: Bearer
	// token_file: is required: the JSON file of tokens and the identities they stand for
}
