//go:build ignore

// Command firstok prints how long a server took from its start to its
// first 200, for bench/serve.sh:
//
//	go build -o firstok bench/firstok.go
//	t0=$EPOCHREALTIME; server & firstok -since "$t0" -timeout 10s URL
//
// -since is when the server was started, in seconds since the epoch
// with a fraction (bash's EPOCHREALTIME). firstok asks for URL every
// millisecond, on a new connection each time, until one answers 200,
// and prints the milliseconds from -since, to 0.1 ms; polling a shell
// loop of curl would add several milliseconds a try, as much as the
// start it measures. It exits 1 after -timeout without a 200.
//
// It sits outside the module's packages (the build tag) because it is a
// tool of the script, not part of pasteserve.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	since := flag.String("since", "", "when the server was started: seconds since the epoch, with a fraction")
	timeout := flag.Duration("timeout", 10*time.Second, "give up after this long")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: firstok -since EPOCHREALTIME [-timeout D] URL")
		os.Exit(2)
	}
	t0 := time.Now()
	if *since != "" {
		s, err := strconv.ParseFloat(*since, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "firstok: -since %q: %v\n", *since, err)
			os.Exit(2)
		}
		t0 = time.Unix(0, int64(s*1e9))
	}
	client := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	deadline := time.Now().Add(*timeout)
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(flag.Arg(0))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Printf("%.1f\n", float64(time.Since(t0).Microseconds())/1000)
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "firstok: no 200 from %s in %v (last: %s)\n", flag.Arg(0), *timeout, last)
	os.Exit(1)
}
