package apps

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestEcho(t *testing.T) {
	src := "[DEFAULT]\nadmin_password = hunter2\n[composite:main]\nuse = egg:Paste#urlmap\n/v1 = pipe\n" +
		"[pipeline:pipe]\npipeline = request_id keystonecontext echo\n" +
		"[filter:request_id]\nuse = egg:oslo.middleware#request_id\n" +
		"[filter:keystonecontext]\npaste.filter_factory = neutron.auth:NeutronKeystoneContext.factory\n" +
		"[app:echo]\nuse = egg:pasteserve#echo\ngreeting = hello\n"
	h := mustBuildApp(t, src)
	r := httptest.NewRequest("PUT", "http://api.example.com/v1/things?x=1", nil)
	r.Header.Set("X-User-Id", "u1")
	r.Header.Set("X-Auth-Token", "tok")
	rec := serveReq(h, r)
	var got echoReply
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	if got.Method != "PUT" || got.Path != "/things" || got.ScriptName != "/v1" || got.Query != "x=1" || got.Host != "api.example.com" ||
		got.Scheme != "http" || got.ApplicationURL != "http://api.example.com/v1" || got.RequestID == "" ||
		got.Conf["greeting"] != "hello" || got.GlobalConf["admin_password"] != "****" || got.Headers["X-User-Id"][0] != "u1" {
		t.Errorf("%s", rec.Body)
	}
	if got.Identity == nil || got.Identity.UserID != "u1" || got.Identity.AuthToken != "****" {
		t.Errorf("identity %+v", got.Identity)
	}
}

// echo masks its configuration by the shared rule: secrets and URL
// passwords, but not keys of no secret kind.
func TestEchoMasksConfByTheSharedRule(t *testing.T) {
	h := mustBuildApp(t, "[app:main]\nuse = egg:pasteserve#echo\nmemcache_secret_key = s3cret\ncache_key = the-cache-key\n"+
		"token_cache_time = 300\nconnection = mysql+pymysql://nova:s3cret-db@db/nova\n")
	rec := serveReq(h, httptest.NewRequest("GET", "/", nil))
	var got echoReply
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	want := map[string]string{"memcache_secret_key": "****", "cache_key": "the-cache-key", "token_cache_time": "300",
		"connection": "mysql+pymysql://nova:****@db/nova"}
	for k, v := range want {
		if got.Conf[k] != v {
			t.Errorf("conf %s = %q, want %q", k, got.Conf[k], v)
		}
	}
}

func BenchmarkEcho(b *testing.B) {
	h := mustBuildApp(b, "[app:main]\nuse = egg:pasteserve#echo\n")
	b.ReportAllocs()
	for b.Loop() {
		serveReq(h, httptest.NewRequest("GET", "/", nil))
	}
}
