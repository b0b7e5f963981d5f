package redact

import "testing"

// The cases below were found by an adversarial review of the rule: each
// was printed as written before the rule caught it.

// Every part of Key is needed: each name here is caught by one part
// alone, so removing that part fails the test.
func TestKeyEachPartIsNeeded(t *testing.T) {
	for _, tc := range []struct{ name, part string }{
		{"dbPass", "the camelCase split (no compound, no suffix catches dbpass)"},
		{"passwordHash", "the camelCase split (Hash is looked through only as a word)"},
		{"DBPass", "the camelCase split of a run of capitals (DB, Pass)"},
		{"adminpass", "the compounds (pass is no suffix: bypass, compass)"},
		{"rootpass", "the compounds"},
		{"adminpassword", "the secret suffixes"},
		{"clientsecret", "the secret suffixes"},
		{"authtoken", "the secret suffixes"},
		{"temp_url_key_2", "skipping words of digits"},
		{"password2", "trimming trailing digits"},
		{"passcode", "passcode, TOTP's one-time password"},
		{"totp.passcode", "passcode"},
	} {
		if !Key(tc.name) {
			t.Errorf("Key(%q) = false: %s", tc.name, tc.part)
		}
	}
}

// oslo.utils' _SANITIZE_KEYS (oslo.utils 6.0, Debian's
// python3-oslo.utils) are secret by the rule, the one-word compounds
// matched whatever their case (TripleO writes CephClientKey), but for the
// two that are identifiers, not secrets.
func TestKeyTakesOslosWords(t *testing.T) {
	for _, k := range []string{
		"adminpass", "admin_pass", "password", "admin_password", "auth_token", "new_pass", "auth_password",
		"secret", "sys_pswd", "token", "configdrive", "chappassword", "encrypted_key", "private_key",
		"fernetkey", "sslkey", "passphrase", "octaviaheartbeatkey", "rabbitcookie",
		"cephmanilaclientkey", "pacemakerremoteauthkey", "designaterndckey", "cephadminkey", "heatauthencryptionkey",
		"cephclientkey", "keystonecredential", "barbicansimplecryptokek", "cephrgwkey", "swifthashsuffix",
		"migrationsshkey", "cephmdskey", "cephmonkey", "cephxkey",
		"CephClientKey", "KeystoneCredential0", "RabbitCookie", "tripleo.SwiftHashSuffix",
	} {
		if !Key(k) {
			t.Errorf("Key(%q) = false, want true (oslo masks it)", k)
		}
	}
	for _, k := range []string{"secret_uuid", "rbd_secret_uuid", "cephclusterfsid", "monkey", "hotkey", "ceph_client_key_file"} {
		if Key(k) {
			t.Errorf("Key(%q) = true, want false", k)
		}
	}
}

// urlmap's keys are paths, domains and URLs, whatever their last word.
func TestURLMapPathsAreNotSecrets(t *testing.T) {
	for _, k := range []string{"/v1/secrets", "/v3/auth/tokens", "/v2.0/tokens", "/password", "domain vault.example.com /secrets",
		"port 8443 /token", "http://example.com/secret", "https://keystone/v3/auth/tokens"} {
		if Key(k) || Secret(k, "app") {
			t.Errorf("Key(%q) = true: a urlmap path is not a secret", k)
		}
		if got := Value(k, "app"); got != "app" {
			t.Errorf("Value(%q, app) = %q", k, got)
		}
	}
}

func TestHeaderReviewCases(t *testing.T) {
	for _, h := range []string{"X-Authorization", "X-Forwarded-Authorization", "Openstack-Auth-Receipt", "openstack-auth-receipt"} {
		if !Header(h) {
			t.Errorf("Header(%q) = false, want true", h)
		}
	}
	for _, h := range []string{"WWW-Authenticate", "X-Authorization-Status", "Authorization-Policy", "Openstack-Api-Version"} {
		if Header(h) {
			t.Errorf("Header(%q) = true, want false", h)
		}
	}
}

