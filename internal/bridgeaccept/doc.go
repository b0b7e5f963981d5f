// Package bridgeaccept holds the acceptance tests of pasteserve's Python
// bridge (issue 13) on real software from Debian's packages, all on
// 127.0.0.1:
//
//   - Barbican (barbican-api, Zed): the package's unchanged
//     /etc/barbican/barbican-api-paste.ini served by pasteserve --python,
//     Go's auth_token in front against the real Keystone of
//     internal/keystonetest, and the real client (openstack secret store
//     and secret get, python3-barbicanclient) storing a secret and
//     reading it back; the same file under plain gunicorn --paste proves
//     the harness and is the reference;
//   - Pyramid: a small Pyramid app of the tests' own (testdata/pyramid,
//     found through its dist-info's entry points on PYTHONPATH) with a
//     development.ini that uses egg: references, a Python filter after Go
//     filters and [loggers]/[handlers]/[formatters], served unchanged.
//
// The package has no API: everything is in its tests, which build
// cmd/pasteserve and run it, gunicorn and Keystone as processes, and
// stop each one (and its process group) when the test ends, also on
// failure. A test whose Debian package is missing skips and names what
// to apt-get install; .ci/run installs them all.
//
// The speed run of docs/benchmarks.md (bench/bridge.sh) is here too, as
// TestBridgeSpeed, which runs only when PASTESERVE_BRIDGE_BENCH is set.
package bridgeaccept
