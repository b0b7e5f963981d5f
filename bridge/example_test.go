package bridge_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/pasteserve/pasteserve/bridge"
)

// A pool that serves the pipeline [pipeline:main] of a paste file in
// Python, Go running its first filter: the handler is what a Go chain
// ends in.
func Example() {
	o := bridge.DefaultOptions()
	o.Executable = "/usr/bin/python3"
	tail := bridge.Tail{File: "/etc/myservice/api-paste.ini", Name: "main", Skip: 1, Section: "pipeline:main"}
	tail.Key = bridge.TailKey(tail.File, tail.Name, tail.Skip)

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
