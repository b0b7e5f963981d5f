package bridge_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/bridge"
	"github.com/pasteserve/pasteserve/dsl"
	"github.com/pasteserve/pasteserve/plan"
)

// A pool that serves the pipeline "pipeline = request_id context api"
// of a paste file from its second item on, Go running request_id: the
// Python side loads the filter context and the app api by their names,
// as PasteDeploy's pipeline does, and the handler is what the Go chain
// ends in.
func Example() {
	o := bridge.DefaultOptions()
	o.Executable = "/usr/bin/python3"
	tail := bridge.Tail{
		File: "/etc/myservice/api-paste.ini",
		// The pipeline's global_conf, as PasteDeploy gives its items.
		Global: map[string]string{"here": "/etc/myservice", "__file__": "/etc/myservice/api-paste.ini"},
		Elements: []bridge.Element{
			{Type: plan.TypeFilter, Name: "context"},
			{Type: plan.TypeApp, Name: "api"},
		},
		Section: "pipeline:main",
	}
	tail.Key = bridge.TailKey(tail)

	c, err := bridge.NewClient("")
	if err != nil {
		fmt.Println(err)
		return
	}
	pool, err := bridge.Start(context.Background(), c, bridge.Spec{
		Options: o, PasteFile: tail.File, Tails: []bridge.Tail{tail},
	}, zerolog.Nop())
	if err != nil {
		fmt.Println(err) // a *bridge.LoadError: file:line:col: [section]: the exception
		return
	}
	defer pool.Stop(30 * time.Second)
	var h http.Handler = c.Handler(tail)
	_ = h
}

// A tail that fails to load: Start's error says where, in one line;
// the traceback is in the error (and was logged once).
func ExampleLoadError() {
	err := &bridge.LoadError{
		Pos:     dsl.Pos{Filename: "/etc/barbican/barbican-api-paste.ini", Line: 38, Column: 1},
		Section: "filter:context",
		Message: "ModuleNotFoundError: No module named 'barbican'",
	}
	fmt.Println(err)
	// Output: /etc/barbican/barbican-api-paste.ini:38:1: [filter:context]: ModuleNotFoundError: No module named 'barbican'
}
