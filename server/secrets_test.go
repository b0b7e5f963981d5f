package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"
)

// The option dump (log_options, --debug) logs the option groups that
// reach the paste file, as oslo's log_opt_values logs registered groups,
// with their secrets masked by the shared rule.
func TestLogOptionsMasksSecrets(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.ini": appOnly,
		"svc.conf": "[DEFAULT]\nlog_options = true\n[keystone_authtoken]\npassword = s3cret-pw\nmemcache_secret_key = s3cret-mc\n" +
			"username = nova\ntoken_cache_time = 300\nauth_url = https://admin:s3cret-url@keystone.example.com/v3\n" +
			"[database]\nconnection = mysql+pymysql://nova:s3cret-db@db/nova\n",
	})
	cfg, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "svc.conf")}, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	logOptions(zerolog.New(&buf), cfg)
	s := buf.String()
	if strings.Contains(s, "s3cret") {
		t.Errorf("the option dump logs a secret:\n%s", s)
	}
	for _, want := range []string{
		`"option":"keystone_authtoken.password","value":"****"`,
		`"option":"keystone_authtoken.memcache_secret_key","value":"****"`,
		`"option":"keystone_authtoken.username","value":"nova"`,
		`"option":"keystone_authtoken.token_cache_time","value":"300"`,
		`"option":"keystone_authtoken.auth_url","value":"https://admin:****@keystone.example.com/v3"`,
		`"option":"DEFAULT.bind_port","value":"9696"`,
		`"option":"ssl.key_file","value":""`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("the option dump lacks %s:\n%s", want, s)
		}
	}
}

// The server's access line and its panic line quote the request and the
// panic value: path parameters and URL passwords in either are masked.
func TestAccessAndPanicLinesMaskSecrets(t *testing.T) {
	var buf bytes.Buffer
	o := Defaults()
	h := hlog.NewHandler(zerolog.New(&buf))(accessLog(o.LogFormat, guard(o, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("panic") != "" {
			panic("cannot connect to mysql://nova:PANICPW@db/nova?token=PANICTOK")
		}
		w.Write([]byte("ok"))
	}))))
	for _, target := range []string{"/v1/x;password=PATHPW/y", "/v1/x;token=PATHTOK?panic=1"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	s := buf.String()
	if strings.Contains(s, "PATH") || strings.Contains(s, "PANIC") {
		t.Errorf("the server logs a secret:\n%s", s)
	}
	for _, want := range []string{`"request_line":"GET /v1/x;password=****/y HTTP/1.1"`, `"request_line":"GET /v1/x;token=**** HTTP/1.1"`,
		`"panic":"cannot connect to mysql://nova:****@db/nova?token=****"`, `GET /v1/x;password=****/y HTTP/1.1\" status: 200`} {
		if !strings.Contains(s, want) {
			t.Errorf("the log lacks %s:\n%s", want, s)
		}
	}
	// wsgi_server_debug sends the panic to the client: masked too.
	o.Debug = true
	rec := httptest.NewRecorder()
	guard(o, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("mysql://nova:PANICPW@db/nova") })).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if b := rec.Body.String(); strings.Contains(b, "PANICPW") || !strings.Contains(b, "panic: mysql://nova:****@db/nova") {
		t.Errorf("wsgi_server_debug body:\n%s", b)
	}
}

// A secret's value held by another option (written twice, or reached by
// interpolation in the paste file) is masked in that option too.
func TestLogOptionsMasksSecretsInOtherOptions(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"api.ini":  appOnly,
		"svc.conf": "[DEFAULT]\nlog_options = true\n[keystone_authtoken]\npassword = s3cret-pw\nauth_url = https://keystone.example.com/v3?hint=s3cret-pw\n",
	})
	cfg, err := LoadSettings(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "svc.conf")}, Workers: -1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	logOptions(zerolog.New(&buf), cfg)
	if s := buf.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, `"option":"keystone_authtoken.auth_url","value":"https://keystone.example.com/v3?hint=****"`) {
		t.Errorf("the option dump:\n%s", s)
	}
}
