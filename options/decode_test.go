package options

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pasteserve/pasteserve/dsl"
)

// section makes the section [filter:f] of api.ini, its header on line 1
// and each "key = value" of lines on the lines after it, in order.
func section(lines ...string) *Section {
	sec := &Section{
		Name:     "filter:f",
		Pos:      dsl.Pos{Filename: "api.ini", Line: 1, Column: 1},
		Local:    map[string]string{},
		LocalPos: map[string]dsl.Pos{},
		Global:   map[string]string{},
	}
	for i, l := range lines {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			panic("section: no '=' in " + l)
		}
		k = strings.TrimSpace(k)
		sec.Local[k] = strings.TrimSpace(v)
		sec.LocalPos[k] = dsl.Pos{Filename: "api.ini", Line: i + 2, Column: 1}
	}
	return sec
}

// messages is each diagnostic of ds as Error prints it.
func messages(ds dsl.Diagnostics) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Error())
	}
	return out
}

// level is a named string type; port reads a TCP port as the server's
// bind_port does today, with its messages: the escape hatch for a
// value with a meaning of its own.
type (
	level string
	port  int
)

func (p *port) UnmarshalText(b []byte) error {
	s := string(b)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err == nil && n > 65535:
		return fmt.Errorf("%q is not a port number: 0 (any free port) to 65535", s)
	case err != nil || n < 0:
		return fmt.Errorf("%q is not a whole number of at least 0", s)
	}
	*p = port(n)
	return nil
}

func (p port) MarshalText() ([]byte, error) { return []byte(strconv.Itoa(int(p))), nil }

// every has an option of every type the decoder reads.
type every struct {
	S    string        `paste:"s"`
	B    bool          `paste:"b"`
	I    int           `paste:"i"`
	I8   int8          `paste:"i8"`
	I64  int64         `paste:"i64"`
	U    uint16        `paste:"u"`
	F    float64       `paste:"f"`
	F32  float32       `paste:"f32"`
	D    time.Duration `paste:"d"`
	L    []string      `paste:"l"`
	LI   []int         `paste:"li"`
	E    string        `paste:"e,enum=Red|green"`
	LE   []string      `paste:"le,enum=a|b"`
	P    string        `paste:"p,path"`
	LP   []string      `paste:"lp,path"`
	T    netip.Prefix  `paste:"t"`
	LT   []netip.Addr  `paste:"lt"`
	Ptr  *int          `paste:"ptr"`
	PD   *time.Duration
	PS   *string       `paste:"ps"`
	N    level         `paste:"n"`
	Port port          `paste:"port"`
	NI   int           `paste:"ni,min=1,max=9"`
	NMin int           `paste:"nmin,min=1"`
	NMax int           `paste:"nmax,max=9"`
	FR   float64       `paste:"fr,min=0.5,max=1"`
	DMin time.Duration `paste:"dmin,min=0"`
	DR   time.Duration `paste:"dr,min=1,max=1m"`

	notAnOption int
	GoOnly      func() // no tag: not an option
}

