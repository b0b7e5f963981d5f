package deploycheck

import (
	"bytes"
	"debug/elf"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	_ "github.com/pasteserve/pasteserve/builtin"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/pasteserve/pasteserve/server"
)

const deploy = "../../deploy"

// ---- the container build ----

// containerBuild returns the environment and arguments of the go build
// in deploy/Containerfile (its RUN line with "go build").
func containerBuild(t *testing.T) (env, args []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(deploy, "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		cmd, ok := strings.CutPrefix(line, "RUN ")
		if !ok || !strings.Contains(cmd, "go build") {
			continue
		}
		words := shellWords(t, cmd)
		i := 0
		for i < len(words) && strings.Contains(words[i], "=") && !strings.HasPrefix(words[i], "-") {
			i++
		}
		if i == len(words) || words[i] != "go" {
			t.Fatalf("Containerfile: the build line does not run go: %s", line)
		}
		return words[:i], words[i+1:]
	}
	t.Fatal("Containerfile has no RUN ... go build line")
	return nil, nil
}

// shellWords splits a shell command line of plain words and
// double-quoted strings (all the Containerfile's build line uses).
func shellWords(t *testing.T, s string) []string {
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case (r == ' ' || r == '\t') && !quoted:
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case r == '\\' || r == '\'' || r == '$' || r == '`':
			t.Fatalf("Containerfile build line: %q is more shell than this test reads: %s", r, s)
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quoted {
		t.Fatalf("Containerfile build line: unclosed quote: %s", s)
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// built is the binary as the Containerfile builds it, once for the
// tests that need it (the build takes a while on a loaded machine).
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// containerBinary builds cmd/pasteserve as the Containerfile does, once,
// and returns the binary's path.
func containerBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "deploycheck-"); built.err == nil {
			built.path, built.err = buildAsContainer(t, built.dir)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// buildAsContainer builds cmd/pasteserve as the Containerfile does, into
// dir, and returns the binary's path.
func buildAsContainer(t *testing.T, dir string) (string, error) {
	t.Helper()
	env, args := containerBuild(t)
	out := filepath.Join(dir, "pasteserve")
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			args[i+1] = out
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return out, nil
}

// The Containerfile's build gives a static binary, which a scratch image
// can run: no program interpreter, no dynamic section, no shared
// library; and -trimpath leaves no path of the build machine in it.
func TestContainerfileBuildsAStaticBinary(t *testing.T) {
	env, args := containerBuild(t)
	joined := strings.Join(env, " ") + " " + strings.Join(args, " ")
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/pasteserve"} {
		if !strings.Contains(joined, want) {
			t.Errorf("Containerfile's build has no %s: %s", want, joined)
		}
	}
	bin := containerBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %v program header: it is not static", p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Errorf("the binary has a .dynamic section: it is not static")
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := filepath.Abs("../..")
	if bytes.Contains(b, []byte(wd)) {
		t.Errorf("the binary holds the build directory %s: -trimpath did not apply", wd)
	}
	// It runs: a scratch image has nothing else to run it with.
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Errorf("%s version: %v\n%s", bin, err, out)
	}
}

// The binary links none of the Kubernetes modules, which only these
// tests import; no gRPC, which OpenTelemetry's otlptracehttp would
// bring (internal/otlphttp posts the spans instead, docs/tracing.md);
// and no golang.org/x/net/http2: pasteserve's HTTP/2 is net/http's,
// configured with http.HTTP2Config (server/http2.go).
func TestBinaryLinksNoKubernetes(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../../cmd/pasteserve").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg, imports := f[0], f[1:]
		if strings.HasPrefix(pkg, "k8s.io/") || strings.HasPrefix(pkg, "sigs.k8s.io/") {
			t.Errorf("cmd/pasteserve links %s", pkg)
		}
		// gRPC is 3.3 MB of binary and 2.1 MiB of idle RSS that a
		// server exporting spans over OTLP/HTTP does not need
		// (internal/otlphttp says how it came in).
		if strings.HasPrefix(pkg, "google.golang.org/grpc") {
			t.Errorf("cmd/pasteserve links %s", pkg)
		}
		for _, imp := range imports {
			if strings.HasPrefix(imp, "golang.org/x/net/http2") {
				t.Errorf("%s imports %s: pasteserve's HTTP/2 is net/http's", pkg, imp)
			}
		}
	}
}

// ---- systemd ----

