package apps

import (
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/pastetest"
)

// The apps are built as pasteserve builds them, from a paste file api.ini
// (see pastetest.Build).
var (
	buildPasteApp = pastetest.Build
	mustBuildApp  = pastetest.MustBuild
	wantAppError  = pastetest.WantBuildError
)

func serveReq(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// registerCascadeTestApp registers an app that answers its configured
// status with its name and the body it read, and sets X-App.
func registerCascadeTestApp() {
	factory.Register(factory.Factory{Name: "cascade-test", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		name, status := cfg.String("name", "?"), cfg.Int("status", 200)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-App", name)
			w.WriteHeader(status)
			io.WriteString(w, name+" body="+string(body))
		}), cfg.Err()
	}})
}
