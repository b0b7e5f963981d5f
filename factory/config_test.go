package factory

import (
	"strings"
	"testing"
)

// InGroup reads the section first, then global_conf's "group.key"; a bad
// value from the group is reported on the parent Config and says where
// it came from.
func TestConfigInGroup(t *testing.T) {
	cfg := NewConfig(
		map[string]string{"max_age": "60"},
		map[string]string{"cors.max_age": "7", "cors.allowed_origin": "https://a.example.com", "cors.allow_credentials": "maybe", "allowed_origin": "https://plain.example.com"},
	)
	g := cfg.InGroup("cors")
	if got := g.Int("max_age", 0); got != 60 {
		t.Errorf("section value: max_age = %d, want 60 (the section wins)", got)
	}
	if got := g.String("allowed_origin", ""); got != "https://a.example.com" {
		t.Errorf("group value: allowed_origin = %q", got)
	}
	if got := cfg.String("allowed_origin", ""); got != "" {
		t.Errorf("without InGroup, global_conf must not be read: %q", got)
	}
	if _, ok := g.Get("expose_headers"); ok {
		t.Errorf("expose_headers is set nowhere")
	}
	if got := g.Bool("allow_credentials", true); !got {
		t.Errorf("bad value: default not returned")
	}
	err := cfg.Err()
	if err == nil || !strings.Contains(err.Error(), `allow_credentials: "maybe" is not a boolean`) || !strings.Contains(err.Error(), "from global_conf cors.allow_credentials") {
		t.Errorf("error from the group: %v", err)
	}
}

// A factory's error quotes the value it rejects; for a secret key, and for
// a URL's password, the log must not get the value.
func TestConfigErrorsMaskSecrets(t *testing.T) {
	cfg := NewConfig(map[string]string{
		"admin_password": "hunter2", "memcache_secret_key": "3.5", "connection": "mysql+pymysql://nova:dbpw@db/nova", "cache_key": "k1",
	}, nil)
	cfg.Int("admin_password", 0)
	cfg.Bool("memcache_secret_key", false)
	cfg.Duration("connection", 0)
	cfg.Int("cache_key", 0)
	short := NewConfig(map[string]string{"api_key": "a"}, nil)
	short.Int("api_key", 0)
	if got := short.Err().Error(); !strings.Contains(got, `api_key: "****" is not a whole number`) {
		t.Errorf("a one-letter secret: %s", got)
	}
	msg := cfg.Err().Error()
	for _, secret := range []string{"hunter2", "3.5", "dbpw"} {
		if strings.Contains(msg, secret) {
			t.Errorf("error quotes %q:\n%s", secret, msg)
		}
	}
	for _, want := range []string{`admin_password: "****" is not a whole number`, `connection: "mysql+pymysql://nova:****@db/nova" is not a duration`, `cache_key: "k1" is not a whole number`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %s:\n%s", want, msg)
		}
	}
}

func TestConfigAccessors(t *testing.T) {
	cfg := NewConfig(map[string]string{"on": "Yes", "n": "42", "d": "1.5", "gd": "2m", "l": "a, b\n c", "bad": "x"}, nil)
	if !cfg.Bool("on", false) || cfg.Int("n", 0) != 42 || cfg.Duration("d", 0).String() != "1.5s" || cfg.Duration("gd", 0).String() != "2m0s" {
		t.Errorf("accessors misread values")
	}
	if got := strings.Join(cfg.List("l"), "|"); got != "a|b|c" {
		t.Errorf("List = %q", got)
	}
	if cfg.Err() != nil {
		t.Fatalf("unexpected error %v", cfg.Err())
	}
	cfg.Int("bad", 7)
	cfg.Bool("bad", true)
	if err := cfg.Err(); err == nil || strings.Count(err.Error(), "\n") != 1 {
		t.Errorf("want two errors, got %v", err)
	}
}