// unitFile reads a unit file's Key=value lines of one section, in order.
func unitFile(t *testing.T, path, section string) [][2]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			in = line == "["+section+"]"
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && in && !strings.HasPrefix(line, "#") {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

func unitValue(kv [][2]string, key string) (string, bool) {
	v, ok := "", false
	for _, e := range kv {
		if e[0] == key {
			v, ok = e[1], true // the last one wins
		}
	}
	return v, ok
}

// systemd's time span: "75s", "2min", "75".
func unitSeconds(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(strings.ReplaceAll(s, "min", "m"))
	if err != nil {
		n, err2 := strconv.Atoi(s)
		if err2 != nil {
			t.Fatalf("time span %q: %v", s, err)
		}
		d = time.Duration(n) * time.Second
	}
	return d
}

// The units say what pasteserve does: it notifies (Type=notify), pings
// the watchdog, reloads on SIGHUP, takes the one socket of its .socket
// unit, and systemd's stop deadline is later than the drain's default.
func TestSystemdUnitsMatchTheServer(t *testing.T) {
	svc := unitFile(t, filepath.Join(deploy, "systemd/pasteserve.service"), "Service")
	want := map[string]string{"Type": "notify", "NotifyAccess": "main", "ExecReload": "/bin/kill -HUP $MAINPID", "KillMode": "mixed",
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes"}
	for k, v := range want {
		if got, _ := unitValue(svc, k); got != v {
			t.Errorf("pasteserve.service: %s=%q, want %q", k, got, v)
		}
	}
	if v, ok := unitValue(svc, "WatchdogSec"); !ok || unitSeconds(t, v) <= 0 {
		t.Errorf("pasteserve.service: no WatchdogSec")
	}
	stop, _ := unitValue(svc, "TimeoutStopSec")
	if g := server.Defaults().GracefulShutdownTimeout; unitSeconds(t, stop) <= g {
		t.Errorf("pasteserve.service: TimeoutStopSec=%s is not above graceful_shutdown_timeout's default %s: systemd would cut the drain short", stop, g)
	}
	sock := unitFile(t, filepath.Join(deploy, "systemd/pasteserve.socket"), "Socket")
	n := 0
	for _, e := range sock {
		if strings.HasPrefix(e[0], "Listen") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("pasteserve.socket has %d Listen* lines; pasteserve serves the first socket and closes the rest", n)
	}
	if v, _ := unitValue(sock, "Accept"); v != "no" {
		t.Errorf("pasteserve.socket: Accept=%q, want no", v)
	}
}

// systemd-analyze verify accepts the units, alone and with the --python
// drop-in, with no warning about them; and their exposure score (systemd-
// analyze security) stays at most 2.0 ("OK").
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("needs systemd-analyze (Debian package systemd)")
	}
	dir := t.TempDir()
	bin := containerBinary(t)
	copyUnit := func(from, to string) {
		b, err := os.ReadFile(filepath.Join(deploy, "systemd", from))
		if err != nil {
			t.Fatal(err)
		}
		// verify checks that ExecStart's program is there.
		b = bytes.ReplaceAll(b, []byte("/usr/bin/pasteserve"), []byte(bin))
		os.MkdirAll(filepath.Dir(filepath.Join(dir, to)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	copyUnit("pasteserve.service", "units/pasteserve.service")
	copyUnit("pasteserve.socket", "units/pasteserve.socket")
	copyUnit("python/python.conf", "python/pasteserve.service.d/python.conf")
	copyUnit("pasteserve.service", "python/pasteserve.service")
	copyUnit("pasteserve.socket", "python/pasteserve.socket")
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("needs /usr/bin/python3 (Debian package python3) for the --python drop-in's ExecStart")
	}
	run := func(unitDir string, args ...string) (string, error) {
		cmd := exec.Command(analyze, args...)
		cmd.Dir = filepath.Join(dir, unitDir)
		// The units are found here, their drop-ins too.
		cmd.Env = append(os.Environ(), "SYSTEMD_UNIT_PATH="+cmd.Dir+":", "SYSTEMD_LOG_COLOR=0")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, unitDir := range []string{"units", "python"} {
		out, err := run(unitDir, "verify", "--man=no", "pasteserve.socket", "pasteserve.service")
		var ours []string
		for _, line := range strings.Split(out, "\n") {
			// Other units of the host (a broken keystone.service) may
			// warn too; what concerns ours names them or their files.
			if strings.Contains(line, "pasteserve") || strings.Contains(line, dir) {
				ours = append(ours, line)
			}
		}
		if err != nil || len(ours) > 0 {
			t.Errorf("%s: systemd-analyze verify: %v\n%s", unitDir, err, strings.Join(ours, "\n"))
		}
		out, err = run(unitDir, "security", "--offline=yes", "--threshold=20", "pasteserve.service")
		m := regexp.MustCompile(`Overall exposure level for pasteserve.service: ([0-9.]+)`).FindStringSubmatch(out)
		if err != nil || m == nil {
			t.Errorf("%s: systemd-analyze security: %v\n%s", unitDir, err, out)
		} else {
			t.Logf("%s: exposure %s", unitDir, m[1])
		}
	}
	// The check fails when it should: a misspelt key is reported.
	bad := filepath.Join(dir, "units/pasteserve.service")
	b, _ := os.ReadFile(bad)
	os.WriteFile(bad, bytes.Replace(b, []byte("Type=notify"), []byte("Type=notfy"), 1), 0o644)
	if out, _ := run("units", "verify", "--man=no", "pasteserve.service"); !strings.Contains(out, "notfy") {
		t.Errorf("systemd-analyze verify let Type=notfy pass; this test would not see a broken unit:\n%s", out)
	}
}

// ---- Kubernetes ----

type manifests struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	configMap  *corev1.ConfigMap
	pdb        *policyv1.PodDisruptionBudget
}

// decodeStrict decodes one YAML document into the API type of its kind;
// an unknown field, a duplicate one, or a value of the wrong type fails.
func decodeStrict(doc []byte) (any, error) {
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return nil, err
	}
	var obj any
	switch meta.APIVersion + " " + meta.Kind {
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	default:
		return nil, fmt.Errorf("%s %s: not a kind this test knows", meta.APIVersion, meta.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("%s: %w", meta.Kind, err)
	}
	return obj, nil
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	var m manifests
	files, _ := filepath.Glob(filepath.Join(deploy, "kubernetes/*.yaml"))
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue // kustomize's, not the API's
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			obj, err := decodeStrict([]byte(doc))
			if err != nil {
				t.Errorf("%s: %v", file, err)
				continue
			}
			switch o := obj.(type) {
			case *appsv1.Deployment:
				m.deployment = o
			case *corev1.Service:
				m.service = o
			case *corev1.ConfigMap:
				m.configMap = o
			case *policyv1.PodDisruptionBudget:
				m.pdb = o
			}
		}
	}
	if m.deployment == nil || m.service == nil || m.configMap == nil || m.pdb == nil {
		t.Fatalf("deploy/kubernetes: want a Deployment, a Service, a ConfigMap and a PodDisruptionBudget; have %+v", m)
	}
	return m
}

