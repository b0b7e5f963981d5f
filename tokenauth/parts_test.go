package tokenauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingVerifier knows the tokens in valid and counts its calls; down
// makes it fail as an unreachable Keystone would.
type countingVerifier struct {
	mu    sync.Mutex
	valid map[string]*tokenIdentity
	calls int
	down  bool
	gate  chan struct{} // when set, verify waits for it
	begun chan struct{} // when set, verify reports that it began
}

func (v *countingVerifier) verify(_ context.Context, token string, _ bool, _ time.Time) (*tokenIdentity, error) {
	if v.begun != nil {
		v.begun <- struct{}{}
	}
	if v.gate != nil {
		<-v.gate
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.calls++
	if v.down {
		return nil, errors.New("connection refused")
	}
	if ti := v.valid[token]; ti != nil {
		return ti, nil
	}
	return nil, errInvalidToken
}

func (v *countingVerifier) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.calls
}

func TestCachingVerifier(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	good := newTokenIdentity(&tokenFacts{UserID: "u"})
	next := &countingVerifier{valid: map[string]*tokenIdentity{"good": good}}
	c := newCachingVerifier(next, newMemoryStore(time.Minute, 100))
	ctx := context.Background()

	for range 3 {
		if ti, err := c.verify(ctx, "good", false, clock.now()); err != nil || ti != good {
			t.Fatal(ti, err)
		}
		if _, err := c.verify(ctx, "bad", false, clock.now()); !errors.Is(err, errInvalidToken) {
			t.Fatal(err)
		}
	}
	if n := next.count(); n != 2 {
		t.Errorf("%d calls, want 2", n)
	}
	// A negative answer does not answer a question that allows expiry.
	c.verify(ctx, "bad", true, clock.now())
	if n := next.count(); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	// Entries expire.
	clock.add(time.Minute)
	c.verify(ctx, "good", false, clock.now())
	if n := next.count(); n != 4 {
		t.Errorf("after the ttl: %d calls, want 4", n)
	}
	// Failures are not cached.
	next.down = true
	for range 2 {
		if _, err := c.verify(ctx, "other", false, clock.now()); err == nil || errors.Is(err, errInvalidToken) {
			t.Fatal(err)
		}
	}
	if n := next.count(); n != 6 {
		t.Errorf("failures: %d calls, want 6", n)
	}
}

func TestCachingVerifierBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	next := &countingVerifier{}
	m := newMemoryStore(time.Hour, 50)
	c := newCachingVerifier(next, m)
	for i := range 1000 {
		c.verify(context.Background(), fmt.Sprint("t", i), false, clock.now())
		if len(m.entries) > 50 {
			t.Fatalf("%d entries after %d tokens", len(m.entries), i+1)
		}
	}
}

func TestCachingVerifierOneCallForConcurrentMisses(t *testing.T) {
	good := newTokenIdentity(&tokenFacts{UserID: "u"})
	next := &countingVerifier{valid: map[string]*tokenIdentity{"good": good}, gate: make(chan struct{}), begun: make(chan struct{}, 1)}
	c := newCachingVerifier(next, newMemoryStore(time.Minute, 100))
	var wg sync.WaitGroup
	results := make(chan error, 10)
	ask := func() {
		defer wg.Done()
		_, err := c.verify(context.Background(), "good", false, time.Now())
		results <- err
	}
	wg.Add(1)
	go ask()
	<-next.begun // the first call is in the verifier
	for range 9 {
		wg.Add(1)
		go ask()
	}
	// The others either wait for the first call or, once it is done,
	// find its answer cached: there is no third way.
	close(next.gate)
	wg.Wait()
	close(results)
	for err := range results {
		if err != nil {
			t.Error(err)
		}
	}
	if n := next.count(); n != 1 {
		t.Errorf("%d calls, want 1", n)
	}
}

func TestKeystoneSessionRenewal(t *testing.T) {
	k := newFakeKeystone(t)
	clock := &fakeClock{t: time.Now()}
	k.setClock(clock.now)
	s := &keystoneSession{
		client: http.DefaultClient, authURL: k.URL(), iface: "internal", now: clock.now, retryDelay: time.Millisecond,
		authBody: []byte(`{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "svc", "password": "svc-pass", "domain": {"name": "Default"}}}},
			"scope": {"project": {"name": "service", "domain": {"name": "Default"}}}}}`),
	}
	ctx := context.Background()
	first, err := s.token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.endpoint != k.srv.URL+"/internal/v3" {
		t.Errorf("endpoint %q", first.endpoint)
	}
	// Kept until two minutes before it expires (an hour).
	clock.add(57 * time.Minute)
	if again, _ := s.token(ctx); again != first {
		t.Errorf("renewed too early")
	}
	clock.add(2 * time.Minute)
	second, err := s.token(ctx)
	if err != nil || second == first {
		t.Errorf("not renewed: %v", err)
	}
	if auths, _ := k.counts(); auths != 2 {
		t.Errorf("%d authentications, want 2", auths)
	}
	// Keystone down at renewal: the old token serves while it lasts,
	// and the failure is remembered for a second.
	clock.add(58*time.Minute + 30*time.Second)
	k.setFail(http.StatusServiceUnavailable)
	if got, err := s.token(ctx); err != nil || got != second {
		t.Errorf("due for renewal, Keystone down: %v", err)
	}
	clock.add(2 * time.Minute)
	if _, err := s.token(ctx); err == nil {
		t.Errorf("expired, Keystone down: no error")
	}
	auths, _ := k.counts()
	if _, err := s.token(ctx); err == nil {
		t.Errorf("no error")
	}
	if again, _ := k.counts(); again != auths {
		t.Errorf("asked Keystone again within a second of a failure")
	}
	k.setFail(0)
	clock.add(failureMemory)
	if _, err := s.token(ctx); err != nil {
		t.Errorf("Keystone back: %v", err)
	}
}

