package bridge

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// report is what the test app answers: what it was made with, the
// filters the request went through, and its environ.
type report struct {
	App            conf              `json:"app"`
	Chain          []conf            `json:"chain"`
	Environ        map[string]string `json:"environ"`
	PasteserveKeys []string          `json:"pasteserve_keys"`
	Pid            int               `json:"pid"`
}

type conf struct {
	Name   string            `json:"name"`
	Local  map[string]string `json:"local"`
	Global map[string]string `json:"global"`
}

func getReport(t *testing.T, req *http.Request) report {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %s\n%s", req.Method, req.URL, resp.Status, body)
	}
	var r report
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return r
}

func TestSmoke(t *testing.T) {
	tl := tail(t, "main", 0, nil)
	_, c, logs := startPool(t, testSpec(t, tl))
	srv := httptest.NewServer(c.Handler(tl))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/x/y?q=1", nil)
	r := getReport(t, req)
	t.Logf("%+v", r)
	t.Log(logs)
}
