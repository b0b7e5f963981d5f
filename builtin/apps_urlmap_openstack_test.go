package builtin

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/pastetest"
	"github.com/rs/zerolog"
)

// cinder's root_app_factory drops /v1 and /v2, with a warning, before
// their apps are loaded. (Moved from package apps with the paste side of
// cinder_urlmap.)
func TestCinderURLMapDropsRemovedVersions(t *testing.T) {
	var log bytes.Buffer
	saved := buildWarnings
	buildWarnings = zerolog.New(&log)
	defer func() { buildWarnings = saved }()
	src := "[composite:main]\nuse = call:cinder.api:root_app_factory\n/: root\n/v1: missing\n/v2: missing\n/v3: foo\n" +
		"[app:root]\nuse = egg:pasteserve#echo\nname = root\n" +
		"[app:foo]\nuse = egg:pasteserve#echo\nname = foo\n"
	h := pastetest.MustBuild(t, src) // [app:missing] does not exist: it is never loaded
	for path, want := range map[string]string{
		"/v1/x": `root sn="" pi="/v1/x"`,
		"/v2/x": `root sn="" pi="/v2/x"`,
		"/v3/x": `foo sn="/v3" pi="/x"`,
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		var reply struct {
			Path       string            `json:"path"`
			ScriptName string            `json:"script_name"`
			Conf       map[string]string `json:"conf"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, rec.Body)
		}
		if got := reply.Conf["name"] + ` sn="` + reply.ScriptName + `" pi="` + reply.Path + `"`; got != want {
			t.Errorf("GET %s = %s, want %s", path, got, want)
		}
	}
	if got := log.String(); strings.Count(got, `"level":"warn"`) != 2 || !strings.Contains(got, `"key":"/v1"`) || !strings.Contains(got, `api.ini:5:1`) {
		t.Errorf("warnings:\n%s", got)
	}
}
