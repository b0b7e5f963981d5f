package server

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
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
	cfg, err := Load(Flags{Paste: filepath.Join(dir, "api.ini"), ConfigFiles: []string{filepath.Join(dir, "svc.conf")}, Workers: -1})
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