func TestDecodeTypes(t *testing.T) {
	seven, pseven := 7, "seven"
	for _, c := range []struct {
		line string
		want func(*every)
	}{
		{"s = some text, with commas", func(o *every) { o.S = "some text, with commas" }},
		{"s =", func(o *every) { o.S = "" }},
		{"b = Yes", func(o *every) { o.B = true }},
		{"b = off", func(o *every) { o.B = false }},
		{"b = 1", func(o *every) { o.B = true }},
		{"b = F", func(o *every) { o.B = false }},
		{"i = -12", func(o *every) { o.I = -12 }},
		{"i = +5", func(o *every) { o.I = 5 }},
		{"i8 = 127", func(o *every) { o.I8 = 127 }},
		{"i64 = 9223372036854775807", func(o *every) { o.I64 = 1<<63 - 1 }},
		{"u = 65535", func(o *every) { o.U = 65535 }},
		{"f = 2.5e3", func(o *every) { o.F = 2500 }},
		{"f32 = 0.25", func(o *every) { o.F32 = 0.25 }},
		{"d = 30", func(o *every) { o.D = 30 * time.Second }},
		{"d = 0.5", func(o *every) { o.D = 500 * time.Millisecond }},
		{"d = -1", func(o *every) { o.D = -time.Second }},
		{"d = 1m30s", func(o *every) { o.D = 90 * time.Second }},
		{"d = 0.000000001", func(o *every) { o.D = 1 }},
		{"l = a b,c, d", func(o *every) { o.L = []string{"a", "b", "c", "d"} }},
		{"l =", func(o *every) { o.L = []string{} }},
		{"li = 1, 2 3", func(o *every) { o.LI = []int{1, 2, 3} }},
		{"e = red", func(o *every) { o.E = "Red" }},
		{"e = GREEN", func(o *every) { o.E = "green" }},
		{"le = b,A", func(o *every) { o.LE = []string{"b", "a"} }},
		{"p = htpasswd", func(o *every) { o.P = "/etc/app/htpasswd" }},
		{"p = ../shared/./htpasswd", func(o *every) { o.P = "/etc/shared/htpasswd" }},
		{"p = /abs/htpasswd", func(o *every) { o.P = "/abs/htpasswd" }},
		{"p =", func(o *every) { o.P = "" }},
		{"lp = a /b", func(o *every) { o.LP = []string{"/etc/app/a", "/b"} }},
		{"t = 10.0.0.0/8", func(o *every) { o.T = netip.MustParsePrefix("10.0.0.0/8") }},
		{"lt = ::1, 127.0.0.1", func(o *every) { o.LT = []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1")} }},
		{"ptr = 7", func(o *every) { o.Ptr = &seven }},
		{"ps = seven", func(o *every) { o.PS = &pseven }},
		{"n = debug", func(o *every) { o.N = "debug" }},
		{"port = 8080", func(o *every) { o.Port = 8080 }},
		{"ni = 9", func(o *every) { o.NI = 9 }},
		{"nmin = 1", func(o *every) { o.NMin = 1 }},
		{"nmax = -100", func(o *every) { o.NMax = -100 }},
		{"fr = 0.5", func(o *every) { o.FR = 0.5 }},
		{"dmin = 0", func(o *every) { o.DMin = 0 }},
		{"dr = 60", func(o *every) { o.DR = time.Minute }},
		{"notAnOption = 3", func(o *every) {}},
		{"GoOnly = 3", func(o *every) {}},
	} {
		t.Run(c.line, func(t *testing.T) {
			sec := section(c.line)
			sec.Here = "/etc/app"
			// Defaults that every case but its own leaves alone.
			def := func() every {
				return every{S: "def", B: c.line[0] == 'b', D: time.Hour, L: []string{"x"}, NMin: 5, DMin: time.Second}
			}
			got, want := def(), def()
			c.want(&want)
			if ds := Decode(sec, &got); len(ds) != 0 {
				t.Fatalf("Decode: %v", ds)
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(every{}), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }),
				cmp.Comparer(func(a, b netip.Addr) bool { return a == b }), cmp.Comparer(func(a, b func()) bool { return a == nil && b == nil })); diff != "" {
				t.Errorf("-want +got:\n%s", diff)
			}
		})
	}
}

func TestDecodeTypeErrors(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{"b = maybe", `api.ini:2:1: [filter:f] b: "maybe" is not a boolean (use true/false, yes/no, on/off, 1/0)`},
		{"b =", `api.ini:2:1: [filter:f] b: "" is not a boolean (use true/false, yes/no, on/off, 1/0)`},
		{"i = soon", `api.ini:2:1: [filter:f] i: "soon" is not a whole number`},
		{"i = 1.5", `api.ini:2:1: [filter:f] i: "1.5" is not a whole number`},
		{"i8 = 128", `api.ini:2:1: [filter:f] i8: "128" is not a whole number`},
		{"u = -1", `api.ini:2:1: [filter:f] u: "-1" is not a whole number of at least 0`},
		{"f = many", `api.ini:2:1: [filter:f] f: "many" is not a number`},
		{"f = NaN", `api.ini:2:1: [filter:f] f: "NaN" is not a number`},
		{"f = Inf", `api.ini:2:1: [filter:f] f: "Inf" is not a number`},
		{"d = soon", `api.ini:2:1: [filter:f] d: "soon" is not a duration (write seconds, like 30, or a Go duration, like 1m30s)`},
		{"d = 1e300", `api.ini:2:1: [filter:f] d: "1e300" is not a duration (write seconds, like 30, or a Go duration, like 1m30s)`},
		{"d = NaN", `api.ini:2:1: [filter:f] d: "NaN" is not a duration (write seconds, like 30, or a Go duration, like 1m30s)`},
		{"li = 1 two 3", `api.ini:2:1: [filter:f] li: "two" is not a whole number`},
		{"e = blue", `api.ini:2:1: [filter:f] e: "blue" is not one of Red, green`},
		{"le = a c", `api.ini:2:1: [filter:f] le: "c" is not one of a, b`},
		{"t = 10.0.0.0", `api.ini:2:1: [filter:f] t: netip.ParsePrefix("10.0.0.0"): no '/'`},
		{"ptr = x", `api.ini:2:1: [filter:f] ptr: "x" is not a whole number`},
		{"port = 70000", `api.ini:2:1: [filter:f] port: "70000" is not a port number: 0 (any free port) to 65535`},
		{"port = abc", `api.ini:2:1: [filter:f] port: "abc" is not a whole number of at least 0`},
		{"ni = 0", `api.ini:2:1: [filter:f] ni: "0" is not a whole number from 1 to 9`},
		{"ni = 10", `api.ini:2:1: [filter:f] ni: "10" is not a whole number from 1 to 9`},
		{"nmin = 0", `api.ini:2:1: [filter:f] nmin: "0" is not a whole number of at least 1`},
		{"nmax = 10", `api.ini:2:1: [filter:f] nmax: "10" is not a whole number of at most 9`},
		{"fr = 1.01", `api.ini:2:1: [filter:f] fr: "1.01" is not a number from 0.5 to 1`},
		{"dmin = -0.5", `api.ini:2:1: [filter:f] dmin: "-0.5" is negative`},
		{"dr = 0.5", `api.ini:2:1: [filter:f] dr: "0.5" is less than 1 second`},
		{"dr = 61", `api.ini:2:1: [filter:f] dr: "61" is more than 60 seconds`},
	} {
		t.Run(c.line, func(t *testing.T) {
			// The defaults stay where the value is wrong.
			want := every{I: 3, B: true, D: time.Hour, LI: []int{4}, E: "Red", Port: 9696, Ptr: nil, NI: 5}
			got := want
			ds := Decode(section(c.line), &got)
			if m := messages(ds); len(m) != 1 || m[0] != c.want {
				t.Errorf("got %q\nwant %q", m, c.want)
			}
			if ds.Err() == nil {
				t.Error("Err is nil")
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the defaults changed: %+v", got)
			}
		})
	}
}

