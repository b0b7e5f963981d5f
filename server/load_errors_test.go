package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasteserve/pasteserve/server"
)

// loadFiles writes files to a new directory, "<dir>/" in them standing
// for it, and loads api.ini there, returning the error text with the
// directory left out.
func loadFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		src = strings.ReplaceAll(src, "<dir>/", dir+string(filepath.Separator))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := server.LoadSettings(server.Flags{Paste: filepath.Join(dir, "api.ini"), Workers: -1})
	if err == nil {
		return ""
	}
	return strings.ReplaceAll(err.Error(), dir+string(filepath.Separator), "")
}

// A paste file need not have a [server:] section. One whose use names a
// [server:] section that is not there is an error at the use, as every
// reference to a missing section is: the server used to take that for
// "no [server:] section" (it matched the message) and served with the
// defaults, whatever the section said.
func TestServerSectionNamedByUseMustExist(t *testing.T) {
	if got := loadFiles(t, map[string]string{"api.ini": urlmap + apps}); got != "" {
		t.Errorf("a paste file without [server:]: %s", got)
	}
	if got := loadFiles(t, map[string]string{"api.ini": urlmap + apps + "[server:main]\nuse = srv\nbind_port = 9000\n"}); !strings.HasPrefix(got, `api.ini:`) || !strings.Contains(got, `: no server named "srv" in api.ini`) {
		t.Errorf("[server:main] use = srv, which is not there: %q", got)
	}
	got := loadFiles(t, map[string]string{"api.ini": urlmap + apps + "[server:main]\nuse = config:other.ini\n", "other.ini": "[app:main]\nuse = egg:pasteserve#echo\n"})
	if !strings.Contains(got, `no server named "main" in other.ini`) {
		t.Errorf("[server:main] use = config:other.ini, which has none: %q", got)
	}
}

// An [ssl] option that the TLS setup rejects is an error at its key.
func TestSSLOptionErrorsAtTheirKeys(t *testing.T) {
	k := newPKI(t)
	for _, tc := range []struct{ extra, want string }{
		{"ciphers = TLS_RSA_WITH_RC4_128_SHA\n", ":9:1: [ssl] ciphers: TLS_RSA_WITH_RC4_128_SHA is insecure"},
		{"ciphers = NO_SUCH_SUITE\n", `:9:1: [ssl] ciphers: unknown suite "NO_SUCH_SUITE"`},
		{"ca_file = <dir>/server.key\n", ":9:1: [ssl] ca_file server.key: no PEM certificates in it"},
	} {
		files := k.files(tc.extra)
		files["api.ini"] = strings.NewReplacer(urlmap+apps, "", "= server.", "= <dir>/server.").Replace(files["api.ini"])
		got := loadFiles(t, files)
		if !strings.Contains(got, "api.ini"+tc.want) {
			t.Errorf("%s: %q, want it to contain api.ini%s", strings.TrimSpace(tc.extra), got, tc.want)
		}
	}
}
