package apps

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/options"
	"github.com/pasteserve/pasteserve/request"
)

// StaticOptions are the options of the static app, Paste's.
type StaticOptions struct {
	// DocumentRoot is the directory to serve, as written (a relative
	// path is relative to the working directory, as in Paste).
	DocumentRoot string `paste:"document_root,doc=the directory to serve (required); checked when the pipeline is built"`
	// CacheMaxAge, when set, is sent as Cache-Control: max-age=N
	// seconds; nil sends no Cache-Control.
	CacheMaxAge *int `paste:"cache_max_age,doc=seconds, sent as Cache-Control: max-age=N (unset: no header)"`
}

// Validate requires DocumentRoot to be a directory, and CacheMaxAge not
// negative.
func (o StaticOptions) Validate() error {
	var errs []error
	if o.DocumentRoot == "" {
		errs = append(errs, options.Errorf("document_root", "is required: the directory to serve"))
	} else if st, err := os.Stat(o.DocumentRoot); err != nil || !st.IsDir() {
		errs = append(errs, options.Errorf("document_root", "%q is not a directory", o.DocumentRoot))
	}
	if o.CacheMaxAge != nil && *o.CacheMaxAge < 0 {
		errs = append(errs, options.Errorf("cache_max_age", "%d is negative (seconds)", *o.CacheMaxAge))
	}
	return errors.Join(errs...)
}

// NewStatic returns Paste's static file app (egg:Paste#static): it
// serves the files under o.DocumentRoot, with http.ServeContent (conditional and
// range requests). A directory is served as its index.html, after a
// redirect that adds the trailing slash.
//
// As Paste's, it answers 404 for a path that does not exist whatever
// the method, and 405 (Allow: GET,HEAD) only for another method on a
// file that does: so a cascade in front of it passes a POST for
// anything but its files on to the next app. Each file has Paste's
// ETag, "<mtime>-<size>" with the modification time written as Python
// writes a float, so If-None-Match is answered 304 and caches filled
// by a Paste server stay valid; If-Modified-Since and Range work as
// well. Content-Type comes from the extension (mime.TypeByExtension,
// which declares UTF-8 for text types); a file without a known one is
// application/octet-stream, as in Paste, never sniffed from its
// content. CacheMaxAge sets Cache-Control: max-age=N. (Paste sends
// "public, max-age=N", which lets shared caches keep a file even when
// the request was authenticated, and an Expires that max-age
// overrides.)
//
// Files are opened through an os.Root, so no path, ".." or symbolic link
// can reach outside document_root; names starting with "." are not
// served (Paste serves them: .htpasswd, .git).
func NewStatic(o StaticOptions) (http.Handler, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(o.DocumentRoot)
	if err != nil {
		return nil, options.Errorf("document_root", "%v", err)
	}
	cacheControl := ""
	if o.CacheMaxAge != nil {
		cacheControl = "max-age=" + strconv.Itoa(*o.CacheMaxAge)
	}
	return &staticApp{root: root, cacheControl: cacheControl}, nil
}

type staticApp struct {
	root         *os.Root
	cacheControl string
}

func (s *staticApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "."
	}
	for _, seg := range strings.Split(name, "/") {
		if seg != "." && strings.HasPrefix(seg, ".") {
			http.NotFound(w, r)
			return
		}
	}
	f, err := s.root.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			target := request.ScriptName(r) + r.URL.Path + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		f.Close()
		name = path.Join(name, "index.html")
		if f, err = s.root.Open(name); err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		if st, err = f.Stat(); err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
	}
	if !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET,HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	if s.cacheControl != "" {
		h.Set("Cache-Control", s.cacheControl)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("Etag", pasteETag(st))
	// ServeContent says so on 200 and 206; Paste on every answer,
	// the 304 included.
	h.Set("Accept-Ranges", "bytes")
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
}

// pasteETag is the ETag Paste's FileApp gives a file:
// "<st_mtime>-<st_size>", st_mtime being the float Python's os.stat
// makes of the modification time (seconds + nanoseconds * 1e-9) in
// Python's repr, which always has a fractional part.
func pasteETag(st os.FileInfo) string {
	mt := st.ModTime()
	f := float64(mt.Unix()) + float64(mt.Nanosecond())*1e-9
	b := make([]byte, 0, 48)
	b = append(b, '"')
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	if !bytes.ContainsRune(b, '.') {
		b = append(b, ".0"...)
	}
	b = append(b, '-')
	b = strconv.AppendInt(b, st.Size(), 10)
	b = append(b, '"')
	return string(b)
}