// The messages that tests of filters, apps, tokenauth and the server pin
// today, as each of the three decoders writes them, come out of the one
// decoder alike.
func TestDecodeMessagesOfToday(t *testing.T) {
	type (
		cors struct {
			MaxAge           int  `paste:"max_age,group=cors"`
			AllowCredentials bool `paste:"allow_credentials,group=cors"`
		}
		sizelimit struct {
			Max int64 `paste:"max_request_body_size,group=oslo_middleware"`
		}
		authToken struct {
			AuthType string        `paste:"auth_type,deprecated=auth_plugin,enum=password|v3password,group=keystone_authtoken"`
			Cache    time.Duration `paste:"token_cache_time,group=keystone_authtoken"`
			AuthURL  string        `paste:"auth_url,required,group=keystone_authtoken,doc=the Keystone URL auth_token authenticates its service user at, e.g. http://keystone:5000/v3"`
		}
		server struct {
			Workers  int           `paste:"api_workers,group=DEFAULT,min=0"`
			Port     port          `paste:"bind_port,group=DEFAULT"`
			Timeout  time.Duration `paste:"client_socket_timeout,group=DEFAULT,min=0"`
			CertFile string        `paste:"cert_file,group=ssl"`
		}
	)
	check := func(name string, sec *Section, dst any, want ...string) {
		t.Helper()
		if got := messages(Decode(sec, dst)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
	}
	check("cors", section("max_age = soon", "allow_credentials = sometimes"), &cors{},
		`api.ini:2:1: [filter:f] max_age: "soon" is not a whole number`,
		`api.ini:3:1: [filter:f] allow_credentials: "sometimes" is not a boolean (use true/false, yes/no, on/off, 1/0)`)

	group := section()
	group.Pos = dsl.Pos{Filename: "api.ini", Line: 5, Column: 1}
	group.Global["oslo_middleware.max_request_body_size"] = "big"
	check("sizelimit from its group", group, &sizelimit{},
		`api.ini:5:1: [filter:f] max_request_body_size: "big" is not a whole number (from global_conf oslo_middleware.max_request_body_size)`)

	at := section("auth_type = v3token", "token_cache_time = soon")
	check("auth_token", at, &authToken{},
		`api.ini:1:1: [filter:f] auth_url: is required: the Keystone URL auth_token authenticates its service user at, e.g. http://keystone:5000/v3`,
		`api.ini:2:1: [filter:f] auth_type: "v3token" is not one of password, v3password`,
		`api.ini:3:1: [filter:f] token_cache_time: "soon" is not a duration (write seconds, like 30, or a Go duration, like 1m30s)`)

	// The server's options are no section's: messages start with the
	// option, and a flag is a position naming it.
	flag := &Section{Local: map[string]string{"api_workers": "-5"}, LocalPos: map[string]dsl.Pos{"api_workers": {Filename: "flag --workers"}}}
	check("server flag", flag, &server{}, `flag --workers: api_workers: "-5" is not a whole number of at least 0`)
	file := &Section{
		Local:    map[string]string{"bind_port": "70000", "client_socket_timeout": "soon"},
		LocalPos: map[string]dsl.Pos{"bind_port": {Filename: "port.conf", Line: 2, Column: 1}, "client_socket_timeout": {Filename: "port.conf", Line: 3, Column: 1}},
	}
	check("server file", file, &server{},
		`port.conf:2:1: bind_port: "70000" is not a port number: 0 (any free port) to 65535`,
		`port.conf:3:1: client_socket_timeout: "soon" is not a duration (write seconds, like 30, or a Go duration, like 1m30s)`)
}

// Lookup order: the section's name, aliases, deprecated names, then the
// same in the group; the first found wins.
func TestDecodeLookupOrder(t *testing.T) {
	type opts struct {
		URI string `paste:"www_authenticate_uri,alias=public_uri,deprecated=auth_uri|identity_uri,group=keystone_authtoken"`
	}
	for _, c := range []struct {
		name   string
		local  []string
		global map[string]string
		want   string
		diags  []string
	}{
		{"name", []string{"www_authenticate_uri = n", "public_uri = a", "auth_uri = d"}, nil, "n", nil},
		{"alias", []string{"public_uri = a", "auth_uri = d"}, nil, "a", nil},
		{"deprecated", []string{"identity_uri = d2", "auth_uri = d"}, nil, "d",
			[]string{"api.ini:3:1: warning: [filter:f] auth_uri: is deprecated; use www_authenticate_uri"}},
		{"section before group", []string{"auth_uri = d"}, map[string]string{"keystone_authtoken.www_authenticate_uri": "g"}, "d",
			[]string{"api.ini:2:1: warning: [filter:f] auth_uri: is deprecated; use www_authenticate_uri"}},
		{"group", nil, map[string]string{"keystone_authtoken.www_authenticate_uri": "g", "keystone_authtoken.auth_uri": "gd"}, "g", nil},
		{"group's deprecated", nil, map[string]string{"keystone_authtoken.auth_uri": "gd"}, "gd",
			[]string{"api.ini:1:1: warning: [filter:f] auth_uri: is deprecated; use www_authenticate_uri (from global_conf keystone_authtoken.auth_uri)"}},
		{"another group", nil, map[string]string{"cors.www_authenticate_uri": "other", "www_authenticate_uri": "bare"}, "default", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			sec := section(c.local...)
			for k, v := range c.global {
				sec.Global[k] = v
			}
			o := opts{URI: "default"}
			ds := Decode(sec, &o)
			if o.URI != c.want {
				t.Errorf("got %q, want %q", o.URI, c.want)
			}
			if got := messages(ds); !reflect.DeepEqual(got, c.diags) {
				t.Errorf("diagnostics %q, want %q", got, c.diags)
			}
			if ds.Err() != nil {
				t.Errorf("warnings are no error: %v", ds.Err())
			}
		})
	}
}

