package redact

import (
	"net/http"
	"strings"
	"testing"
)

func TestKey(t *testing.T) {
	secret := []string{
		// The true positives.
		"password", "admin_password", "secret_key", "memcache_secret_key", "admin_token", "session.secret",
		// oslo.utils' _SANITIZE_KEYS that are names of values.
		"adminPass", "admin_pass", "auth_token", "new_pass", "auth_password", "secret", "sys_pswd", "token",
		"chappassword", "encrypted_key", "private_key", "fernetkey", "passphrase", "password2",
		// keystonemiddleware, oslo, Swift, Paste-era web apps.
		"keystone_authtoken.password", "keystone_authtoken.memcache_secret_key", "hmac_keys", "service_password",
		"transport_password", "temp_url_key", "temp_url_key_2", "tempurl_key", "beaker.session.secret",
		"session.validate_key", "session.encrypt_key", "session.jwt_secret_keys", "auth.secret", "auth.ldap.admin_password",
		"api_key", "apikey", "APIKey", "appenlight.api_key", "stripe_secret_key", "S3SECRET_KEY", "ADMINSECRET",
		"TRAFFIC_ACCESS_KEY", "client_secret", "clientSecret", "jwt_secret", "db_pass", "amqp_pass", "broker.password",
		"imgix_signing_token", "license_token", "passwords", "password_hash",
		"password-value", "password_", "access_token", "refresh_token", "id_token", "temp_url_sig", "X-Amz-Signature",
		// OpenTelemetry exporters' headers: credentials under names of any kind.
		"tracing_headers", "DEFAULT.tracing_headers", "OTEL_EXPORTER_OTLP_HEADERS", "otel_exporter_otlp_traces_headers",
	}
	notSecret := []string{
		// The false positives.
		"colon_key", "cache_key", "sort_key", "token_cache_time",
		// Paths to files that hold secrets.
		"password_file", "secret_key_file", "key_file", "keyfile", "ssl_key_file", "admin_token_file",
		"http_basic_auth_user_file", "token_file",
		// Names that mention a secret word but are about something else.
		"service_token_roles", "service_token_roles_required", "enforce_token_bind", "token_hash_algorithms",
		"auth.password.algorithm", "auth.max_password_len", "auth.allow_password_change", "secret_uuid",
		"secrets_source", "revocation_cache_time", "apikey_header_name", "apitoken_header_name",
		"memcache_security_strategy", "delay_auth_decision", "auth_type", "auth_url", "www_authenticate_uri",
		"admin_user", "admin_tenant_name", "signing_dir", "insecure", "include_service_catalog",
		"beaker.session.key", "session.key", "beaker.cache.short_term.key_length", "auth.allow_upload_ssh_key",
		"allow_credentials", "credentials", "stripe_public_key", "appenlight.api_public_key", "public_key", "key", "keys", "build_key",
		"bypass", "passthrough", "compass", "tokenless_auth", "tokenish", "hash", "value", "",
		"pipeline", "use", "paste.filter_factory", "max_token_size", "S3KEY_ID", "2",
		"headers", "expose_headers", "allow_headers", "suppress_http_headers", "tracing_endpoint",
	}
	for _, k := range secret {
		if !Key(k) {
			t.Errorf("Key(%q) = false, want true", k)
		}
	}
	for _, k := range notSecret {
		if Key(k) {
			t.Errorf("Key(%q) = true, want false", k)
		}
	}
}

func TestHeader(t *testing.T) {
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "set-cookie",
		"X-Auth-Token", "X-Subject-Token", "X-Service-Token", "X-Storage-Token", "X-Auth-Key", "X-Api-Key",
		"X-Storage-Pass", "X-Auth-Password", "X-Amz-Security-Token", "X-Account-Meta-Temp-Url-Key",
		"X-Container-Meta-Temp-Url-Key-2", "X-Csrftoken", "Token"} {
		if !Header(h) {
			t.Errorf("Header(%q) = false, want true", h)
		}
	}
	for _, h := range []string{"X-Auth-User", "X-Tokenish", "X-Service-Catalog", "X-Openstack-Request-Id", "WWW-Authenticate",
		"Content-Type", "X-Forwarded-For", "X-Roles", "X-User-Id", "Accept", "Host", "Referer", "X-Auth-Url"} {
		if Header(h) {
			t.Errorf("Header(%q) = true, want false", h)
		}
	}
}