func TestParamReviewCases(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"jwt=eyJh.x.y&a=1", "jwt=****&a=1"},
		{"user=sa&pwd=p1&pw=p2", "user=sa&pwd=****&pw=****"},
		// The names are percent-decoded before they are judged: neither
		// is secret as written.
		{"api%5Fkey=k1&%74oken=t1", "api%5Fkey=****&%74oken=****"},
		{"pass%77ord=p", "pass%77ord=****"},
	} {
		if got := Query(tc.in); got != tc.want {
			t.Errorf("Query(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"Driver={ODBC Driver 18};Server=db;Uid=sa;Pwd=s3cret;", "Driver={ODBC Driver 18};Server=db;Uid=sa;Pwd=****;"},
		{"see api%5Fkey=k1 here", "see api%5Fkey=**** here"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestURLPasswordsWithSeparators(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"mysql+pymysql://nova:p,w@db/nova", "mysql+pymysql://nova:****@db/nova"},
		{"mysql://nova:p?w@db/nova", "mysql://nova:****@db/nova"},
		{"mysql://nova:p#w@db/nova", "mysql://nova:****@db/nova"},
		{"mysql://nova:p?w#x,y@db/nova?charset=utf8", "mysql://nova:****@db/nova?charset=utf8"},
		{"mysql://nova:a@b?c@db:3306/nova", "mysql://nova:****@db:3306/nova"},
		{"connection = mysql+pymysql://nova:p,w@db/nova?x=1 and more", "connection = mysql+pymysql://nova:****@db/nova?x=1 and more"},
		// oslo.messaging's hosts, each with its own user.
		{"rabbit://a:pw1@h1,b:pw2@h2/", "rabbit://a:****@h1,b:****@h2/"},
		{"rabbit://a:p?1@h1:5672,b:p#2@h2:5672/vhost", "rabbit://a:****@h1:5672,b:****@h2:5672/vhost"},
		{"rabbit://a:pw@h1,h2,h3/", "rabbit://a:****@h1,h2,h3/"},
		// A query with an '@' and no user information is not touched.
		{"http://example.com?email=a@b.example", "http://example.com?email=a@b.example"},
		{"http://example.com/x?email=a@b.example", "http://example.com/x?email=a@b.example"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// A user name with no password that is long enough to be a token is a
// token: GitHub's https://TOKEN@github.com.
func TestURLTokenAsUserName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/org/repo.git", "https://****@github.com/org/repo.git"},
		{"git+https://0123456789abcdef0123456789abcdef01234567@github.com/x", "git+https://****@github.com/x"},
		{"ssh://git@github.com/org/repo.git", "ssh://git@github.com/org/repo.git"},
		{"http://user@host/", "http://user@host/"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q)\n = %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestURLPathParameters(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/x;password=pw1", "/x;password=****"},
		{"/x;password=pw1/y;v=1?token=t", "/x;password=****/y;v=1?token=****"},
		{"/a;jsessionid=J1;token=T1,v=2/b", "/a;jsessionid=J1;token=****,v=2/b"},
		{"/x;v=1", "/x;v=1"},
		{"/a;b", "/a;b"},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTextUnterminatedQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`password="abc`, `password="****`},
		{`password='abc def`, `password='****`},
		{"token=\"abc\nnext line", "token=\"****\nnext line"},
		{`password=""`, `password=""`},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Swift's tempauth: user_<account>_<user> = <password> <groups...>.
func TestTempauthUsers(t *testing.T) {
	for _, tc := range []struct{ key, in, want string }{
		{"user_admin_admin", "admin .admin .reseller_admin", "**** .admin .reseller_admin"},
		{"user_test_tester3", "testing3", "****"},
		{"user64_dGVzdA_dGVzdGVy", "testing .admin http://127.0.0.1:8080/v1/AUTH_test", "**** .admin http://127.0.0.1:8080/v1/AUTH_test"},
		{"user_test_tester", "", ""},
		// Not tempauth's: three parts are needed, and keystoneauth's
		// user_domain_* are names.
		{"user_domain_name", "Default", "Default"},
		{"user_domain_id", "default", "default"},
		{"user_id", "u1", "u1"},
		{"user_agent_ratelimit_regexes", "curl", "curl"},
		{"user_prefs_storage.method", "local", "local"},
		{"user_message.max_messages", "20", "20"},
		{"user_profile_sections.order", "activity, personal-data", "activity, personal-data"},
		{"user__x", "pw", "pw"},
	} {
		if got := Value(tc.key, tc.in); got != tc.want {
			t.Errorf("Value(%q, %q) = %q, want %q", tc.key, tc.in, got, tc.want)
		}
	}
	m := Map(map[string]string{"user_admin_admin": "s3cretA .admin", "note": "s3cretA"})
	if m["user_admin_admin"] != "**** .admin" {
		t.Errorf("Map: %v", m)
	}
}

// A secret interpolated into a key that names none is masked there too.
func TestMapMasksSecretsInOtherValues(t *testing.T) {
	global := map[string]string{"db_pass": "hunter2", "token": "1"}
	local := map[string]string{
		"basic":      "user:hunter2",
		"connection": "postgresql://nova@db/nova?password=x&other=hunter2",
		"workers":    "1",
		"note":       "hunter22 contains it too",
	}
	got := Map(local, global)
	for k, want := range map[string]string{
		"basic": "user:****", "connection": "postgresql://nova@db/nova?password=****&other=****",
		"workers": "1", "note": "****2 contains it too",
	} {
		if got[k] != want {
			t.Errorf("Map: %s = %q, want %q", k, got[k], want)
		}
	}
	if g := Map(global, local); g["db_pass"] != Mask || g["token"] != Mask {
		t.Errorf("Map(global) = %v", g)
	}
	// The longer of two secrets that overlap is masked whole.
	m := Map(map[string]string{"password": "abcd", "secret": "abcdefgh", "x": "abcdefgh abcd"})
	if m["x"] != "**** ****" {
		t.Errorf("overlapping secrets: %q", m["x"])
	}
}

// A message quoting configuration is masked as Map masks values.
func TestMessage(t *testing.T) {
	local := map[string]string{"password": "FACTORYPW2", "token": "42", "basic": "u:FACTORYPW2"}
	local["user_admin_admin"] = "adminpw .admin"
	s := Collect(local, map[string]string{"admin_token": `to"ken`})
	for _, tc := range []struct{ in, want string }{
		{"cannot connect to mysql://nova:FACTORYPW@db/nova", "cannot connect to mysql://nova:****@db/nova"},
		{`login with "FACTORYPW2" failed`, `login with "****" failed`},
		{`basic is "u:FACTORYPW2"`, `basic is "u:****"`},
		{`token "to\"ken" refused`, `token "****" refused`},
		{"42 is not 4242", "42 is not 4242"},
		{`user_admin_admin: "adminpw .admin" has no storage URL`, `user_admin_admin: "**** .admin" has no storage URL`},
	} {
		if got := s.Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"admin_password = TRAILPW", "admin_password = ****"},
		{"admin_token: t0k", "admin_token: ****"},
		{"connection = mysql://nova:pw@db/nova", "connection = mysql://nova:****@db/nova"},
		{"user_admin_admin = admin .admin", "user_admin_admin = **** .admin"},
		{"cache_key = k", "cache_key = k"},
		{"just words", "just words"},
	} {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBodyReviewCases(t *testing.T) {
	for _, tc := range []struct{ ctype, in, want string }{
		// Members named like headers.
		{"application/json", `{"Authorization": "Bearer X1", "Cookie": "sid=C1", "headers": {"X-Auth-Token": "T1", "Accept": "a"}}`,
			`{"Authorization": "****", "Cookie": "****", "headers": {"X-Auth-Token": "****", "Accept": "a"}}`},
		// Keystone's EC2 credential: a blob of JSON in a string.
		{"application/json", `{"credential": {"blob": "{\"access\":\"181920\",\"secret\":\"S1\"}", "type": "ec2"}}`,
			`{"credential": {"blob": "{\"access\":\"181920\",\"secret\":\"****\"}", "type": "ec2"}}`},
		{"application/json", `{"list": "[{\"token\": \"T2\"}]", "not": "{broken \"token\": \"x\""}`,
			`{"list": "[{\"token\": \"****\"}]", "not": "{broken \"token\": \"x\""}`},
		// TOTP.
		{"application/json", `{"auth": {"identity": {"methods": ["totp"], "totp": {"user": {"id": "u1", "passcode": "123456"}}}}}`,
			`{"auth": {"identity": {"methods": ["totp"], "totp": {"user": {"id": "u1", "passcode": "****"}}}}}`},
		// Everything under a secret key is secret.
		{"application/json", `{"password": {"value": "NESTED", "n": 7, "ok": true}}`, `{"password": {"value": "****", "n": "****", "ok": true}}`},
		{"application/json", `{"passwords": [{"v": "X1"}, ["X2"]], "user": "u"}`, `{"passwords": [{"v": "****"}, ["****"]], "user": "u"}`},
		// but Keystone's method objects and token objects are descriptions:
		// only their secrets are.
		{"application/json", `{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "pw"}}}}}`,
			`{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "password": "****"}}}}}`},
		{"application/json", `{"token": {"methods": ["password"], "expires_at": "2030", "user": {"name": "admin"}}}`,
			`{"token": {"methods": ["password"], "expires_at": "2030", "user": {"name": "admin"}}}`},
		// JSON served as text, or with no type.
		{"text/plain", `{"password": "P1"}`, `{"password": "****"}`},
		{"", ` [{"token": "T3"}]`, ` [{"token": "****"}]`},
		{"text/html", `{not json, password="P2"}`, `{not json, password="****"}`},
	} {
		if got := Body(tc.ctype, []byte(tc.in)); got != tc.want {
			t.Errorf("Body(%q, %s)\n = %s\nwant %s", tc.ctype, tc.in, got, tc.want)
		}
	}
}

// The masker stays allocation-free on the access-log path with the new
// cases: a path with parameters, a user agent.
func TestNoAllocationsReviewCases(t *testing.T) {
	for name, f := range map[string]func(){
		"URL path params": func() { URL("/v2.0/ports;v=1/x") },
		"URL escaped":     func() { URL("/v1/AUTH_test/c/o%3Bx") },
		"Text UA":         func() { Text("python-openstackclient keystoneauth1/5.1.2 python-requests/2.28.1 CPython/3.11.2") },
		"Text bot UA":     func() { Text("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)") },
		"Text user@host":  func() { Text("ssh://git@github.com/org/repo.git, rabbit://h1,h2/") },
		"Header":          func() { Header("X-Forwarded-Authorization") },
		"Key path":        func() { Key("/v3/auth/tokens") },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times", name, n)
		}
	}
}

// The maskers take any text without panicking: they index into it by
// hand.
func FuzzMaskers(f *testing.F) {
	for _, s := range []string{
		"mysql://nova:p?w@db/nova", "rabbit://a:pw1@h1,b:pw2@h2/", "http://h:80/a@b", "https://TOKEN0123456789abcdef@x/",
		"/x;password=pw;;=;a=", `password="abc`, "token='", "[app:main] a = b", `{"password": {"v": "[1]"}, "s": "{\"token\": 1}"}`,
		"://@", "a://:@,@,", "x://@@,,@:", "user_a_b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Text(s)
		URL(s)
		Query(s)
		Line(s)
		Value(s, s)
		Key(s)
		Header(s)
		Body("application/json", []byte(s))
		Body("", []byte(s))
		Map(map[string]string{"password": s, "x": s + s, s: s})
		Collect(map[string]string{"token": s}).Text(s)
	})
}
