// Package fleet holds the test of many pasteserve instances behind a load
// balancer (issue 14, part 5), on real software from Debian's packages,
// all on 127.0.0.1: three instances of the real binary (cmd/pasteserve,
// built by the test), HAProxy in front of them checking each one's
// health, one memcached that their auth_token filters share as the token
// cache, and the real Keystone of internal/keystonetest behind a
// counting reverse proxy.
//
// TestRollingRestartBehindHAProxy sends a bounded keep-alive load through
// HAProxy with clients that never retry, restarts the instances one by
// one (SIGTERM, wait for the exit, start again, wait until HAProxy has it
// up) and reloads each with SIGHUP, and asserts that no request failed
// and that Keystone validated each distinct token once for the whole
// fleet. docs/fleet.md explains the HAProxy settings it uses and why the
// count of failures is honest with them.
//
// The package has no API: everything is in its tests. They skip with
// -short, and, naming the package to install, when haproxy, memcached or
// keystone is missing; .ci/run installs them all.
package fleet
