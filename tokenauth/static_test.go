package tokenauth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
)

func staticPaste(opts ...string) string {
	return authPaste(filterPaste("use = egg:pasteserve#static_token", opts...))
}

func TestStaticToken(t *testing.T) {
	sum := sha256.Sum256([]byte("hashed-token"))
	file := writeTemp(t, "tokens.json", `{
		"dev-admin": {"user_id": "admin-id", "user_name": "admin", "project_id": "p1", "project_name": "admin", "roles": ["admin", "member"]},
		"sha256:`+hex.EncodeToString(sum[:])+`": {"sub": "ops-id", "roles": "reader", "is_admin_project": false},
		"old": {"sub": "old-id", "exp": `+fmt.Sprint(time.Now().Add(-time.Hour).Unix())+`}
	}`)
	h := mustBuild(t, staticPaste("token_file = "+file))

	body := get(h, "/", "X-Auth-Token", "dev-admin", "X-Roles", "forged").Body.String()
	for hdr, v := range map[string]string{"X-Identity-Status": "Confirmed", "X-User-Id": "admin-id", "X-User-Name": "admin",
		"X-Project-Id": "p1", "X-Project-Name": "admin", "X-Roles": "admin,member", "X-Is-Admin-Project": "True"} {
		if got := headerLine(body, hdr); got != v {
			t.Errorf("%s = %q, want %q", hdr, got, v)
		}
	}
	if !strings.Contains(line(body, "id:user"), "admin=true") {
		t.Errorf("identity: %s", line(body, "id:user"))
	}
	body = get(h, "/", "Authorization", "Bearer hashed-token").Body.String()
	if headerLine(body, "X-User-Id") != "ops-id" || headerLine(body, "X-Roles") != "reader" || headerLine(body, "X-Is-Admin-Project") != "False" {
		t.Errorf("hashed entry:\n%s", body)
	}
	for name, tok := range map[string]string{"unknown": "nope", "expired": "old", "hash itself": "sha256:" + hex.EncodeToString(sum[:])} {
		if rec := get(h, "/", "X-Auth-Token", tok); rec.Code != 401 || rec.Header().Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s: %d", name, rec.Code)
		}
	}
	h = mustBuild(t, staticPaste("token_file = "+file, "delay_auth_decision = true"))
	if body := get(h, "/", "X-Auth-Token", "nope").Body.String(); headerLine(body, "X-Identity-Status") != "Invalid" {
		t.Errorf("delayed:\n%s", body)
	}
}

func TestStaticTokenErrors(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{`[]`, "is not a JSON object of tokens"},
		{`{}`, "lists no tokens"},
		{`{"t": {"sub": "u"}, "t": {"sub": "v"}}`, "entry 2: the same token as an earlier entry"},
		{`{"t": ["u"]}`, "entry 1: json: cannot unmarshal array"},
		{`{"t": {"sub": "u"}, "t2": {"roles": ["admin"]}}`, "entry 2: no user"},
		{`{"sha256:abc": {"sub": "u"}}`, "sha256: must be followed by 64 hex digits"},
		{`{"": {"sub": "u"}}`, "an empty token"},
		{`{"t": {"sub": "u", "roles": {"a": 1}}}`, "claim roles is neither a list nor a string"},
		{`{"t": {"sub": "u", "exp": "tomorrow"}}`, "claim exp is not a number"},
		{`{"t": {"sub": "u"}, "sha256:e3b98a4da31a127d4bde6e43033f66ba274cab0eb7eb1c70ec41402bf6273dd8": {"sub": "v"}}`, "entry 2: the same token as an earlier entry"},
	} {
		wantBuildError(t, staticPaste("token_file = "+writeTemp(t, "tokens.json", c.file)), "5:1", c.want)
	}
	wantBuildError(t, staticPaste(), "3:1", "token_file: is required")
	wantBuildError(t, staticPaste("token_file = /nonexistent.json"), "5:1", "no such file")
}
