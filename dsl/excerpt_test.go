package dsl

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// Diagnostics quote source lines, and end up in CI and service logs: the
// value of a secret key is quoted as "****", on each of its lines, and a
// URL password is masked wherever it is; the caret stays on the key, or
// moves to the mask's start when it pointed inside the secret.
func TestExcerptsMaskSecrets(t *testing.T) {
	src := "[app:main]\n" +
		"admin_password = s3cret-one\n" + // 2
		"hmac_keys =\n" + // 3
		"    s3cret-two\n" + // 4
		"\ts3cret-three\n" + // 5
		"connection = mysql+pymysql://nova:s3cret-db@db/nova\n" + // 6
		"cache_key = shown\n" // 7
	f, err := Parse("api.ini", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	at := func(line, col int) Pos { return Pos{Filename: "api.ini", Line: line, Column: col} }
	var ds Diagnostics
	ds.Warnf(at(2, 1), "on the key")
	ds.Warnf(at(2, 22), "inside the secret")
	ds.Warnf(at(4, 5), "a continuation line")
	ds.Warnf(at(5, 2), "another, after a tab")
	ds.Warnf(at(6, 14), "a URL")
	ds.Warnf(at(6, 50), "after the URL's password")
	ds.Warnf(at(7, 13), "no secret")
	var b strings.Builder
	ds.Write(&b, f)
	got := b.String()
	if strings.Contains(got, "s3cret") {
		t.Errorf("an excerpt quotes a secret:\n%s", got)
	}
	for _, want := range []string{
		"api.ini:2:1: warning: on the key\n    2 | admin_password = ****\n      | ^\n",
		"api.ini:2:22: warning: inside the secret\n    2 | admin_password = ****\n      |                  ^\n",
		"api.ini:4:5: warning: a continuation line\n    4 |     ****\n      |     ^\n",
		"api.ini:5:2: warning: another, after a tab\n    5 | \t****\n      | \t^\n",
		"api.ini:6:14: warning: a URL\n    6 | connection = mysql+pymysql://nova:****@db/nova\n      |              ^\n",
		"api.ini:6:50: warning: after the URL's password\n    6 | connection = mysql+pymysql://nova:****@db/nova\n      | " + strings.Repeat(" ", 44) + "^\n", // the 'v' of nova
		"api.ini:7:13: warning: no secret\n    7 | cache_key = shown\n      |             ^\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\ngot\n%s", want, got)
		}
	}
}

// A file that does not parse is quoted with the same care: the line of
// an error is split as configparser splits it.
func TestExcerptsMaskSecretsOfBrokenFiles(t *testing.T) {
	src := "password = s3cret\n[app:main]\nadmin_token: s3cret-token\nadmin_token: again\n"
	f, err := Parse("api.ini", []byte(src))
	if err == nil {
		t.Fatal("parsed")
	}
	var b strings.Builder
	err.(Diagnostics).Write(&b, f)
	got := b.String()
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "    1 | password = ****\n") || !strings.Contains(got, "    4 | admin_token: ****\n") {
		t.Errorf("excerpts:\n%s", got)
	}
}

// Text after a section header is quoted with the same care as an entry:
// configparser ignores it, but it is most often an entry that lost its
// line break.
func TestExcerptsMaskTextAfterAHeader(t *testing.T) {
	f, err := Parse("api.ini", []byte("[app:main] admin_password = TRAILPW\nuse = egg:X#app\n[app:b] connection = mysql://nova:TRAILDB@db/nova\n"))
	if err != nil {
		t.Fatal(err)
	}
	var ds Diagnostics
	ds.Warnf(Pos{Filename: "api.ini", Line: 1, Column: 1}, "trailing")
	ds.Warnf(Pos{Filename: "api.ini", Line: 1, Column: 33}, "inside")
	ds.Warnf(Pos{Filename: "api.ini", Line: 3, Column: 1}, "url")
	var b strings.Builder
	ds.Write(&b, f)
	got := b.String()
	if strings.Contains(got, "TRAIL") {
		t.Errorf("an excerpt quotes a secret:\n%s", got)
	}
	for _, want := range []string{
		"api.ini:1:1: warning: trailing\n    1 | [app:main] admin_password = ****\n      | ^\n",
		"api.ini:1:33: warning: inside\n    1 | [app:main] admin_password = ****\n      | " + strings.Repeat(" ", 28) + "^\n",
		"    3 | [app:b] connection = mysql://nova:****@db/nova\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\ngot\n%s", want, got)
		}
	}
}

// A tempauth user's line is quoted with its password (the first word of
// the value) masked, and nothing else.
func TestExcerptsMaskTempauthPasswords(t *testing.T) {
	f, err := Parse("proxy-server.conf", []byte("[filter:tempauth]\nuse = egg:swift#tempauth\nuser_admin_admin = TEMPPW .admin .reseller_admin\n"))
	if err != nil {
		t.Fatal(err)
	}
	var ds Diagnostics
	ds.Warnf(Pos{Filename: "proxy-server.conf", Line: 3, Column: 1}, "user")
	var b strings.Builder
	ds.Write(&b, f)
	if got := b.String(); strings.Contains(got, "TEMPPW") || !strings.Contains(got, "    3 | user_admin_admin = **** .admin .reseller_admin\n") {
		t.Errorf("excerpt:\n%s", got)
	}
}

