// Package parity holds the differential test that keeps pasteserve's
// filters and apps true to the Python stack they replace: the same
// paste files (testdata/paste) are served by Debian's PasteDeploy, Paste
// and oslo.middleware under eventlet.wsgi, as neutron serves them, and
// by the pasteserve binary; the same requests go to both, and status,
// headers and bodies are compared. Every difference that remains is
// listed, by name, in the test and in docs/compat.md, with the reason;
// a new one fails the test, and so does a listed one that has gone.
//
// The Python side needs a terminal app: testdata/python/parityapp (with
// a dist-info carrying its entry points, put on PYTHONPATH), whose Go
// twin is compiled into internal/testbin/parity under the same
// references.
//
// The package has no code of its own; the test is parity_test.go.
package parity
