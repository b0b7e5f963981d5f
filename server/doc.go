// Package server serves a paste pipeline the way neutron-server's eventlet
// WSGI server did, with its pain points fixed: it reads the same options
// (from the paste file's [server:] section, oslo.config-style config files
// and flags), listens with the same socket options and bind retry, applies
// the same HTTP limits with clear errors, serves TLS 1.2+ with certificates
// that reload, drains gracefully on SIGTERM, swaps in a rebuilt pipeline
// on SIGHUP without dropping a request, talks to systemd, and can run
// several worker processes sharing one listening socket.
//
// Options documents every option; docs/server.md is the manual.
package server