// The strict decoding is strict: a misspelt field fails.
func TestKubernetesDecodingIsStrict(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(deploy, "kubernetes/deployment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeStrict(b); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Replace(b, []byte("terminationGracePeriodSeconds:"), []byte("terminationGracePeriodSecond:"), 1)
	if _, err := decodeStrict(bad); err == nil || !strings.Contains(err.Error(), "terminationGracePeriodSecond") {
		t.Errorf("a misspelt field decoded: %v", err)
	}
}

// containerPort returns the number of the container's port p (a name or
// a number).
func containerPort(t *testing.T, c corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	t.Errorf("container %s has no port named %q", c.Name, p.StrVal)
	return -1
}

// The manifests, read with the API's types, fit the server as the
// ConfigMap configures it: the container's arguments load the
// ConfigMap's files (the paste file builds); the probes ask the admin
// listener (admin_bind) for /livez and /readyz; the Service sends to
// bind_port; the kubelet's grace outlasts the preStop sleep and
// graceful_shutdown_timeout together; the selectors of the Service and
// the PodDisruptionBudget pick the Deployment's pods.
func TestKubernetesManifestsMatchTheServer(t *testing.T) {
	m := loadManifests(t)
	pod := m.deployment.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]

	// The ConfigMap's files where the pod mounts them, under dir.
	dir := t.TempDir()
	mounted := map[string]string{} // path in the pod -> path here
	for _, vm := range c.VolumeMounts {
		for _, v := range pod.Spec.Volumes {
			if v.Name != vm.Name || v.ConfigMap == nil {
				continue
			}
			if v.ConfigMap.Name != m.configMap.Name {
				t.Errorf("volume %s mounts ConfigMap %q; the ConfigMap is %q", v.Name, v.ConfigMap.Name, m.configMap.Name)
			}
			for key, text := range m.configMap.Data {
				here := filepath.Join(dir, key)
				os.WriteFile(here, []byte(text), 0o644)
				mounted[filepath.Join(vm.MountPath, key)] = here
			}
		}
	}
	flags := server.Flags{Workers: -1}
	args := c.Args
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !hasValue && i+1 < len(args) {
			i++
			value = args[i]
		}
		here, ok := mounted[value]
		if !ok {
			t.Fatalf("argument --%s %s: not a file of the ConfigMap's volume", name, value)
		}
		switch name {
		case "config-file":
			flags.ConfigFiles = append(flags.ConfigFiles, here)
		case "paste":
			flags.Paste = here
		default:
			t.Fatalf("argument --%s: this test does not know it", name)
		}
	}
	cfg, err := server.LoadSettings(flags)
	if err != nil {
		t.Fatalf("the pod's settings do not load: %v", err)
	}
	for _, w := range cfg.Warnings {
		t.Errorf("the pod's settings warn: %s: %s", w.Pos, w.Msg)
	}
	if _, err := server.BuildApp(cfg, factory.Default); err != nil {
		t.Fatalf("the ConfigMap's paste file does not build: %v", err)
	}
	_, admin, err := net.SplitHostPort(cfg.AdminBind)
	if err != nil {
		t.Fatalf("admin_bind %q: %v (the probes need the admin listener)", cfg.AdminBind, err)
	}
	adminPort, _ := strconv.Atoi(admin)

	// Probes on the admin listener.
	probes := map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe}
	wantPath := map[string]string{"readiness": "/readyz", "liveness": "/livez"}
	for what, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("no %s probe over HTTP", what)
			continue
		}
		if p.HTTPGet.Path != wantPath[what] {
			t.Errorf("%s probe asks %s, want %s", what, p.HTTPGet.Path, wantPath[what])
		}
		if got := containerPort(t, c, p.HTTPGet.Port); int(got) != adminPort {
			t.Errorf("%s probe on port %d; admin_bind is on %d", what, got, adminPort)
		}
	}
	if p := c.ReadinessProbe; p != nil && p.FailureThreshold*p.PeriodSeconds > 5 {
		t.Errorf("readiness takes %d s to see a draining pod", p.FailureThreshold*p.PeriodSeconds)
	}

	// The drain fits in the kubelet's grace.
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatalf("no preStop sleep: the pod would get SIGTERM while the endpoints still send to it")
	}
	preStop := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	if pod.Spec.TerminationGracePeriodSeconds == nil {
		t.Fatal("no terminationGracePeriodSeconds (the default, 30 s, is shorter than the drain)")
	}
	grace := time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	drain := cfg.GracefulShutdownTimeout
	if drain == 0 {
		t.Fatal("graceful_shutdown_timeout = 0 (no limit) cannot fit in any grace")
	}
	if grace < preStop+drain+5*time.Second || grace > preStop+drain+30*time.Second {
		t.Errorf("terminationGracePeriodSeconds %s, want preStop %s + graceful_shutdown_timeout %s + 5 to 30 s", grace, preStop, drain)
	}

	// The Service's target is the API port.
	if len(m.service.Spec.Ports) != 1 {
		t.Fatalf("Service ports %v, want the API's alone", m.service.Spec.Ports)
	}
	if got := containerPort(t, c, m.service.Spec.Ports[0].TargetPort); int(got) != int(cfg.BindPort) {
		t.Errorf("the Service sends to port %d; bind_port is %d", got, cfg.BindPort)
	}

	// Selectors pick the Deployment's pods.
	labels := pod.Labels
	for k, v := range m.deployment.Spec.Selector.MatchLabels {
		if labels[k] != v {
			t.Errorf("the Deployment's selector %s=%s does not pick its own pods (%v)", k, v, labels)
		}
	}
	if len(m.service.Spec.Selector) == 0 {
		t.Error("the Service selects nothing")
	}
	for k, v := range m.service.Spec.Selector {
		if labels[k] != v {
			t.Errorf("the Service's selector %s=%s misses the pods (%v)", k, v, labels)
		}
	}
	if m.pdb.Spec.Selector == nil || len(m.pdb.Spec.Selector.MatchLabels) == 0 {
		t.Fatal("the PodDisruptionBudget selects nothing")
	}
	for k, v := range m.pdb.Spec.Selector.MatchLabels {
		if labels[k] != v {
			t.Errorf("the PodDisruptionBudget's selector %s=%s misses the pods (%v)", k, v, labels)
		}
	}
	if r := m.deployment.Spec.Replicas; r == nil || m.pdb.Spec.MaxUnavailable == nil || int32(m.pdb.Spec.MaxUnavailable.IntValue()) >= *r {
		t.Errorf("the PodDisruptionBudget lets every replica go")
	}
	if ru := m.deployment.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("the rolling update may stop a pod before its successor is ready (maxUnavailable %v)", ru)
	}

	// The pod runs as the image's unprivileged user, read-only.
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Errorf("container securityContext %+v: want a read-only root and no privilege escalation", sc)
	}
	if psc := pod.Spec.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("the pod may run as root")
	}
}
