package filters

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/factory"
	"github.com/rs/zerolog"
)

// The JSON test app answers as Keystone does to a token request: a token
// in a header, a token id and a password in the body, and a cookie.
func init() {
	factory.Register(factory.Factory{Name: "filters-test-json", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Subject-Token", "s3cret-subject")
			w.Header().Set("Set-Cookie", "session=s3cret-cookie; HttpOnly")
			w.Header().Set("Location", "https://api.example.com/v3?token=s3cret-location")
			io.WriteString(w, `{"token": {"id": "s3cret-token-id", "expires_at": "2030-01-01"}, "user": {"name": "admin", "password": "s3cret-body"}}`)
		}), nil
	}})
}

// secretRequest carries a secret in every header kind and query
// parameter the rule knows, and a few that are no secrets.
func secretRequest(target string) *http.Request {
	r := httptest.NewRequest("POST", target, strings.NewReader(`{"password": "s3cret-request-body"}`))
	for k, v := range map[string]string{
		"X-Auth-Token": "s3cret-auth-token", "X-Auth-Key": "s3cret-auth-key", "X-Api-Key": "s3cret-api-key",
		"X-Storage-Pass": "s3cret-storage-pass", "Authorization": "Basic s3cret-basic", "Cookie": "s=s3cret-cookie-in",
		"Referer": "https://dash.example.com/?token=s3cret-referer", "X-Trace": "t1", "X-Auth-User": "nova",
	} {
		r.Header.Set(k, v)
	}
	return r
}

const secretQuery = "?status=201&password=s3cret-q-password&token=s3cret-q-token&api_key=s3cret-q-key&limit=10&sort_key=name"

func TestDebugMasksSecrets(t *testing.T) {
	var out bytes.Buffer
	debugOutput = &out
	defer func() { debugOutput = os.Stdout }()
	src := "[pipeline:main]\npipeline = debug app\n[filter:debug]\nuse = egg:oslo.middleware#debug\n[app:app]\nuse = egg:pasteserve#filters-test-json\n"
	rec := do(mustBuild(t, src), secretRequest("/v3/auth/tokens"+secretQuery))
	if rec.Header().Get("X-Subject-Token") != "s3cret-subject" || !strings.Contains(rec.Body.String(), "s3cret-body") {
		t.Fatalf("the response itself changed: %v %s", rec.Header(), rec.Body)
	}
	s := out.String()
	if strings.Contains(s, "s3cret") {
		t.Errorf("debug prints a secret:\n%s", s)
	}
	for _, want := range []string{
		"POST /v3/auth/tokens?status=201&password=****&token=****&api_key=****&limit=10&sort_key=name HTTP/1.1\n",
		"X-Auth-Token: ****", "X-Auth-Key: ****", "X-Api-Key: ****", "X-Storage-Pass: ****", "Authorization: ****", "Cookie: ****",
		"Referer: https://dash.example.com/?token=****", "X-Trace: t1", "X-Auth-User: nova",
		"X-Subject-Token: ****", "Set-Cookie: ****", "Location: https://api.example.com/v3?token=****",
		`{"token": {"id": "****", "expires_at": "2030-01-01"}, "user": {"name": "admin", "password": "****"}}`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("debug output lacks %q:\n%s", want, s)
		}
	}
}

// A body debug cannot read (here gzip-encoded JSON) is not printed.
func TestDebugDoesNotPrintBinaryBodies(t *testing.T) {
	var out bytes.Buffer
	debugOutput = &out
	defer func() { debugOutput = os.Stdout }()
	src := "[pipeline:main]\npipeline = debug gzip app\n[filter:debug]\nuse = egg:oslo.middleware#debug\n[filter:gzip]\nuse = egg:Paste#gzip\n[app:app]\nuse = egg:pasteserve#filters-test-json\n"
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	rec := do(mustBuild(t, src), r)
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("not compressed: %v", rec.Header())
	}
	if s := out.String(); !strings.Contains(s, "bytes of application/json (Content-Encoding gzip), not shown)\n") {
		t.Errorf("debug output:\n%q", s)
	}
}

func TestAccessLogMasksQueryAndReferer(t *testing.T) {
	var buf bytes.Buffer
	accessLogOutput = zerolog.New(&buf)
	defer func() { accessLogOutput = zerolog.New(io.Discard) }()
	h := mustBuild(t, "[pipeline:main]\npipeline = log app\n[filter:log]\nuse = egg:Paste#translogger\n[app:app]\nuse = egg:pasteserve#filters-test-app\n")
	do(h, secretRequest("/things"+secretQuery))
	s := buf.String()
	if strings.Contains(s, "s3cret") {
		t.Errorf("access_log logs a secret:\n%s", s)
	}
	for _, want := range []string{`"url":"/things?status=201&password=****&token=****&api_key=****&limit=10&sort_key=name"`,
		`"referer":"https://dash.example.com/?token=****"`, `"status":201`} {
		if !strings.Contains(s, want) {
			t.Errorf("access_log line lacks %s:\n%s", want, s)
		}
	}
}

