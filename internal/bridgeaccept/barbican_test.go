package bridgeaccept

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pasteserve/pasteserve/internal/keystonetest"
)

// barbicanPaste is the paste file Debian's barbican-api installs, served
// unchanged by every test here.
const barbicanPaste = "/etc/barbican/barbican-api-paste.ini"

// skipUnlessBarbican skips t, naming the package to install, unless
// Keystone, barbican-api, python3-barbicanclient (with the openstack
// CLI) and gunicorn are there.
func skipUnlessBarbican(t testing.TB) {
	t.Helper()
	keystonetest.SkipUnlessInstalled(t, "Barbican behind pasteserve")
	if _, err := os.Stat(barbicanPaste); err != nil {
		t.Skipf("%s is missing, so Barbican behind pasteserve is not tested; "+
			"apt-get install -y --no-install-recommends barbican-api to run this test", barbicanPaste)
	}
	if _, err := exec.LookPath("barbican-manage"); err != nil {
		t.Skip("barbican-manage is not on PATH, so Barbican behind pasteserve is not tested; " +
			"apt-get install -y --no-install-recommends barbican-api to run this test")
	}
	skipUnlessPython(t, "Barbican behind pasteserve", "barbican-api", "barbican.api.app")
	skipUnlessPython(t, "Barbican's real client through pasteserve", "python3-barbicanclient", "barbicanclient.client", "keystoneauth1.session")
	if _, err := exec.LookPath("openstack"); err != nil {
		t.Skip("openstack is not on PATH, so Barbican's real client is not tested; " +
			"apt-get install -y --no-install-recommends python3-openstackclient python3-barbicanclient to run this test")
	}
	skipUnlessPython(t, "Barbican behind pasteserve", "python3-gunicorn", "gunicorn.app.base")
}

// barbicanKeystone is the Keystone of real-barbican.md §4: projects
// service and demo; users barbican (auth_token's service user: admin
// in service), demo (creator in demo: may store and read secrets) and
// demomember (member in demo: Zed's default policy refuses it).
type barbicanKeystone struct {
	*keystonetest.Keystone
	admin       string // an admin token
	demoProject string
	demoUser    string
}

func startBarbicanKeystone(t *testing.T) *barbicanKeystone {
	t.Helper()
	start := time.Now()
	ks := keystonetest.Start(t)
	t.Logf("Keystone started in %s", time.Since(start).Round(100*time.Millisecond))
	start = time.Now()
	b := &barbicanKeystone{Keystone: ks}
	b.admin = ks.Password(t, "admin", keystonetest.AdminPassword, "admin")
	creator := ks.EnsureRole(t, b.admin, "creator") // bootstrap makes only admin, member, reader
	adminRole := ks.EnsureRole(t, b.admin, "admin")
	member := ks.EnsureRole(t, b.admin, "member")
	service := ks.Create(t, b.admin, "projects", map[string]any{"name": "service", "domain_id": "default"})
	b.demoProject = ks.Create(t, b.admin, "projects", map[string]any{"name": "demo", "domain_id": "default"})
	barbican := ks.Create(t, b.admin, "users", map[string]any{"name": "barbican", "password": "barbpass", "domain_id": "default"})
	b.demoUser = ks.Create(t, b.admin, "users", map[string]any{"name": "demo", "password": "demopass", "domain_id": "default"})
	demomember := ks.Create(t, b.admin, "users", map[string]any{"name": "demomember", "password": "memberpass", "domain_id": "default"})
	ks.Assign(t, b.admin, service, barbican, adminRole)
	ks.Assign(t, b.admin, b.demoProject, b.demoUser, creator)
	ks.Assign(t, b.admin, b.demoProject, demomember, member)
	t.Logf("Keystone projects, users and roles made in %s", time.Since(start).Round(100*time.Millisecond))
	return b
}

// catalog registers the key-manager service with its public, internal
// and admin endpoints at url: the openstack CLI's barbican plugin has no
// endpoint option and finds Barbican only there.
func (b *barbicanKeystone) catalog(t *testing.T, url string) {
	t.Helper()
	svc := b.Create(t, b.admin, "services", map[string]any{"type": "key-manager", "name": "barbican", "description": "Key Manager"})
	for _, iface := range []string{"public", "internal", "admin"} {
		b.Create(t, b.admin, "endpoints", map[string]any{"service_id": svc, "interface": iface, "url": url, "region_id": "RegionOne"})
	}
}

