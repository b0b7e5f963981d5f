package server

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/pasteserve/pasteserve/factory"
	"github.com/rs/zerolog"
)

// pasteserve --reload, for development, as pserve --reload: the server
// reloads, as on SIGHUP, when the paste file (or a file it includes),
// a config file, or a Python source under [python] path changes. It
// watches directories with fsnotify (inotify), since editors replace a
// file by renaming a new one over it, which a watch on the file itself
// would lose, and keeps the events of the files it cares about. A burst
// of events (an editor's save, a git checkout) makes one reload, once
// the files have been quiet for reloadQuiet.
//
// It is no production feature: a half-written file can be loaded (the
// reload then fails and the old pipeline serves on, as for SIGHUP), and
// inotify watches are a per-user resource.

// reloadQuiet is how long the watched files must be quiet before a
// reload: long enough for an editor's save (write, rename, chmod) or a
// checkout to be one batch, short enough not to be waited for.
const reloadQuiet = 300 * time.Millisecond

// reloadMaxWait bounds how long a stream of changes defers the reload.
const reloadMaxWait = 2 * time.Second

// watcher reports batches of changed files on C.
type watcher struct {
	log   zerolog.Logger
	fw    *fsnotify.Watcher
	C     chan []string
	flags Flags
	reg   *factory.Registry
	done  chan struct{}

	mu      sync.Mutex
	files   map[string]bool // the watched files, by absolute path
	dirs    map[string]bool // the directories watched
	pyRoots []string        // [python] path directories, watched recursively for *.py
	confDir string          // --config-dir, for *.conf files added to it
}

// newWatcher starts watching the files cfg was loaded from, when
// --reload asks for it (not in a worker: its master watches), or
// returns nil. A watcher that cannot start is logged and left out: the
// server serves without it.
func newWatcher(cfg *Settings, reg *factory.Registry, log zerolog.Logger) *watcher {
	if !cfg.Reload || isWorker() {
		return nil
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		log.Error().Err(err).Msg("--reload: cannot watch files; serving without it")
		return nil
	}
	w := &watcher{log: log, fw: fw, C: make(chan []string, 1), flags: cfg.flags, reg: reg, done: make(chan struct{}),
		files: map[string]bool{}, dirs: map[string]bool{}}
	w.add(cfg)
	go w.run()
	log.Warn().Int("files", len(w.files)).Strs("python_path", w.pyRoots).
		Msg("--reload: reloading when the paste file, a config file or a Python source changes (development only)")
	return w
}

// changes is the channel of batches, nil for no watcher.
func (w *watcher) changes() <-chan []string {
	if w == nil {
		return nil
	}
	return w.C
}

// close stops watching.
func (w *watcher) close() {
	if w == nil {
		return
	}
	close(w.done)
	w.fw.Close()
}

// refresh adds the files the configuration is now loaded from (a reload
// may have added an include, a config file, a [python] path directory).
// Files are never dropped: a file that stops being read is still
// watched, which costs a watch and a needless reload at most.
func (w *watcher) refresh() {
	if w == nil {
		return
	}
	cfg, _ := LoadSettings(w.flags) // with errors, what it could read
	if cfg == nil {
		return
	}
	if cfg.set != nil {
		resolveApp(cfg, w.reg) // reads the files the app includes
	}
	w.add(cfg)
}

// add watches the files of cfg: the paste file and those it includes,
// the config files, and the Python sources under [python] path.
func (w *watcher) add(cfg *Settings) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var files []string
	if cfg.set != nil {
		files = append(files, cfg.set.Path())
		for _, f := range cfg.set.Files() {
			files = append(files, f.Name)
		}
	}
	files = append(files, cfg.ConfigFiles...)
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil || w.files[abs] {
			continue
		}
		w.files[abs] = true
		w.watchDir(filepath.Dir(abs))
	}
	if cfg.ConfigDir != "" {
		if abs, err := filepath.Abs(cfg.ConfigDir); err == nil {
			w.confDir = abs
			w.watchDir(abs)
		}
	}
	for _, p := range cfg.Python.Path {
		abs, err := filepath.Abs(p)
		if err != nil || slices.Contains(w.pyRoots, abs) {
			continue
		}
		w.pyRoots = append(w.pyRoots, abs)
		w.watchTree(abs)
	}
}

// watchDir watches dir, once.
func (w *watcher) watchDir(dir string) {
	if w.dirs[dir] {
		return
	}
	if err := w.fw.Add(dir); err != nil {
		w.log.Warn().Err(err).Str("directory", dir).Msg("--reload: cannot watch")
		return
	}
	w.dirs[dir] = true
}

// watchTree watches root and every directory below it, but those that
// hold no source (__pycache__, hidden ones).
func (w *watcher) watchTree(root string) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if path != root && skipDir(d.Name()) {
			return filepath.SkipDir
		}
		w.watchDir(path)
		return nil
	})
}

func skipDir(name string) bool { return name == "__pycache__" || strings.HasPrefix(name, ".") }

// relevant says whether an event on path (absolute) is one to reload
// for, and watches a directory created under a Python root.
func (w *watcher) relevant(ev fsnotify.Event) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	path := ev.Name
	if w.files[path] {
		return true
	}
	if w.confDir != "" && filepath.Dir(path) == w.confDir && strings.HasSuffix(path, ".conf") {
		return true
	}
	for _, root := range w.pyRoots {
		if path != root && !strings.HasPrefix(path, root+string(filepath.Separator)) {
			continue
		}
		if ev.Has(fsnotify.Create) {
			if st, err := os.Stat(path); err == nil && st.IsDir() && !skipDir(filepath.Base(path)) {
				w.watchTree(path)
				return true // it may hold sources already
			}
		}
		return strings.HasSuffix(path, ".py")
	}
	return false
}

// run collects events into batches: one is sent once reloadQuiet has
// passed without an event, or reloadMaxWait after its first.
func (w *watcher) run() {
	var batch []string
	var quiet, maxWait <-chan time.Time
	for {
		select {
		case <-w.done:
			return
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			w.log.Warn().Err(err).Msg("--reload: watching files")
		case ev, ok := <-w.fw.Events:
			if !ok {
				return
			}
			if ev.Op == fsnotify.Chmod || !w.relevant(ev) {
				continue
			}
			if !slices.Contains(batch, ev.Name) {
				batch = append(batch, ev.Name)
			}
			quiet = time.After(reloadQuiet)
			if maxWait == nil {
				maxWait = time.After(reloadMaxWait)
			}
			continue
		case <-quiet:
		case <-maxWait:
		}
		if len(batch) == 0 {
			continue
		}
		select {
		case w.C <- batch:
			batch, quiet, maxWait = nil, nil, nil
		case <-w.done:
			return
		default:
			// A reload is pending: these changes join the next batch.
			quiet = time.After(reloadQuiet)
		}
	}
}