// A value from global_conf is placed at its line when the caller knows
// it, and still says where it came from.
func TestDecodeGlobalPos(t *testing.T) {
	type opts struct {
		MaxAge int `paste:"max_age,group=cors"`
	}
	sec := section()
	sec.Global["cors.max_age"] = "soon"
	sec.GlobalPos = map[string]dsl.Pos{"cors.max_age": {Filename: "nova.conf", Line: 12, Column: 1}}
	want := []string{`nova.conf:12:1: [filter:f] max_age: "soon" is not a whole number (from global_conf cors.max_age)`}
	if got := messages(Decode(sec, &opts{})); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDecodeRequired(t *testing.T) {
	type opts struct {
		Address string   `paste:"address,required,doc=the URL to forward to"`
		Service string   `paste:"service_type,required,group=g"`
		Roles   []string `paste:"roles,required"`
		N       *int     `paste:"n,required"`
	}
	for _, c := range []struct {
		name  string
		sec   *Section
		diags []string
	}{
		{"all given", section("address = http://x", "service_type = compute", "roles = admin", "n = 1"), nil},
		{"all missing", section(), []string{
			"api.ini:1:1: [filter:f] address: is required: the URL to forward to",
			"api.ini:1:1: [filter:f] service_type: is required",
			"api.ini:1:1: [filter:f] roles: is required",
			"api.ini:1:1: [filter:f] n: is required",
		}},
		// Given but empty is missing too, at the key.
		{"empty", section("n = 1", "roles =", "address = ", "service_type = compute"), []string{
			"api.ini:1:1: [filter:f] service_type: is required (from global_conf g.service_type)",
			"api.ini:3:1: [filter:f] roles: is required",
			"api.ini:4:1: [filter:f] address: is required: the URL to forward to",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "empty" {
				delete(c.sec.Local, "service_type")
				c.sec.Global["g.service_type"] = " "
			}
			ds := Decode(c.sec, &opts{})
			if got := messages(ds); !reflect.DeepEqual(got, c.diags) {
				t.Errorf("got %q\nwant %q", got, c.diags)
			}
		})
	}
}

// Every error of a section at once, sorted by position; a bad value
// does not stop the others from being read.
func TestDecodeAllErrorsAtOnce(t *testing.T) {
	type opts struct {
		A int      `paste:"a"`
		B bool     `paste:"b,group=g"`
		C []int    `paste:"c"`
		R string   `paste:"r,required"`
		E string   `paste:"e,enum=x|y"`
		S string   `paste:"s"`
		L []string `paste:"l,deprecated=old_l"`
	}
	sec := section("e = z", "s = fine", "c = 1 x y", "a = A", "old_l = p q")
	sec.Global["g.b"] = "perhaps"
	var o opts
	ds := Decode(sec, &o)
	want := []string{
		`api.ini:1:1: [filter:f] b: "perhaps" is not a boolean (use true/false, yes/no, on/off, 1/0) (from global_conf g.b)`,
		`api.ini:1:1: [filter:f] r: is required`,
		`api.ini:2:1: [filter:f] e: "z" is not one of x, y`,
		`api.ini:4:1: [filter:f] c: "x" is not a whole number`,
		`api.ini:4:1: [filter:f] c: "y" is not a whole number`,
		`api.ini:5:1: [filter:f] a: "A" is not a whole number`,
		`api.ini:6:1: warning: [filter:f] old_l: is deprecated; use l`,
	}
	if got := messages(ds); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if o.S != "fine" || !reflect.DeepEqual(o.L, []string{"p", "q"}) {
		t.Errorf("the good values were not all read: %+v", o)
	}
	if err := ds.Err(); err == nil || !strings.HasPrefix(err.Error(), "api.ini:1:1: [filter:f] b:") {
		t.Errorf("Err: %v", err)
	}
}

// A bad value of a secret key is never printed, nor is a secret value
// that another message quotes.
func TestDecodeMasksSecrets(t *testing.T) {
	type opts struct {
		Password  int           `paste:"admin_password"`
		Token     bool          `paste:"auth_token"`
		Keys      []int         `paste:"hmac_keys"`
		Secret    string        `paste:"client_secret,enum=a|b"`
		Signature time.Duration `paste:"signature,group=g"`
		Prefix    netip.Prefix  `paste:"private_key"`
		Other     int           `paste:"other"`
		URL       int           `paste:"url"`
	}
	sec := section(
		"admin_password = hunter2",
		"auth_token = gAAAAtoken",
		"hmac_keys = k1 k2",
		"client_secret = xy",
		"private_key = 10.0.0.0",
		"other = hunter2-again", // holds the password
		"url = mysql://nova:dbpass@db/nova",
	)
	sec.Global["g.signature"] = "sig"
	got := strings.Join(messages(Decode(sec, &opts{})), "\n")
	for _, secret := range []string{"hunter2", "gAAAAtoken", `"k1"`, `"k2"`, `"xy"`, `"sig"`, "10.0.0.0", "dbpass"} {
		if strings.Contains(got, secret) {
			t.Errorf("the messages print %s:\n%s", secret, got)
		}
	}
	want := `api.ini:1:1: [filter:f] signature: "****" is not a duration (write seconds, like 30, or a Go duration, like 1m30s) (from global_conf g.signature)
api.ini:2:1: [filter:f] admin_password: "****" is not a whole number
api.ini:3:1: [filter:f] auth_token: "****" is not a boolean (use true/false, yes/no, on/off, 1/0)
api.ini:4:1: [filter:f] hmac_keys: "****" is not a whole number
api.ini:4:1: [filter:f] hmac_keys: "****" is not a whole number
api.ini:5:1: [filter:f] client_secret: "****" is not one of a, b
api.ini:6:1: [filter:f] private_key: netip.ParsePrefix("****"): no '/'
api.ini:7:1: [filter:f] other: "****-again" is not a whole number
api.ini:8:1: [filter:f] url: "mysql://nova:****@db/nova" is not a whole number`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

type checked struct {
	Origins  []string `paste:"allowed_origin,group=cors"`
	MaxAge   int      `paste:"max_age,group=cors"`
	Password string   `paste:"admin_password"`
	CertFile string   `paste:"certfile"`
	KeyFile  string   `paste:"keyfile,alias=key_file"`
}

// Validate is what a constructor would run too.
func (o checked) Validate() error {
	var errs []error
	for _, origin := range o.Origins {
		if !strings.Contains(origin, "://") {
			errs = append(errs, Errorf("allowed_origin", "%q is not an origin", origin))
		}
	}
	if o.MaxAge < 0 {
		errs = append(errs, Errorf("max_age", "%d is negative", o.MaxAge))
	}
	if o.Password != "" && len(o.Password) < 8 {
		errs = append(errs, Errorf("admin_password", "%q is too short", o.Password))
	}
	if o.CertFile != "" && o.KeyFile == "" {
		errs = append(errs, Errorf("keyfile", "is required with certfile"))
	}
	if o.CertFile == "both" {
		errs = append(errs, fmt.Errorf("not an option error: %w", Errorf("certfile", "wrapped")), errors.New("no option at all"))
	}
	return errors.Join(errs...)
}

func TestDecodeValidate(t *testing.T) {
	sec := section("allowed_origin = http://ok x y", "admin_password = s3cr", "certfile = both")
	sec.Global["cors.max_age"] = "-1"
	ds := Decode(sec, &checked{})
	want := []string{
		`api.ini:1:1: [filter:f] max_age: -1 is negative (from global_conf cors.max_age)`,
		`api.ini:1:1: [filter:f] keyfile: is required with certfile`,
		`api.ini:1:1: [filter:f] no option at all`,
		`api.ini:2:1: [filter:f] allowed_origin: "x" is not an origin`,
		`api.ini:2:1: [filter:f] allowed_origin: "y" is not an origin`,
		`api.ini:3:1: [filter:f] admin_password: "****" is too short`,
		`api.ini:4:1: [filter:f] certfile: wrapped`,
	}
	if got := messages(ds); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// An alias names the same option; the message names the key written.
	sec = section("certfile = c", "key_file =")
	ds = Diagnose(sec, checked{}, Errorf("key_file", "is empty"))
	if got := messages(ds); len(got) != 1 || got[0] != `api.ini:3:1: [filter:f] key_file: is empty` {
		t.Errorf("got %q", got)
	}
}

// Diagnose places a constructor's errors as Decode places its own.
func TestDiagnose(t *testing.T) {
	sec := section("404 = /notfound", "htpasswd = users", "db_password = hunter2")
	d := &dsl.Diagnostic{Pos: dsl.Pos{Filename: "users", Line: 3, Column: 1}, Msg: "line 3 is not user:hunter2",
		Related: []dsl.Related{{Pos: sec.Pos, Msg: "read for hunter2"}}}
	err := errors.Join(
		Errorf("404", "%q is not a path", "notfound"), // a key that is no field
		Errorf("htpasswd", "cannot read the file"),
		dsl.Diagnostics{d},
		errors.New("connecting with hunter2 failed"),
		nil,
	)
	got := Diagnose(sec, &checked{}, err)
	want := []string{
		`api.ini:1:1: [filter:f] connecting with **** failed`,
		`api.ini:2:1: [filter:f] 404: "notfound" is not a path`,
		`api.ini:3:1: [filter:f] htpasswd: cannot read the file`,
		`users:3:1: line 3 is not user:****`,
	}
	if m := messages(got); !reflect.DeepEqual(m, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(m, "\n"), strings.Join(want, "\n"))
	}
	if r := got[3].Related; len(r) != 1 || r[0].Msg != "read for ****" {
		t.Errorf("related: %+v", r)
	}
	if d.Msg != "line 3 is not user:hunter2" {
		t.Error("Diagnose changed the diagnostic it was given")
	}
	if Diagnose(sec, nil, nil) != nil {
		t.Error("a nil error gives diagnostics")
	}
	// Without a type, an option is a key of the section.
	if m := messages(Diagnose(nil, nil, Errorf("x", "bad"))); len(m) != 1 || m[0] != "-: x: bad" {
		t.Errorf("got %q", m)
	}
}

// Nested option sets: an embedded struct and a named one without a tag
// are flattened; a tag of only a group gives the options inside it that
// group, unless they name their own.
func TestDecodeNested(t *testing.T) {
	type Common struct {
		Delay bool   `paste:"delay_auth_decision"`
		Realm string `paste:"realm"`
	}
	type TLS struct {
		CertFile string `paste:"certfile,path"`
		CAFile   string `paste:"cafile,group=other"`
	}
	type hidden struct {
		Hidden int `paste:"hidden"`
	}
	type opts struct {
		Common
		hidden      // unexported, embedded: its exported fields are still set
		TLS     TLS `paste:",group=keystone_authtoken"`
		private struct {
			X int `paste:"x"`
		}
		Name string `paste:"name"`
	}
	sec := section("delay_auth_decision = true", "x = 1", "name = n", "hidden = 2")
	sec.Here = "/etc"
	sec.Global["keystone_authtoken.certfile"] = "c.pem" // from global_conf: as written
	sec.Global["other.cafile"] = "ca.pem"
	sec.Global["keystone_authtoken.cafile"] = "wrong.pem"
	var o opts
	if ds := Decode(sec, &o); len(ds) != 0 {
		t.Fatal(ds)
	}
	if !o.Delay || o.Hidden != 2 || o.TLS.CertFile != "c.pem" || o.TLS.CAFile != "ca.pem" || o.Name != "n" || o.private.X != 0 {
		t.Errorf("got %+v", o)
	}
	groups, err := Groups(o)
	if err != nil || !reflect.DeepEqual(groups, []string{"keystone_authtoken", "other"}) {
		t.Errorf("Groups: %q, %v", groups, err)
	}
	desc, err := Describe(o)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, d := range desc {
		fields = append(fields, d.Field+"="+d.Name+"@"+d.Group)
	}
	want := []string{"Common.Delay=delay_auth_decision@", "Common.Realm=realm@", "hidden.Hidden=hidden@", "TLS.CertFile=certfile@keystone_authtoken", "TLS.CAFile=cafile@other", "Name=name@"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("got %q, want %q", fields, want)
	}
}

// Malformed tags are errors that name the type and the field, from
// every entry point, and never panics.
func TestTagErrors(t *testing.T) {
	type inner struct {
		A int `paste:"a,required=yes"`
	}
	for _, c := range []struct {
		v    any
		want string
	}{
		{struct {
			A int `paste:"a,requird"`
		}{}, "A: tag `paste:\"a,requird\"`: unknown item \"requird\""},
		{struct {
			A int `paste:"a,default=3"`
		}{}, "defaults are not tags"},
		{struct {
			A int `paste:",required"`
		}{}, "the option's name comes first"},
		{struct {
			A int `paste:"a b"`
		}{}, "the option's name comes first"},
		{struct {
			A int `paste:"a,,required"`
		}{}, "an empty item"},
		{struct {
			A int `paste:"a,enum=x|y"`
		}{}, "enum is for strings"},
		{struct {
			A string `paste:"a,enum=x|X"`
		}{}, "each once"},
		{struct {
			A string `paste:"a,enum=x,enum=y"`
		}{}, "enum is given twice"},
		{struct {
			A bool `paste:"a,path"`
		}{}, "path is for strings"},
		{struct {
			A string `paste:"a,path,enum=x"`
		}{}, "exclude each other"},
		{struct {
			A string `paste:"a,min=1"`
		}{}, "min and max are for numbers"},
		{struct {
			A int `paste:"a,min=x"`
		}{}, "min=x is not a int"},
		{struct {
			A int8 `paste:"a,max=300"`
		}{}, "max=300 is not a int8"},
		{struct {
			A time.Duration `paste:"a,min=10,max=5"`
		}{}, "min=10 is more than max=5"},
		{struct {
			A uint `paste:"a,min=-1"`
		}{}, "min=-1 is not a uint"},
		{struct {
			A int `paste:"a,group=x,group=y"`
		}{}, "group is given twice"},
		{struct {
			A int `paste:"a,group="`
		}{}, "group=: a group is a word"},
		{struct {
			A int `paste:"a,alias=b|"`
		}{}, "alias=b|: a name is a word"},
		{struct {
			A int `paste:"a,required=yes"`
		}{}, "required is a flag"},
		{struct {
			A int `paste:"a"`
			B int `paste:"b,alias=a"`
		}{}, "B: tag `paste:\"b,alias=a\"`: the name \"a\" is also A's"},
		{struct {
			a int `paste:"a"`
		}{}, "a: tag `paste:\"a\"`: the field is not exported"},
		{struct {
			M map[string]string `paste:"m"`
		}{}, "a map cannot be an option"},
		{struct {
			P *[]string `paste:"p"`
		}{}, "a pointer to a slice cannot be an option"},
		{struct {
			L [][]string `paste:"l"`
		}{}, "a list of slice cannot be an option"},
		{struct {
			B []byte `paste:"b"`
		}{}, "a []byte is no list"},
		{struct {
			S struct{ X int } `paste:"s"`
		}{}, "a struct field is a set of options"},
		{struct {
			S struct{ X int } `paste:",group=g,required"`
		}{}, "a struct field is a set of options"},
		{struct{ In inner }{}, "In.A: tag `paste:\"a,required=yes\"`: required is a flag"},
		{struct{ *withOptions }{}, "withOptions: an embedded pointer to a struct of options: embed the struct itself"},
		{42, "options: int: Describe needs a struct or a pointer to one"},
	} {
		// The type's name is in the message: an anonymous struct's is
		// its literal, so look for the field part only.
		if _, err := Describe(c.v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Describe(%T): %v, want %q", c.v, err, c.want)
			continue
		}
		var te *TagError
		if _, err := Describe(c.v); !errors.As(err, &te) {
			t.Errorf("Describe(%T): %T is no *TagError", c.v, err)
		}
		if _, err := Groups(c.v); err == nil {
			t.Errorf("Groups(%T) has no error", c.v)
		}
		if _, err := Unknown(section(), c.v); err == nil {
			t.Errorf("Unknown(%T) has no error", c.v)
		}
		// Decode reports it at the section, as an error.
		p := reflect.New(reflect.TypeOf(c.v))
		ds := Decode(section("a = 1"), p.Interface())
		if len(ds) != 1 || ds[0].Pos.Line != 1 || ds.Err() == nil || !strings.Contains(ds[0].Msg, "options: ") {
			t.Errorf("Decode(%T): %v", c.v, ds)
		}
	}
	type named struct {
		Field int `paste:"f,bogus"`
	}
	_, err := Describe(named{})
	if want := "options: options.named.Field: tag `paste:\"f,bogus\"`: unknown item \"bogus\""; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %s...", err, want)
	}
}