// barbicanConf is real-barbican.md §5's barbican.conf for a Barbican
// whose files are in dir, reached at hostHref, with its KEK, checking
// tokens at keystoneURL.
func barbicanConf(dir, hostHref, kek, keystoneURL string) string {
	return `[DEFAULT]
host_href = ` + hostHref + `
sql_connection = sqlite:///` + dir + `/barbican.sqlite
log_file = ` + dir + `/barbican-api.log
debug = false

[secretstore]
namespace = barbican.secretstore.plugin
enabled_secretstore_plugins = store_crypto

[crypto]
namespace = barbican.crypto.plugin
enabled_crypto_plugins = simple_crypto

[simple_crypto_plugin]
kek = ` + kek + `

[keystone_authtoken]
www_authenticate_uri = ` + keystoneURL + `
auth_url = ` + keystoneURL + `
auth_type = password
username = barbican
password = barbpass
project_name = service
user_domain_id = default
project_domain_id = default
`
}

// barbicanHome makes a directory holding barbican.conf for a Barbican
// at hostHref and its sqlite database at the schema's head. Barbican
// reads its configuration only where oslo.config's default search
// looks (it parses CONF at import, with no command line), so every
// Barbican process runs with HOME set to this directory
// (real-barbican.md §3, pitfalls 4 to 6).
func barbicanHome(t *testing.T, hostHref, keystoneURL string) string {
	t.Helper()
	dir := t.TempDir()
	key := make([]byte, 32)
	rand.Read(key)
	kek := base64.URLEncoding.EncodeToString(key) // what Fernet.generate_key() gives
	if err := os.WriteFile(filepath.Join(dir, "barbican.conf"), []byte(barbicanConf(dir, hostHref, kek, keystoneURL)), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// barbican-manage reads sql_connection from the import-time CONF,
	// not from a --config-file it is given: HOME it is.
	command(t, 2*time.Minute, dir, []string{"HOME=" + dir}, "barbican-manage", "db", "upgrade")
	tables := command(t, time.Minute, dir, nil, python, "-c",
		"import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"select count(*) from sqlite_master where type='table' and name='secrets'\").fetchone()[0])",
		filepath.Join(dir, "barbican.sqlite"))
	if strings.TrimSpace(tables) != "1" {
		t.Fatalf("barbican-manage db upgrade made no secrets table in %s/barbican.sqlite", dir)
	}
	t.Logf("barbican-manage db upgrade in %s", time.Since(start).Round(100*time.Millisecond))
	return dir
}

// clientResult is what testdata/barbican_client.py prints.
type clientResult struct {
	Ref     string
	Payload string
	Listed  int
}

// barbicanClient stores payload through python3-barbicanclient at
// endpoint as user demo, and reads it back.
func barbicanClient(t *testing.T, ks *barbicanKeystone, endpoint, payload string) clientResult {
	t.Helper()
	script, _ := filepath.Abs("testdata/barbican_client.py")
	start := time.Now()
	out := command(t, 2*time.Minute, t.TempDir(), nil, python, "-W", "ignore", script,
		ks.URL, endpoint, "demo", "demopass", "demo", payload)
	var r clientResult
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("barbican_client.py: %v\n%s", err, out)
	}
	t.Logf("python3-barbicanclient stored %s and read it back in %s", r.Ref, time.Since(start).Round(100*time.Millisecond))
	return r
}