// The caret's column is right far along a long line with a URL password
// (masking moves the caret). It is found in one pass over the line
// (BenchmarkExcerptOfALongLine): an error at column 200,000 took seconds
// when each column was counted from the start of the line.
func TestExcerptOfALongLineIsLinear(t *testing.T) {
	const n = 200_000
	line := "connection = mysql://nova:pw@db/nova?x=" + strings.Repeat("a", n)
	f, err := Parse("api.ini", []byte("[app:main]\n"+line+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	var ds Diagnostics
	ds.Warnf(Pos{Filename: "api.ini", Line: 2, Column: len(line)}, "far along")
	var b strings.Builder
	ds.Write(&b, f)
	if !strings.Contains(b.String(), "mysql://nova:****@db") || !strings.HasSuffix(b.String(), strings.Repeat(" ", len(line)+1)+"^\n") { // the mask is 2 bytes longer than "pw"
		t.Errorf("excerpt: %q", b.String()[:80])
	}
}

// An indented "key = value" line continues the value above it, for
// configparser and this parser, but its writer meant a key: a
// diagnostic about it (pasteserve check tells to unindent it) must not
// quote a secret it holds. Other continuation lines are quoted as they
// are.
func TestExcerptsMaskSecretsOnContinuationLines(t *testing.T) {
	src := "[app:main]\n" +
		"use = egg:pasteserve#echo\n" + // 2
		"  admin_password = s3cret-one\n" + // 3
		"pipeline = request_id\n" + // 4
		"  cache_key = shown\n" // 5
	f, err := Parse("api.ini", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var ds Diagnostics
	ds.Errorf(Pos{Filename: "api.ini", Line: 3, Column: 3}, "indented")
	ds.Errorf(Pos{Filename: "api.ini", Line: 3, Column: 25}, "inside the secret")
	ds.Errorf(Pos{Filename: "api.ini", Line: 5, Column: 3}, "no secret")
	var b strings.Builder
	ds.Write(&b, f)
	got := b.String()
	for _, want := range []string{
		"api.ini:3:3: indented\n    3 |   admin_password = ****\n      |   ^\n",
		"api.ini:3:25: inside the secret\n    3 |   admin_password = ****\n      |                    ^\n",
		"api.ini:5:3: no secret\n    5 |   cache_key = shown\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\ngot\n%s", want, got)
		}
	}
	if strings.Contains(got, "s3cret") {
		t.Errorf("an excerpt quotes a secret:\n%s", got)
	}
}

// BenchmarkExcerptOfALongLine writes the excerpt of an error far along a
// long line with a URL password; ns/op grows with the line's length, not
// its square.
func BenchmarkExcerptOfALongLine(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		line := "connection = mysql://nova:pw@db/nova?x=" + strings.Repeat("a", n)
		f, err := Parse("api.ini", []byte("[app:main]\n"+line+"\n"))
		if err != nil {
			b.Fatal(err)
		}
		ds := Diagnostics{{Pos: Pos{Filename: "api.ini", Line: 2, Column: len(line)}, Msg: "far along"}}
		b.Run(fmt.Sprintf("bytes=%d", len(line)), func(b *testing.B) {
			for b.Loop() {
				ds.Write(io.Discard, f)
			}
		})
	}
}

// A secret value written under a key that is no secret, by mistake or in
// another section, is masked in that line's excerpt too, as the message
// above it masks it: the excerpt must not print what the message hides.
func TestExcerptsMaskSecretValuesUnderOtherKeys(t *testing.T) {
	src := "[filter:authtoken]\n" +
		"password = LocalPW456\n" + // 2
		"http_connect_timeout = LocalPW456\n" + // 3
		"[app:main]\n" +
		"note = x LocalPW456 y\n" // 5
	f, err := Parse("api.ini", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var ds Diagnostics
	ds.Errorf(Pos{Filename: "api.ini", Line: 3, Column: 24}, "not a duration")
	ds.Errorf(Pos{Filename: "api.ini", Line: 5, Column: 21}, "after the secret") // the y
	var b strings.Builder
	ds.Write(&b, f)
	got := b.String()
	if strings.Contains(got, "LocalPW456") {
		t.Errorf("an excerpt quotes a secret written under another key:\n%s", got)
	}
	for _, want := range []string{
		"    3 | http_connect_timeout = ****\n      |                        ^\n",
		"    5 | note = x **** y\n      | " + strings.Repeat(" ", 14) + "^\n", // still under the y
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks\n%s\ngot\n%s", want, got)
		}
	}
}
