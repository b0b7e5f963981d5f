package apps

import (
	"net/http"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/pasteserve/pasteserve/loader"
)

// static is Paste's static file app (egg:Paste#static): it serves the
// files under document_root, with http.ServeContent (conditional and
// range requests, Content-Type by extension). A directory is served as
// its index.html, after a redirect that adds the trailing slash.
//
// Files are opened through an os.Root, so no path, ".." or symbolic link
// can reach outside document_root; names starting with "." are not
// served.
func init() {
	loader.Register(loader.Factory{
		Name:    "static",
		Aliases: []string{"egg:Paste#static"},
		Kind:    loader.KindApp,
		Doc:     "serves the files under document_root (Paste's static), never outside it",
		App:     newStatic,
	})
}

func newStatic(cfg *loader.Config) (http.Handler, error) {
	dir := cfg.String("document_root", "")
	var root *os.Root
	if dir == "" {
		cfg.Errorf("document_root", "is required: the directory to serve")
	} else if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		cfg.Errorf("document_root", "%q is not a directory", dir)
	} else if root, err = os.OpenRoot(dir); err != nil {
		cfg.Errorf("document_root", "%v", err)
	}
	cacheControl := ""
	if _, ok := cfg.Get("cache_max_age"); ok {
		age := cfg.Int("cache_max_age", 0)
		if age < 0 {
			cfg.Errorf("cache_max_age", "%d is negative (seconds)", age)
		}
		cacheControl = "max-age=" + strconv.Itoa(age)
	}
	if err := cfg.Err(); err != nil {
		return nil, err
	}
	return &staticApp{root: root, cacheControl: cacheControl}, nil
}

type staticApp struct {
	root         *os.Root
	cacheControl string
}

func (s *staticApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
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
			target := loader.ScriptName(r) + r.URL.Path + "/"
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		f.Close()
		if f, err = s.root.Open(path.Join(name, "index.html")); err != nil {
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
	if s.cacheControl != "" {
		w.Header().Set("Cache-Control", s.cacheControl)
	}
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
}