type withOptions struct {
	A int `paste:"a"`
}

func TestDecodeBadDestination(t *testing.T) {
	var nilPtr *every
	for _, dst := range []any{nil, every{}, nilPtr, new(int), "x"} {
		ds := Decode(section(), dst)
		if len(ds) != 1 || ds.Err() == nil || !strings.Contains(ds[0].Msg, "Decode needs a non-nil pointer to a struct") || ds[0].Pos.Line != 1 {
			t.Errorf("Decode(%T): %v", dst, ds)
		}
	}
	// A nil section is an empty one.
	o := every{S: "def"}
	if ds := Decode(nil, &o); len(ds) != 0 || o.S != "def" {
		t.Errorf("Decode(nil): %v, %+v", ds, o)
	}
}

func TestLookup(t *testing.T) {
	type opts struct {
		Roles []string `paste:"roles,deprecated=role,group=g"`
	}
	sec := section("role = admin", "extra = 1")
	src, ok := Lookup(sec, opts{}, "roles")
	if want := (Source{Key: "role", Value: "admin", Pos: sec.LocalPos["role"], Deprecated: true}); !ok || src != want {
		t.Errorf("got %+v %v, want %+v", src, ok, want)
	}
	if src, ok := Lookup(sec, &opts{}, "extra"); !ok || src.Value != "1" || src.Pos.Line != 3 {
		t.Errorf("a key that is no option: %+v %v", src, ok)
	}
	sec = section()
	sec.Global["g.roles"] = "member"
	if src, ok := Lookup(sec, opts{}, "role"); !ok || src.Group != "g" || src.Key != "roles" || src.Pos != sec.Pos {
		t.Errorf("from the group: %+v %v", src, ok)
	}
	if _, ok := Lookup(section(), opts{}, "roles"); ok {
		t.Error("found an option that is not given")
	}
}

