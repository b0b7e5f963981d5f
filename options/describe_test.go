package options

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type described struct {
	AllowedOrigin []string      `paste:"allowed_origin,group=cors,doc=origins scheme://host[:port], or *"`
	MaxAge        int           `paste:"max_age,group=cors,min=0,doc=seconds a preflight answer may be cached, by the browser"`
	Credentials   bool          `paste:"allow_credentials,alias=credentials,group=cors"`
	Interface     string        `paste:"interface,enum=public|internal|admin"`
	Methods       []string      `paste:"allow_methods,enum=GET|PUT"`
	Timeout       time.Duration `paste:"http_connect_timeout,deprecated=conn_timeout|timeout,min=0.5,max=1h"`
	Fraction      float64       `paste:"fraction"`
	Size          uint32        `paste:"size"`
	File          string        `paste:"htpasswd,path,required,doc=the htpasswd file"`
	Files         []string      `paste:"files,path"`
	Ranges        []netip.Prefix
	Trusted       []netip.Prefix `paste:"trusted"`
	Addr          netip.Addr     `paste:"addr"`
	Port          port           `paste:"port"`
	Limit         *int           `paste:"limit"`
	Retry         *time.Duration `paste:"retry"`
	Ports         []int          `paste:"ports"`
}

func TestDescribe(t *testing.T) {
	retry := 1500 * time.Millisecond
	defaults := described{
		AllowedOrigin: []string{"https://a", "https://b"},
		MaxAge:        3600,
		Credentials:   true,
		Interface:     "internal",
		Timeout:       10 * time.Second,
		Fraction:      0.25,
		Size:          7,
		Trusted:       []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Addr:          netip.MustParseAddr("::1"),
		Port:          9696,
		Retry:         &retry,
		Ports:         []int{80, 443},
	}
	want := []Option{
		{Name: "allowed_origin", Group: "cors", Type: "list", Default: "https://a https://b", Doc: "origins scheme://host[:port], or *", Field: "AllowedOrigin"},
		{Name: "max_age", Group: "cors", Type: "int", Min: "0", Default: "3600", Doc: "seconds a preflight answer may be cached, by the browser", Field: "MaxAge"},
		{Name: "allow_credentials", Aliases: []string{"credentials"}, Group: "cors", Type: "bool", Default: "true", Field: "Credentials"},
		{Name: "interface", Type: "one of public|internal|admin", Enum: []string{"public", "internal", "admin"}, Default: "internal", Field: "Interface"},
		{Name: "allow_methods", Type: "list of GET|PUT", Enum: []string{"GET", "PUT"}, Default: "", Field: "Methods"},
		{Name: "http_connect_timeout", Deprecated: []string{"conn_timeout", "timeout"}, Type: "seconds", Min: "0.5", Max: "1h", Default: "10", Field: "Timeout"},
		{Name: "fraction", Type: "number", Default: "0.25", Field: "Fraction"},
		{Name: "size", Type: "int", Min: "0", Default: "7", Field: "Size"},
		{Name: "htpasswd", Type: "path", Required: true, Doc: "the htpasswd file", Field: "File"},
		{Name: "files", Type: "list of paths", Field: "Files"},
		{Name: "trusted", Type: "list of netip.Prefix", Default: "10.0.0.0/8", Field: "Trusted"},
		{Name: "addr", Type: "netip.Addr", Default: "::1", Field: "Addr"},
		{Name: "port", Type: "options.port", Default: "9696", Field: "Port"},
		{Name: "limit", Type: "int", Default: "", Field: "Limit"},
		{Name: "retry", Type: "seconds", Default: "1.5", Field: "Retry"},
		{Name: "ports", Type: "list of int", Default: "80 443", Field: "Ports"},
	}
	for _, v := range []any{defaults, &defaults} {
		got, err := Describe(v)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Describe(%T): -want +got:\n%s", v, diff)
		}
	}
	// A nil pointer describes the zero value.
	got, err := Describe((*described)(nil))
	if err != nil || got[1].Default != "0" || got[2].Default != "false" || got[11].Default != "" {
		t.Errorf("Describe(nil): %v %+v", err, got)
	}
	// A secret's default is masked: option tables are printed.
	type secret struct {
		Password string `paste:"admin_password"`
		URL      string `paste:"connection"`
	}
	got, err = Describe(secret{Password: "hunter2", URL: "mysql://nova:pw@db/nova"})
	if err != nil || got[0].Default != "****" || got[1].Default != "mysql://nova:****@db/nova" {
		t.Errorf("secret defaults: %v %+v", err, got)
	}
	groups, err := Groups(&defaults)
	if err != nil || !cmp.Equal(groups, []string{"cors"}) {
		t.Errorf("Groups: %q, %v", groups, err)
	}
}

// What Describe writes as a default, Decode reads back as that value:
// the table's defaults are what a paste file would write.
func TestDescribeDefaultsDecodeBack(t *testing.T) {
	retry := 2*time.Minute + 3*time.Nanosecond
	limit := -4
	defaults := described{
		AllowedOrigin: []string{"https://a"}, MaxAge: 1, Credentials: true, Interface: "admin",
		Methods: []string{"PUT"}, Timeout: time.Hour, Fraction: 1e-7, Size: 1 << 31,
		File: "/abs/file", Files: []string{"/x", "/y"},
		Trusted: []netip.Prefix{netip.MustParsePrefix("::/0")}, Addr: netip.MustParseAddr("192.0.2.1"),
		Port: 1, Limit: &limit, Retry: &retry, Ports: []int{-1},
	}
	opts, err := describe(defaults, false) // htpasswd names a secret: Describe masks it
	if err != nil {
		t.Fatal(err)
	}
	sec := section()
	for _, o := range opts {
		sec.Local[o.Name] = o.Default
	}
	var got described
	if ds := Decode(sec, &got); len(ds) != 0 {
		t.Fatal(ds)
	}
	if diff := cmp.Diff(defaults, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
}

// Every malformed tag of a type is reported, not only the first.
func TestTagErrorsAllAtOnce(t *testing.T) {
	type bad struct {
		A int    `paste:"a"`
		B int    `paste:"b,flag"`
		C string `paste:"c,min=1"`
		D int    `paste:"a"`
	}
	_, err := Describe(bad{})
	var te *TagError
	if !errors.As(err, &te) || te.Field != "B" {
		t.Fatalf("got %v", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "bad.C:") || !strings.Contains(lines[2], `bad.D: tag `+"`"+`paste:"a"`+"`"+`: the name "a" is also A's`) {
		t.Errorf("got\n%v", err)
	}
	if ds := Decode(section(), &bad{}); len(ds) != 3 {
		t.Errorf("Decode: %v", ds)
	}
}
