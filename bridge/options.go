package bridge

import "time"

// Options are the [python] options: whether pasteserve runs Python
// tails at all, on which interpreter, and how the Python pool is sized
// and started. Package options decodes them from a config file's
// [python] group (python.workers = 4) by the tags; DefaultOptions gives
// the defaults, which docs/python.md explains.
type Options struct {
	// Executable is the Python interpreter (a path, or a name looked up
	// in PATH). Empty, the default, means no bridge: a pipeline element
	// without a Go factory stays an error, as without --python.
	Executable string `paste:"executable,group=python,doc=the Python interpreter that runs the Python tails (--python); empty: no Python"`
	// Engine is the WSGI server the Python workers run on. gunicorn is
	// the only one: it speaks HTTP/1.1 over a unix socket, so the Go side
	// is net/http's own Transport (see the package doc).
	Engine string `paste:"engine,group=python,enum=gunicorn,doc=the WSGI engine of the Python workers"`
	// Workers is the number of Python worker processes. Each loads every
	// tail (tens of MB and seconds for an OpenStack service), so it is
	// sized for the Python side alone, whatever --workers says.
	Workers int `paste:"workers,group=python,min=1,max=256,doc=Python worker processes (each loads every tail)"`
	// Threads is the number of requests a Python worker serves at once
	// (gunicorn's gthread worker class); 1 behaves like gunicorn's sync
	// worker.
	Threads int `paste:"threads,group=python,min=1,max=1024,doc=requests each Python worker serves at once (threads)"`
	// Path lists directories put at the front of Python's sys.path,
	// after PYTHONPATH's, where a service's own packages are found.
	Path []string `paste:"path,group=python,doc=directories prepended to Python's sys.path (after PYTHONPATH)"`
	// Env lists NAME=VALUE settings for the Python processes'
	// environment, over pasteserve's own (HOME, OS_<GROUP>__<OPT> for a
	// service that reads its configuration from there). Items are split
	// on commas and white space, so a value cannot hold either.
	Env []string `paste:"env,group=python,doc=NAME=VALUE settings for the Python processes' environment"`
	// Init is run in each worker before the tails are loaded: "module"
	// is imported, "module:callable" is called with the list of
	// ConfigArgs (--config-file FILE, --config-dir DIR, as argv strings),
	// the way a service's own WSGI script parses its configuration
	// before loadapp.
	Init string `paste:"init,group=python,doc=module to import or module:callable to call (with the --config-file/--config-dir arguments) before loading"`
	// Logging applies the paste file's [loggers], [handlers] and
	// [formatters] (logging.config.fileConfig) in each worker before
	// loading, when the file has a [loggers] section, as pserve and
	// gunicorn --paste do.
	Logging bool `paste:"logging,group=python,doc=apply the paste file's [loggers]/[handlers]/[formatters] in the Python workers, as pserve does"`
	// StartTimeout bounds how long the pool may take until every worker
	// has loaded every tail.
	StartTimeout time.Duration `paste:"start_timeout,group=python,min=1,doc=seconds the Python workers may take to load, at start and reload"`
	// Timeout is gunicorn's worker timeout: a worker silent for longer
	// is killed and replaced.
	Timeout time.Duration `paste:"timeout,group=python,min=1,doc=seconds a Python worker may stay unresponsive before gunicorn replaces it"`
}

// DefaultOptions returns the defaults: no interpreter (the bridge is
// off until one is given), gunicorn, 2 workers of 4 threads (enough
// that one slow request or one worker being replaced does not stall
// the service, small enough for a service that takes tens of MB a
// worker), logging on (what pserve users expect), and 60 s for
// start_timeout (OpenStack services take seconds to import) and timeout
// (gunicorn's default is 30 s; some OpenStack calls are slower).
func DefaultOptions() Options {
	return Options{
		Engine:       "gunicorn",
		Workers:      2,
		Threads:      4,
		Logging:      true,
		StartTimeout: 60 * time.Second,
		Timeout:      60 * time.Second,
	}
}

// Enabled reports whether o asks for Python at all (Executable is set).
func (o Options) Enabled() bool { return o.Executable != "" }