func TestQuery(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"a=1&b=2", "a=1&b=2"},
		{"token=abc", "token=****"},
		{"status=201&token=abc&x=1", "status=201&token=****&x=1"},
		{"password=p%40ss&user=nova", "password=****&user=nova"},
		{"key=AIza&q=x", "key=****&q=x"},
		{"api_key=k;sort_key=name", "api_key=****;sort_key=name"},
		{"temp_url_sig=da39&temp_url_expires=1700000000", "temp_url_sig=****&temp_url_expires=1700000000"},
		{"X-Amz-Credential=AK%2F2024&X-Amz-Signature=ff00&X-Amz-Security-Token=tok", "X-Amz-Credential=AK%2F2024&X-Amz-Signature=****&X-Amz-Security-Token=****"},
		{"x%5Fauth%5Ftoken=t&client+secret=s", "x%5Fauth%5Ftoken=****&client+secret=****"},
		{"token=&token", "token=&token"},
		{"secret=a=b==&n=1", "secret=****&n=1"},
		{"token_cache_time=300&cache_key=k", "token_cache_time=300&cache_key=k"},
	} {
		if got := Query(tc.in); got != tc.want {
			t.Errorf("Query(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mysql+pymysql://nova:pw@db/nova", "mysql+pymysql://nova:****@db/nova"},
		{"mysql+pymysql://nova:pw@db/nova?charset=utf8", "mysql+pymysql://nova:****@db/nova?charset=utf8"},
		{"rabbit://a:pw1@h1:5672,b:pw2@h2:5672/vhost", "rabbit://a:****@h1:5672,b:****@h2:5672/vhost"},
		{"postgresql://u:p@ss@db/x", "postgresql://u:****@db/x"},
		{"mysql://u:pa/ss@db/x", "mysql://u:****@db/x"},
		{"http://u:pw@[::1]:8080/x", "http://u:****@[::1]:8080/x"},
		{"connection = sqlite:///x.db and http://user@host/ and http://host:8080/a@b and http://[::1]:80/a@b",
			"connection = sqlite:///x.db and http://user@host/ and http://host:8080/a@b and http://[::1]:80/a@b"},
		{"http://keystone:5000/v3?token=abc#access_token=xyz", "http://keystone:5000/v3?token=****#access_token=****"},
		{"see http://x/?next=http://u:pw@y/ there", "see http://x/?next=http://u:****@y/ there"},
		{"host=db user=nova password=pw dbname=nova", "host=db user=nova password=**** dbname=nova"},
		{"--password=pw --user=u", "--password=**** --user=u"},
		{"password='p w' x", "password='****' x"},
		{`{"token=abc"}`, `{"token=****"}`},
		{`write "set password = ..." to override`, `write "set password = ..." to override`},
		{"a == b, sort_key=name", "a == b, sort_key=name"},
		{"://nothing", "://nothing"},
		{"plain", "plain"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/v2.0/tokens", "/v2.0/tokens"},
		{"/x?status=201&token=t&password=p", "/x?status=201&token=****&password=****"},
		{"https://u:pw@api.example.com/v1?x=1&secret=s", "https://u:****@api.example.com/v1?x=1&secret=****"},
		{"https://api.example.com/v1#password=p", "https://api.example.com/v1#password=****"},
		{"https://dash/cb?state=s&token=t#access_token=a&x=1", "https://dash/cb?state=s&token=****#access_token=****&x=1"},
		{"https://dash/cb?state=s#x=1", "https://dash/cb?state=s#x=1"},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestValueAndMap(t *testing.T) {
	m := Map(map[string]string{
		"password": "s3cret", "admin_token": "tok", "empty_password": "", "colon_key": "colon value",
		"connection": "mysql+pymysql://nova:pw@db/nova", "password_file": "/etc/pw", "greeting": "hello",
	})
	want := map[string]string{
		"password": Mask, "admin_token": Mask, "empty_password": "", "colon_key": "colon value",
		"connection": "mysql+pymysql://nova:" + Mask + "@db/nova", "password_file": "/etc/pw", "greeting": "hello",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("Map: %s = %q, want %q", k, m[k], v)
		}
	}
	if got := Value("ckan.auth.create_default_api_keys", "true"); got != "true" {
		t.Errorf("a switch is masked: %q", got)
	}
	if got := Value("admin_password", "True2"); got != Mask {
		t.Errorf("a password that starts like a switch is shown: %q", got)
	}
	if Map(nil) != nil {
		t.Error("Map(nil) is not nil")
	}
}

func TestHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("X-Auth-Token", "tok")
	h.Set("X-Auth-Key", "key1")
	h.Set("X-Api-Key", "key2")
	h.Add("Set-Cookie", "a=1")
	h.Add("Set-Cookie", "b=2")
	h.Set("Referer", "https://dash/?token=tok2")
	h.Set("X-Trace", "t1")
	got := strings.Join(SortedHeaders(h), "\n")
	want := "Referer: https://dash/?token=****\nSet-Cookie: ****\nX-Api-Key: ****\nX-Auth-Key: ****\nX-Auth-Token: ****\nX-Trace: t1"
	if got != want {
		t.Errorf("SortedHeaders:\n%s\nwant\n%s", got, want)
	}
}

func TestBody(t *testing.T) {
	for _, tc := range []struct{ ctype, in, want string }{
		{"application/json", `{"user": "nova", "password": "s3cret", "n": 1}`, `{"user": "nova", "password": "****", "n": 1}`},
		{"application/json; charset=utf-8",
			`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"pw"}}}}}`,
			`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"****"}}}}}`},
		{"application/json", `{"auth":{"identity":{"methods":["token"],"token":{"id":"gAAAA"}}}}`,
			`{"auth":{"identity":{"methods":["token"],"token":{"id":"****"}}}}`},
		{"application/json", `{"access": {"token": {"id": "abc", "expires": "2030"}, "user": {"id": "u1"}}}`,
			`{"access": {"token": {"id": "****", "expires": "2030"}, "user": {"id": "u1"}}}`},
		{"application/json", `{"server": {"adminPass": "x1", "id": "s1"}, "hmac_keys": ["k1", "k2"], "pin": 1234, "secret": 99, "token": null}`,
			`{"server": {"adminPass": "****", "id": "s1"}, "hmac_keys": ["****", "****"], "pin": 1234, "secret": "****", "token": null}`},
		{"application/vnd.openstack+json", `[{"application_credential": {"secret": "s", "name": "n"}}]`,
			`[{"application_credential": {"secret": "****", "name": "n"}}]`},
		{"application/json", `{"a": "x"}{"token": "t"}`, `{"a": "x"}{"token": "****"}`},
		{"application/json", `{"query": "token=t\u0026limit=1", "links": [{"href": "https://u:pw@h/v2?marker=m"}]}`,
			`{"query": "token=****\u0026limit=1", "links": [{"href": "https://u:****@h/v2?marker=m"}]}`},
		{"application/json", `{"password": "p" broken`, `{"password": "p" broken`},
		{"application/json", `password=p broken`, `password=**** broken`},
		{"application/x-www-form-urlencoded", "username=u&password=p%26q&grant_type=password", "username=u&password=****&grant_type=password"},
		{"text/plain; charset=utf-8", "path=/x\ntoken=abc\n", "path=/x\ntoken=****\n"},
		{"", "db: mysql://u:pw@h/", "db: mysql://u:****@h/"},
		{"application/octet-stream", "token=abc", "(9 bytes of application/octet-stream, not shown)"},
		{"text/plain", "\xff\xfe", "(2 bytes of text/plain, not shown)"},
		{"", "\x1f\x8b\x08\x00\xff", "(5 bytes of no Content-Type, not shown)"},
		{"image/png", "", ""},
	} {
		if got := Body(tc.ctype, []byte(tc.in)); got != tc.want {
			t.Errorf("Body(%q, %q)\n = %s\nwant %s", tc.ctype, tc.in, got, tc.want)
		}
	}
}

// The checks of the request path must not allocate: access_log runs them
// on every request.
func TestNoAllocations(t *testing.T) {
	for name, f := range map[string]func(){
		"Key":   func() { Key("keystone_authtoken.memcache_secret_key") },
		"Query": func() { Query("marker=abc&limit=10&sort_key=name") },
		"URL":   func() { URL("/v2.0/ports?fields=id&fields=name") },
		"Text":  func() { Text("https://dashboard.example.com/project/") },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times", name, n)
		}
	}
}

func BenchmarkQuery(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Query("marker=abc&limit=10&sort_key=name&sort_dir=asc")
	}
}
