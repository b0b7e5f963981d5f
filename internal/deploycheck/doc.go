// Package deploycheck checks the deployment files under deploy/ against
// the tools and types that read them, and against the server they run:
//
//   - the systemd units, with systemd-analyze verify (and its security
//     score), and their timeouts against the server's defaults;
//   - the Kubernetes manifests, decoded strictly (an unknown or
//     misspelt field fails) into the API's own types (k8s.io/api), and
//     checked for what makes a rollout lose no request: probes on the
//     admin port, a termination grace longer than the preStop sleep
//     and graceful_shutdown_timeout together, the paste file from the
//     ConfigMap loading and building;
//   - the Containerfile's build command, which must give a static
//     binary.
//
// It has no code of its own; the tests are deploycheck_test.go. Its
// Kubernetes modules are imported by the tests alone, so that the
// pasteserve binary links none of them (TestBinaryLinksNoKubernetes).
package deploycheck