func TestKeystoneSessionRetriesConnectFailures(t *testing.T) {
	k := newFakeKeystone(t)
	url := k.URL()
	k.srv.Close()
	s := &keystoneSession{client: http.DefaultClient, authURL: url, now: time.Now, retries: 2, retryDelay: time.Millisecond}
	tries := 0
	_, err := s.do(context.Background(), func() (*http.Request, error) {
		tries++
		return http.NewRequest("GET", url, nil)
	})
	if err == nil || tries != 3 || !isConnectFailure(err) {
		t.Errorf("%d tries, %v", tries, err)
	}
}

func TestV3Root(t *testing.T) {
	for in, want := range map[string]string{
		"http://k:5000":         "http://k:5000/v3",
		"http://k:5000/":        "http://k:5000/v3",
		"http://k:5000/v3":      "http://k:5000/v3",
		"http://k:5000/v3/":     "http://k:5000/v3",
		"http://k/identity":     "http://k/identity/v3",
		"http://k:5000/v2.0/":   "http://k:5000/v3",
		"https://k/identity/v3": "https://k/identity/v3",
	} {
		if got := v3Root(in); got != want {
			t.Errorf("v3Root(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestV2Catalog(t *testing.T) {
	got := v2Catalog([]v3Service{
		{Type: "compute", Name: "nova", Endpoints: []v3Endpoint{
			{Interface: "public", Region: "R1", URL: "http://pub1"}, {Interface: "internal", Region: "R1", URL: "http://int1"},
			{Interface: "public", Region: "R2", URL: "http://pub2"},
		}},
		{Type: "image", Endpoints: []v3Endpoint{{Interface: "Public", URL: "http://img"}}},
	})
	want := `[{"type":"compute","name":"nova","endpoints":[{"internalURL":"http://int1","publicURL":"http://pub1","region":"R1"},{"publicURL":"http://pub2","region":"R2"}]},` +
		`{"type":"image","endpoints":[{"publicURL":"http://img"}]}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestIsIdentityHeader(t *testing.T) {
	for _, h := range []string{"X-Identity-Status", "X-Service-Identity-Status", "X-Roles", "X-Role", "X-User", "X-User-Id",
		"X-User-Name", "X-User-Domain-Id", "X-User-Domain-Name", "X-Project-Id", "X-Project-Name", "X-Project-Domain-Id",
		"X-Project-Domain-Name", "X-Domain-Id", "X-Domain-Name", "X-Tenant", "X-Tenant-Id", "X-Tenant-Name", "X-Service-Roles",
		"X-Service-User-Id", "X-Service-Project-Id", "X-Service-Catalog", "X-Is-Admin-Project", "Openstack-System-Scope"} {
		if !isIdentityHeader(h) {
			t.Errorf("%s is not stripped", h)
		}
	}
	for _, h := range []string{"X-Auth-Token", "X-Service-Token", "X-Storage-Token", "X-Openstack-Request-Id", "Accept", "X", "X-Us"} {
		if isIdentityHeader(h) {
			t.Errorf("%s is stripped", h)
		}
	}
}

func TestTokenIdentityHeaders(t *testing.T) {
	ti := newTokenIdentity(&tokenFacts{UserID: "u", UserName: "un", DomainID: "d", SystemScope: "all", IsAdminProject: false})
	got := map[string]string{}
	for name, v := range ti.header {
		got[name] = v[0]
		if cap(v) != 1 {
			t.Errorf("%s: capacity %d", name, cap(v))
		}
	}
	want := map[string]string{"X-Roles": "", "X-Role": "", "X-User-Id": "u", "X-User-Name": "un", "X-User": "un", "X-Domain-Id": "d",
		"Openstack-System-Scope": "all", "X-Is-Admin-Project": "False", "X-Identity-Status": "Confirmed"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("user headers\n got %v\nwant %v", got, want)
	}
	got = map[string]string{}
	for _, hv := range ti.service {
		got[hv.name] = hv.value[0]
	}
	want = map[string]string{"X-Service-Roles": "", "X-Service-User-Id": "u", "X-Service-User-Name": "un", "X-Service-Domain-Id": "d"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("service headers\n got %v\nwant %v", got, want)
	}
}