func TestUnknown(t *testing.T) {
	type opts struct {
		A int `paste:"a,alias=b,deprecated=c"`
	}
	got, err := Unknown(section("a = 1", "b = 2", "c = 3", "zeta = 4", "d = 5"), opts{})
	if err != nil || !reflect.DeepEqual(got, []string{"d", "zeta"}) {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30", 30 * time.Second, true},
		{" 0.5 ", 500 * time.Millisecond, true},
		{"-1", -time.Second, true},
		{"1m30s", 90 * time.Second, true},
		{"1e3", 1000 * time.Second, true},
		{"0.3", 300 * time.Millisecond, true},
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", 0, false},
		{"-9223372036.854775808", -1 << 63, true},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"", 0, false},
		{"5 minutes", 0, false},
	} {
		d, err := ParseDuration(c.in)
		if (err == nil) != c.ok || d != c.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok %v", c.in, d, err, c.want, c.ok)
		}
		if err != nil && err.Error() != durationMsg(strings.TrimSpace(c.in)) {
			t.Errorf("ParseDuration(%q): %v", c.in, err)
		}
	}
	for in, want := range map[string]bool{"true": true, " YES ": true, "on": true, "y": true, "T": true, "1": true,
		"false": false, "No": false, "OFF": false, "n": false, "f": false, "0": false} {
		if b, err := ParseBool(in); err != nil || b != want {
			t.Errorf("ParseBool(%q) = %v, %v", in, b, err)
		}
	}
	for _, in := range []string{"", "2", "maybe", "yes please"} {
		if _, err := ParseBool(in); err == nil || err.Error() != boolMsg(in) {
			t.Errorf("ParseBool(%q): %v", in, err)
		}
	}
	if got := SplitList(" a,b  c,\n\td,,"); !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("SplitList: %q", got)
	}
	if got := SplitList(""); got == nil || len(got) != 0 {
		t.Errorf("SplitList(\"\") = %#v", got)
	}
}

// formatSeconds writes what ParseDuration reads back.
func TestFormatSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0", time.Second: "1", 90 * time.Second: "90", 500 * time.Millisecond: "0.5", -1500 * time.Millisecond: "-1.5",
		time.Nanosecond: "0.000000001", 1<<63 - 1: "2562047h47m16.854775807s", -1 << 63: "-9223372036.854775808",
		100 * 24 * time.Hour: "8640000",
	} {
		got := formatSeconds(d)
		if got != want {
			t.Errorf("formatSeconds(%d) = %q, want %q", d, got, want)
		}
		if back, err := ParseDuration(got); err != nil || back != d {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", got, back, err, d)
		}
	}
}

// The tags of a type are read once, and concurrent decodes share them.
func TestDecodeConcurrent(t *testing.T) {
	type fresh struct {
		A int `paste:"a"`
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var o fresh
			if ds := Decode(section("a = "+strconv.Itoa(i)), &o); len(ds) != 0 || o.A != i {
				t.Errorf("%d: %v %+v", i, ds, o)
			}
		}()
	}
	wg.Wait()
	if a, b := infoOf(reflect.TypeFor[fresh]()), infoOf(reflect.TypeFor[fresh]()); a != b {
		t.Error("the tags were parsed twice")
	}
}
