package apps

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

// The "upstream failed" line names the upstream without its password or
// a token in its query.
func TestProxyLogMasksUpstreamSecrets(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	addr := strings.Replace(dead.URL, "http://", "http://nova:s3cret-pw@", 1) + "/base?token=s3cret-token"
	dead.Close()
	h := mustBuildApp(t, "[app:main]\nuse = egg:Paste#proxy\naddress = "+addr+"\n")
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(log.WithContext(r.Context()))
	if rec := serveReq(h, r); rec.Code != 502 {
		t.Fatalf("status %d", rec.Code)
	}
	s := buf.String()
	if strings.Contains(s, "s3cret") || !strings.Contains(s, `"upstream":"http://nova:****@127.0.0.1:`) || !strings.Contains(s, `/base?token=****"`) {
		t.Errorf("log line:\n%s", s)
	}
}