// openstackCLI runs the openstack command as user (project demo) and
// returns its output and whether it succeeded.
func openstackCLI(t *testing.T, ks *barbicanKeystone, user, password string, args ...string) (string, bool) {
	t.Helper()
	env := []string{
		"HOME=" + t.TempDir(), // the CLI's cache, not the machine's
		"OS_AUTH_URL=" + ks.URL, "OS_IDENTITY_API_VERSION=3",
		"OS_USERNAME=" + user, "OS_PASSWORD=" + password, "OS_PROJECT_NAME=demo",
		"OS_USER_DOMAIN_ID=default", "OS_PROJECT_DOMAIN_ID=default", "OS_REGION_NAME=RegionOne",
		"PYTHONWARNINGS=ignore",
	}
	start := time.Now()
	cmd := exec.Command("openstack", args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	out, err := cmd.CombinedOutput()
	timer.Stop()
	t.Logf("openstack %s: %s (%s)", strings.Join(args, " "), strings.TrimSpace(tail(string(out), 3)), time.Since(start).Round(100*time.Millisecond))
	return strings.TrimSpace(string(out)), err == nil
}

// versionsDoc checks that body is Barbican's own versions document (its
// v1 linked at base/v1/) and says what is wrong when it is not.
func versionsDoc(body, base string) error {
	var doc struct {
		Versions struct {
			Values []struct {
				ID, Status string
				Links      []struct{ Rel, Href string }
				MediaTypes []struct{ Base, Type string } `json:"media-types"`
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		return fmt.Errorf("not JSON: %v: %s", err, body)
	}
	v := doc.Versions.Values
	if len(v) != 1 || v[0].ID != "v1" || v[0].Status != "stable" || len(v[0].MediaTypes) == 0 ||
		v[0].MediaTypes[0].Type != "application/vnd.openstack.key-manager-v1+json" {
		return fmt.Errorf("not Barbican's versions document: %s", body)
	}
	for _, l := range v[0].Links {
		if l.Rel == "self" && l.Href == base+"/v1/" {
			return nil
		}
	}
	return fmt.Errorf("v1's self link is not %s/v1/: %s", base, body)
}

// TestBarbican serves Debian's Barbican (Zed, sqlite, simple_crypto)
// from its unchanged barbican-api-paste.ini against one real Keystone:
// first under plain gunicorn --paste, everything in Python, which
// proves the harness (Keystone, barbican.conf, the schema, the client)
// and is what pasteserve's answers are compared with; then under
// pasteserve --python.
func TestBarbican(t *testing.T) {
	skipUnlessBarbican(t)
	ks := startBarbicanKeystone(t)
	var ref barbicanRun
	t.Run("gunicorn", func(t *testing.T) { ref = barbicanUnderGunicorn(t, ks) })
	t.Run("pasteserve", func(t *testing.T) { barbicanUnderPasteserve(t, ks, ref) })
}

// barbicanRun is what the reference run saw, for comparison.
type barbicanRun struct {
	root     response // GET /
	noToken  response // GET /v1/secrets without a token
	ok       bool
	loadTime time.Duration
}

func barbicanUnderGunicorn(t *testing.T, ks *barbicanKeystone) barbicanRun {
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	home := barbicanHome(t, base, ks.URL)
	start := time.Now()
	g := run(t, "gunicorn", home, []string{"HOME=" + home, "PYTHONWARNINGS=ignore"},
		python, "-m", "gunicorn", "--bind", fmt.Sprintf("127.0.0.1:%d", port),
		"--workers", "1", "--threads", "1", "--paste", barbicanPaste)
	waitHTTP(t, g, base+"/healthcheck", 200, 90*time.Second)
	r := barbicanRun{loadTime: time.Since(start)}
	t.Logf("gunicorn --paste %s answered /healthcheck after %s", barbicanPaste, r.loadTime.Round(100*time.Millisecond))

	r.root = do(t, "GET", base+"/", nil)
	if r.root.status != 300 {
		t.Errorf("GET / = %d %s, want 300", r.root.status, r.root.body)
	} else if err := versionsDoc(r.root.body, base); err != nil {
		t.Errorf("GET /: %v", err)
	}
	if h := do(t, "GET", base+"/healthcheck", nil); h.status != 200 || h.body != "OK" {
		t.Errorf("GET /healthcheck = %d %q", h.status, h.body)
	}
	r.noToken = do(t, "GET", base+"/v1/secrets", nil)
	if r.noToken.status != 401 || r.noToken.header.Get("WWW-Authenticate") != `Keystone uri="`+ks.URL+`"` {
		t.Errorf("GET /v1/secrets without a token = %d %v %s", r.noToken.status, r.noToken.header, r.noToken.body)
	}
	c := barbicanClient(t, ks, base, "gunicorn-secret")
	if c.Payload != "gunicorn-secret" || !strings.HasPrefix(c.Ref, base+"/v1/secrets/") || c.Listed != 1 {
		t.Errorf("python3-barbicanclient through gunicorn: %+v", c)
	}
	// Barbican logs each request its context filter handled; the
	// pasteserve run counts on that to tell what reached Python.
	log, _ := os.ReadFile(filepath.Join(home, "barbican-api.log"))
	if !strings.Contains(string(log), "Processed request: 201 Created - POST "+base+"/v1/secrets") {
		t.Errorf("barbican-api.log has no line for the store:\n%s", tail(string(log), 20))
	}
	r.ok = !t.Failed()
	return r
}

// Every Barbican of these tests reads this barbican.conf, found through
// HOME: its database and log in its own directory, the simple_crypto
// plugin with a fresh KEK, and [keystone_authtoken] for the auth_token
// in front of it (Python's under gunicorn, Go's under pasteserve).
func Example_barbicanConf() {
	fmt.Print(barbicanConf("/tmp/b", "http://127.0.0.1:9311", "<kek>", "http://127.0.0.1:5000/v3"))
	// Output:
	// [DEFAULT]
	// host_href = http://127.0.0.1:9311
	// sql_connection = sqlite:////tmp/b/barbican.sqlite
	// log_file = /tmp/b/barbican-api.log
	// debug = false
	//
	// [secretstore]
	// namespace = barbican.secretstore.plugin
	// enabled_secretstore_plugins = store_crypto
	//
	// [crypto]
	// namespace = barbican.crypto.plugin
	// enabled_crypto_plugins = simple_crypto
	//
	// [simple_crypto_plugin]
	// kek = <kek>
	//
	// [keystone_authtoken]
	// www_authenticate_uri = http://127.0.0.1:5000/v3
	// auth_url = http://127.0.0.1:5000/v3
	// auth_type = password
	// username = barbican
	// password = barbpass
	// project_name = service
	// user_domain_id = default
	// project_domain_id = default
}
