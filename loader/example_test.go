package loader_test

import (
	"fmt"
	"net/http/httptest"

	_ "github.com/pasteserve/pasteserve/builtin" // the built-ins, in factory.Default
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/loader"
)

// One load of a paste file: Open parses it (and the files it includes)
// once, and everything a program asks of it comes from that Set: the
// [server:main] section, a check of the app, the app built with the
// registry's factories.
func ExampleOpen() {
	s, err := loader.Open("../testdata/paste/example.ini")
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, _, err := s.Server("main")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("[server:main]", srv.Ref.Text, srv.Local["bind_host"]+":"+srv.Local["bind_port"])

	if err := s.Check("main", nil, factory.Default); err != nil {
		fmt.Println(err)
		return
	}
	h, err := s.Build("main", nil, factory.Default)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://api.example.com/", nil))
	fmt.Println(rec.Code, rec.Body)

	// An app the file does not have: an error naming what it has.
	fmt.Println(s.Check("v3", nil, factory.Default))
	// Output:
	// [server:main] egg:pasteserve#http 127.0.0.1:9696
	// 200 {"versions":[{"id":"v2.0","status":"CURRENT","links":[{"rel":"self","href":"http://api.example.com/v2.0/"}]}]}
	// ../testdata/paste/example.ini: no app named "v3" in example.ini (looked for [app:NAME], [application:NAME], [composite:NAME], [composit:NAME], [pipeline:NAME], [filter-app:NAME]); it has [composite:main], [pipeline:api_v1], [app:versions], [app:echo], [app:healthcheck]
}
