package apps

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/pasteserve/pasteserve/options"
)

// CascadeOptions are a cascade's apps and the statuses that pass a
// request on.
type CascadeOptions struct {
	// Apps are tried in this order; the last answers whatever its status.
	Apps []http.Handler
	// Catch are the statuses that mean "try the next app".
	Catch []int
}

// DefaultCascadeOptions catch 404, as Paste's cascade.
func DefaultCascadeOptions() CascadeOptions {
	return CascadeOptions{Catch: []int{http.StatusNotFound}}
}

// Validate requires an app, no nil one, and statuses from 100 to 599.
func (o CascadeOptions) Validate() error {
	var errs []error
	if len(o.Apps) == 0 {
		errs = append(errs, options.Errorf("app", "a cascade needs at least one app1 = NAME key"))
	}
	for i, h := range o.Apps {
		if h == nil {
			errs = append(errs, fmt.Errorf("app %d of the cascade is nil", i+1))
		}
	}
	for _, code := range o.Catch {
		if code < 100 || code > 599 {
			errs = append(errs, options.Errorf("catch", "%d is not a status code", code))
		}
	}
	return errors.Join(errs...)
}

// NewCascade returns Paste's cascade (egg:Paste#cascade), which tries
// several apps in turn: the first whose status is not one of o.Catch
// answers, and the last answers whatever its status. Typical use: static
// files first, the application behind them.
//
//	[composite:main]
//	use = egg:Paste#cascade
//	app1 = static
//	app2 = api
//	catch = 404 405
//
// From a paste file, its apps are the keys starting with "app", tried in
// the order of their names compared as strings, as Paste sorts them (so
// app10 comes before app2); any other key but catch is an error. The
// request body is read into memory once and replayed to each app: put
// sizelimit in front. A caught response is dropped whole, headers
// included.
func NewCascade(o CascadeOptions) (http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	c := &cascadeApp{apps: slices.Clone(o.Apps), catch: map[int]bool{}}
	for _, code := range o.Catch {
		c.catch[code] = true
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
