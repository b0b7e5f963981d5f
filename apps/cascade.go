package apps

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/factory"
)

// cascadeChildren names the apps: every key starting with "app".
func CascadeChildren(cfg *factory.Config) map[string]string {
	kids := map[string]string{}
	for k, v := range cfg.Local {
		if strings.HasPrefix(k, "app") {
			kids[k] = v
		}
	}
	return kids
}

// Cascade is the cascade factory.
//
// cascade is Paste's cascade (egg:Paste#cascade), a composite that tries
// several apps in turn: the first whose status is not one of catch
// (default 404) answers, and the last answers whatever its status.
// Typical use: static files first, the application behind them.
//
//	[composite:main]
//	use = egg:Paste#cascade
//	app1 = static
//	app2 = api
//	catch = 404 405
//
// Its apps are the keys starting with "app", tried in the order of their
// names compared as strings, as Paste sorts them (so app10 comes before
// app2); any other key but catch is an error. The request body is read
// into memory once and replayed to each app: put sizelimit in front.
func Cascade(l factory.Loader, cfg *factory.Config) (http.Handler, error) {
	catch := map[int]bool{}
	if _, ok := cfg.Get("catch"); !ok {
		catch[http.StatusNotFound] = true
	}
	for _, s := range cfg.List("catch") {
		code, err := strconv.Atoi(s)
		if err != nil || code < 100 || code > 599 {
			cfg.Errorf("catch", "%q is not a status code", s)
			continue
		}
		catch[code] = true
	}
	for _, k := range sortedKeys(cfg.Local) {
		if k != "catch" && !strings.HasPrefix(k, "app") {
			cfg.Errorf(k, "bad configuration key: all keys of a cascade but catch must start with 'app'")
		}
	}
	kids := CascadeChildren(cfg)
	if len(kids) == 0 {
		cfg.Errorf("app", "a cascade needs at least one app1 = NAME key")
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(kids))
	for k := range kids {
		names = append(names, k)
	}
	sort.Strings(names)
	c := &cascadeApp{catch: catch}
	for _, k := range names {
		h, err := l.GetApp(kids[k])
		if err != nil {
			return nil, err
		}
		c.apps = append(c.apps, h)
	}
	return c, nil
}

type cascadeApp struct {
	apps  []http.Handler
	catch map[int]bool
}

func (c *cascadeApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if len(c.apps) > 1 && r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			http.Error(w, "could not read the request body", http.StatusBadRequest)
			return
		}
	}
	for i, app := range c.apps {
		r2 := r
		if body != nil {
			r2 = r.Clone(r.Context())
			r2.Body = io.NopCloser(bytes.NewReader(body))
		}
		if i == len(c.apps)-1 {
			app.ServeHTTP(w, r2)
			return
		}
		tw := &cascadeWriter{w: w, header: http.Header{}, catch: c.catch}
		app.ServeHTTP(tw, r2)
		if !tw.caught {
			if !tw.passed { // wrote nothing at all: an empty 200
				tw.WriteHeader(http.StatusOK)
			}
			return
		}
	}
}

// cascadeWriter holds an app's headers until its status is known: a
// caught status is dropped whole, any other goes out as written.
type cascadeWriter struct {
	w      http.ResponseWriter
	header http.Header
	catch  map[int]bool
	caught bool
	passed bool
}

func (t *cascadeWriter) Header() http.Header {
	if t.passed {
		return t.w.Header()
	}
	return t.header
}

func (t *cascadeWriter) WriteHeader(code int) {
	if t.caught || t.passed {
		return
	}
	if t.catch[code] {
		t.caught = true
		return
	}
	t.passed = true
	dst := t.w.Header()
	for k, v := range t.header {
		dst[k] = v
	}
	t.w.WriteHeader(code)
}

func (t *cascadeWriter) Write(b []byte) (int, error) {
	if !t.caught && !t.passed {
		t.WriteHeader(http.StatusOK)
	}
	if t.caught {
		return len(b), nil
	}
	return t.w.Write(b)
}

// Flush passes on once the response is committed to this app.
func (t *cascadeWriter) Flush() {
	if t.passed {
		http.NewResponseController(t.w).Flush()
	}
}