func TestCatchErrorsMasksEverySecretHeader(t *testing.T) {
	var logBuf bytes.Buffer
	h := withLogger(mustBuild(t, filterPaste("use = egg:oslo.middleware#catch_errors")), &logBuf)
	if rec := do(h, secretRequest("/x?panic=1")); rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	log := logBuf.String()
	if strings.Contains(log, "s3cret") {
		t.Errorf("catch_errors logs a secret:\n%s", log)
	}
	for _, want := range []string{`"X-Auth-Key":"****"`, `"X-Api-Key":"****"`, `"X-Trace":"t1"`, `"X-Auth-User":"nova"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
}

// A panic value can quote a secret (a connection URL, a token): it is
// logged as Text masks it, by catch_errors and fault_wrapper alike.
func init() {
	factory.Register(factory.Factory{Name: "filters-test-panic-secret", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			panic("cannot connect to mysql://nova:PANICPW@db/nova?token=PANICTOK")
		}), nil
	}})
}

func TestPanicValueIsMasked(t *testing.T) {
	for _, use := range []string{"use = egg:oslo.middleware#catch_errors", "paste.filter_factory = nova.api.openstack:FaultWrapper.factory"} {
		var logBuf bytes.Buffer
		src := "[pipeline:main]\npipeline = f app\n[filter:f]\n" + use + "\n[app:app]\nuse = egg:pasteserve#filters-test-panic-secret\n"
		h := withLogger(mustBuild(t, src), &logBuf)
		if rec := do(h, httptest.NewRequest("GET", "/x;password=PANICPATH", nil)); rec.Code != 500 {
			t.Fatalf("%s: status %d", use, rec.Code)
		}
		log := logBuf.String()
		if strings.Contains(log, "PANIC") {
			t.Errorf("%s logs a secret:\n%s", use, log)
		}
		for _, want := range []string{`"panic":"cannot connect to mysql://nova:****@db/nova?token=****"`, `"path":"/x;password=****"`} {
			if !strings.Contains(log, want) {
				t.Errorf("%s: log lacks %s:\n%s", use, want, log)
			}
		}
	}
}

// Path parameters (/x;password=pw) are masked in debug's request line
// and access_log's url, and the user agent in access_log as debug masks
// it.
func TestPathParametersAndUserAgentAreMasked(t *testing.T) {
	const ua = "curl/8.5 (+https://bot:UAPW@example.com/?token=UATOK)"
	var out bytes.Buffer
	debugOutput = &out
	defer func() { debugOutput = os.Stdout }()
	r := httptest.NewRequest("GET", "/v1/x;password=PATHPW/y;token=PATHTOK?limit=1", nil)
	r.Header.Set("User-Agent", ua)
	do(mustBuild(t, filterPaste("use = egg:oslo.middleware#debug")), r)
	s := out.String()
	if strings.Contains(s, "PATH") || strings.Contains(s, "UA") {
		t.Errorf("debug prints a secret:\n%s", s)
	}
	if !strings.Contains(s, "GET /v1/x;password=****/y;token=****?limit=1 HTTP/1.1\n") {
		t.Errorf("debug's request line:\n%s", s)
	}

	var buf bytes.Buffer
	accessLogOutput = zerolog.New(&buf)
	defer func() { accessLogOutput = zerolog.New(io.Discard) }()
	r = httptest.NewRequest("GET", "/v1/x;password=PATHPW/y;token=PATHTOK?limit=1", nil)
	r.Header.Set("User-Agent", ua)
	do(mustBuild(t, filterPaste("use = egg:Paste#translogger")), r)
	s = buf.String()
	if strings.Contains(s, "PATH") || strings.Contains(s, "UA") {
		t.Errorf("access_log logs a secret:\n%s", s)
	}
	for _, want := range []string{`"url":"/v1/x;password=****/y;token=****?limit=1"`,
		`"user_agent":"curl/8.5 (+https://bot:****@example.com/?token=****)"`} {
		if !strings.Contains(s, want) {
			t.Errorf("access_log line lacks %s:\n%s", want, s)
		}
	}
}

// The debug filter masks the bodies the review found printed: members
// named like headers, a JSON blob in a string, TOTP's passcode, objects
// under a secret key, and JSON served as text/plain.
func init() {
	factory.Register(factory.Factory{Name: "filters-test-body", Namespace: "pasteserve", Kind: factory.KindApp, App: func(cfg *factory.Config) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if ct := r.URL.Query().Get("type"); ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			io.Copy(w, r.Body)
		}), nil
	}})
}

func TestDebugMasksJSONBodies(t *testing.T) {
	var out bytes.Buffer
	debugOutput = &out
	defer func() { debugOutput = os.Stdout }()
	h := mustBuild(t, "[pipeline:main]\npipeline = debug app\n[filter:debug]\nuse = egg:oslo.middleware#debug\n[app:app]\nuse = egg:pasteserve#filters-test-body\n")
	body := `{"Authorization": "Bearer BODY1", "Cookie": "sid=BODY2", "blob": "{\"secret\":\"BODY3\"}", "passcode": "BODY4", ` +
		`"password": {"value": "BODY5"}, "passwords": [{"v": "BODY6"}]}`
	for _, ct := range []string{"application/json", "text/plain", ""} {
		out.Reset()
		do(h, httptest.NewRequest("POST", "/?type="+ct, strings.NewReader(body)))
		s := out.String()
		if strings.Contains(s, "BODY") {
			t.Errorf("Content-Type %q: debug prints a secret:\n%s", ct, s)
		}
		if !strings.Contains(s, `"blob": "{\"secret\":\"****\"}"`) {
			t.Errorf("Content-Type %q:\n%s", ct, s)
		}
	}
}
