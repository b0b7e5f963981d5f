package server_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pasteserve/pasteserve/server"
)

// The server's settings come in layers, lowest first: the defaults,
// the paste file's [server:main] section, oslo.config-style config
// files, the flags. Source says which layer gave each option; an error
// in any of them is at its file:line:col.
func ExampleLoadSettings() {
	dir, err := os.MkdirTemp("", "server-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	conf := filepath.Join(dir, "neutron.conf")
	os.WriteFile(conf, []byte("[DEFAULT]\nbind_port = 9797\n"), 0o644)

	s, err := server.LoadSettings(server.Flags{
		Paste:       "../testdata/paste/example.ini",
		ConfigFiles: []string{conf},
		Workers:     -1, // not given
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("listen on", s.BindHost, s.BindPort)
	// Sources are file:line:col with the file as found; Base keeps the
	// output portable.
	fmt.Println("bind_host from", filepath.Base(s.Source("DEFAULT", "bind_host")))
	fmt.Println("bind_port from", filepath.Base(s.Source("DEFAULT", "bind_port")))
	fmt.Println("backlog from", s.Source("DEFAULT", "backlog"), s.Backlog)
	// Output:
	// listen on 127.0.0.1 9797
	// bind_host from example.ini:44:1
	// bind_port from neutron.conf:2:1
	// backlog from default 4096
}

// Defaults are neutron-server's own defaults (eventlet's, where it has
// none), so that an unchanged deployment behaves as it did.
func ExampleDefaults() {
	d := server.Defaults()
	fmt.Println(d.BindHost, d.BindPort, d.Backlog, d.MaxHeaderLine, d.PoolSize, d.ClientSocketTimeout)
	// Output:
	// 0.0.0.0 9696 4096 16384 100 15m0s
}
