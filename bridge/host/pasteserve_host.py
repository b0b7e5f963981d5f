"""pasteserve's host for the Python tails of a paste file.

This module ships inside the pasteserve binary (package bridge embeds it)
and is written, with a JSON spec, into a private directory (mode 0700):

    python3 DIR/pasteserve_host.py DIR/spec.json

It runs gunicorn in-process (a BaseApplication, gthread workers) on a unix
socket only pasteserve can reach. Each worker loads every tail of the spec
with PasteDeploy itself, and one WSGI app, the dispatcher, serves them all:
it picks the tail by the key in the request's carrier header, which Go
signs with the pool's key (HMAC-SHA256), and sets the environ from it.

Fd 3 is the status channel to pasteserve: one JSON object a line,

    {"event": "loading", "pid": N, "key": K, "file": F, "section": S}
    {"event": "loading", "pid": N, "init": I}
    {"event": "ready", "pid": N}
    {"event": "load_error", "pid": N, "key": K, "file": F, "section": S,
     "message": M, "traceback": T, "where": W}
    {"event": "exception", "pid": N, "key": K, "request_id": R,
     "traceback": T}
    {"event": "refused", "pid": N, "reason": R}
    {"event": "fatal", "message": M}

What reaches pasteserve's log otherwise is stderr and stdout, line by line:
gunicorn's own lines as "[pid] [LEVEL] message", newlines escaped.
"""

import base64
import binascii
import configparser
import errno
import fcntl
import functools
import hashlib
import hmac
import importlib
import json
import logging
import logging.config
import os
import selectors
import shutil
import signal
import sys
import threading
import time
import traceback
import urllib.parse

STATUS_FD = 3

# gunicorn's exit status of a worker that failed to boot: the master
# halts with it ("Worker failed to boot.").
WORKER_BOOT_ERROR = 3


class Status:
    """Writes events to the status channel, whole lines only.

    Lines from several workers and threads share one pipe, and a traceback
    may be longer than PIPE_BUF, whose writes alone are atomic: a thread
    lock and a POSIX record lock on a file in the private directory (held
    per process, so shared across fork without sharing the lock) keep each
    line whole.
    """

    def __init__(self, fd, lock_path):
        self.fd = fd
        self.lock = threading.Lock()
        self.lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        os.set_inheritable(fd, False)

    def write(self, **event):
        event.setdefault("pid", os.getpid())
        data = (json.dumps(event) + "\n").encode("utf-8")
        with self.lock:
            fcntl.lockf(self.lock_fd, fcntl.LOCK_EX)
            try:
                while data:
                    n = os.write(self.fd, data)
                    data = data[n:]
            except OSError:
                pass  # pasteserve has gone; the watchdog stops us
            finally:
                fcntl.lockf(self.lock_fd, fcntl.LOCK_UN)


status = None  # the Status, once main has made it

# The exception the dispatcher has reported (with the request id) in this
# thread, so that gunicorn's own "Error handling request" line for it
# does not log the traceback a second time.
_reported = threading.local()

# The tail and request id of the request this thread serves, for an
# error that gunicorn raises after the app has returned.
_current = threading.local()


def syntax_site(e):
    """file:line:col of the SyntaxError that e is, or was raised while
    handling, or "": a SyntaxError's own traceback ends where the import
    was, not in the file that is wrong."""
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, SyntaxError) and e.filename:
            site = "%s:%s" % (e.filename, e.lineno)
            return site + (":%d" % e.offset if e.offset else "")
        e = e.__cause__ or e.__context__
    return ""


def exception_line(e):
    """The last line of the exception's text: "ImportError: No module...". """
    lines = traceback.format_exception_only(type(e), e)
    return "".join(lines).strip().splitlines()[-1] if lines else type(e).__name__


# -- loading tails -----------------------------------------------------------


class LoadFailure(Exception):
    """A tail (or the init) that failed to load, with where it failed."""

    def __init__(self, key, file, section, exc, tb):
        super().__init__(exception_line(exc))
        self.key, self.file, self.section = key, file, section
        self.message = exception_line(exc)
        self.traceback = tb


class Sites:
    """Which section of which file each PasteDeploy context came from.

    ConfigLoader.get_context is wrapped so that every context it returns
    is tagged with its section (the outermost name of a use chain: use
    returns the inner context, which the outer call then tags), and an
    exception is tagged with the innermost section that was being
    resolved when it was raised.
    """

    def __init__(self, loadwsgi):
        self.local = threading.local()
        orig_get, orig_find = loadwsgi.ConfigLoader.get_context, loadwsgi.ConfigLoader.find_config_section
        sites = self

        def get_context(loader, object_type, name=None, global_conf=None):
            stack = sites.stack()
            stack.append([loader.filename, None])
            try:
                ctx = orig_get(loader, object_type, name=name, global_conf=global_conf)
                file, section = stack[-1]
                if section is not None:
                    ctx._pasteserve_site = (file, section)
                return ctx
            except Exception as e:
                file, section = stack[-1]
                if section is not None and getattr(e, "_pasteserve_site", None) is None:
                    try:
                        e._pasteserve_site = (file, section)
                    except AttributeError:
                        pass
                raise
            finally:
                stack.pop()

        def find_config_section(loader, object_type, name=None):
            section = orig_find(loader, object_type, name=name)
            stack = sites.stack()
            if stack:
                stack[-1][1] = section
            return section

        loadwsgi.ConfigLoader.get_context = get_context
        loadwsgi.ConfigLoader.find_config_section = find_config_section

    def stack(self):
        s = getattr(self.local, "stack", None)
        if s is None:
            s = self.local.stack = []
        return s


class Lazy:
    """A filter-with filter that was not resolved: what the loader's
    filter_context gives while an element that skips filters is being
    resolved. PasteDeploy resolves an object's filter-with filter with
    the object; when Go runs that filter, Python must not resolve it
    (its Python original may not be there at all), so it stays a Lazy
    unless some of it is kept, and is then resolved as PasteDeploy would
    have: with the loader and global_conf of the call."""

    def __init__(self, loader, name, global_conf):
        self.loader, self.name = loader, name
        # get_context copies global_conf when it is called; an outer
        # use section updates the dict afterwards.
        self.global_conf = dict(global_conf) if global_conf is not None else None

    def resolve(self):
        return _filter_context(self.loader, name=self.name, global_conf=self.global_conf)


_lazy = threading.local()
_filter_context = None  # ConfigLoader.filter_context, PasteDeploy's own


def lazy_filter_with(loadwsgi):
    """Wraps ConfigLoader.filter_context, which PasteDeploy calls for a
    filter-with only (composites call it through get_filter once made,
    when no element is being resolved), so that while _lazy.on is set it
    returns a Lazy."""
    global _filter_context
    if _filter_context is not None:
        return
    _filter_context = loadwsgi.ConfigLoader.filter_context

    def filter_context(loader, name=None, global_conf=None):
        if getattr(_lazy, "on", False):
            return Lazy(loader, name, global_conf)
        return _filter_context(loader, name=name, global_conf=global_conf)

    loadwsgi.ConfigLoader.filter_context = filter_context


def leaves(loadwsgi, ctx, keep=None):
    """The last keep contexts (all, for None) of ctx flattened as
    PasteDeploy builds it, outermost first: a pipeline is its filters,
    then its app; filter-app and filter-with are their filter, then what
    they wrap. A Lazy is resolved only if some of it is kept."""
    if keep is not None and keep <= 0:
        return []
    if isinstance(ctx, Lazy):
        ctx = ctx.resolve()
    t = ctx.object_type
    if t is loadwsgi.PIPELINE:
        parts = list(ctx.filter_contexts) + [ctx.app_context]
    elif t is loadwsgi.FILTER_APP or t is loadwsgi.FILTER_WITH:
        parts = [ctx.filter_context, ctx.next_context]
    else:
        return [ctx]
    out = []
    for p in reversed(parts):
        if keep is not None and len(out) >= keep:
            break
        out[:0] = leaves(loadwsgi, p, None if keep is None else keep - len(out))
    return out


def site_of(obj, tail):
    site = getattr(obj, "_pasteserve_site", None)
    if site:
        return site
    return tail["file"], tail.get("section") or ""


def load_tail(loadwsgi, tail):
    """Builds one tail: each element by its name, as PasteDeploy's
    pipeline loads its items, then the app wrapped in the filters."""
    key = tail["key"]

    def fail(e, obj=None, tb=None):
        file, section = site_of(obj if obj is not None else e, tail)
        return LoadFailure(key, file, section, e, traceback.format_exc() if tb is None else tb)

    try:
        # What loadcontext("config:" + file, global_conf=defaults) makes:
        # the loader of the file, the defaults laid under its [DEFAULT].
        loader = loadwsgi.ConfigLoader(tail["file"])
        if tail.get("defaults"):
            loader.update_defaults(tail["defaults"], overwrite=False)
    except Exception as e:
        raise fail(e)
    global_conf = tail.get("global")
    elements = tail["elements"]

    def resolve(e):
        object_type = loadwsgi.APP if e["type"] == "app" else loadwsgi.FILTER
        skip = e.get("skip", 0)
        _lazy.on = skip > 0
        try:
            ctx = loader.get_context(object_type, e["name"], global_conf=global_conf)
            out = leaves(loadwsgi, ctx, e.get("keep") if skip > 0 else None)
        except Exception as x:
            raise fail(x)
        finally:
            _lazy.on = False
        if skip > 0 and len(out) != e.get("keep"):
            x = LookupError(
                "pasteserve: Go runs the first %d filters of %r and expected %d more; PasteDeploy makes %d"
                % (skip, e["name"], e.get("keep"), len(out))
            )
            raise fail(x, ctx, "")
        return out

    def create(c):
        try:
            return c.create()
        except Exception as e:
            raise fail(e, c)

    # PasteDeploy's pipeline resolves (and makes) its app first, then its
    # filters; OpenStack's pipeline selectors make each filter, then the
    # app.
    app_element, filter_elements = elements[-1], elements[:-1]
    if tail.get("filters_first"):
        made = []
        for e in filter_elements:
            made.extend((create(c), c) for c in resolve(e))
        app_leaves = resolve(app_element)
        app = create(app_leaves[-1])
        made.extend((create(c), c) for c in app_leaves[:-1])
    else:
        app_leaves = resolve(app_element)
        filter_leaves = [c for e in filter_elements for c in resolve(e)]
        app = create(app_leaves[-1])
        inner = [(create(c), c) for c in app_leaves[:-1]]
        made = [(create(c), c) for c in filter_leaves] + inner
    for f, c in reversed(made):
        try:
            app = f(app)
        except Exception as e:
            raise fail(e, c)
    return app


def apply_logging(paste_file):
    """fileConfig of the paste file when it has [loggers], as pserve and
    gunicorn --paste do (gunicorn's keeps existing loggers, its own)."""
    parser = configparser.ConfigParser()
    try:
        parser.read(paste_file)
    except configparser.Error:
        return  # PasteDeploy reports what is wrong with the file
    if not parser.has_section("loggers"):
        return
    defaults = {"__file__": os.path.abspath(paste_file), "here": os.path.dirname(os.path.abspath(paste_file))}
    try:
        logging.config.fileConfig(paste_file, defaults, disable_existing_loggers=False)
    except Exception as e:
        raise LoadFailure("", paste_file, "loggers", e, traceback.format_exc())


def run_init(spec):
    init = spec.get("init") or ""
    if not init:
        return
    try:
        module, _, attr = init.partition(":")
        mod = importlib.import_module(module)
        if attr:
            fn = mod
            for part in attr.split("."):
                fn = getattr(fn, part)
            fn(list(spec.get("config_args") or []))
    except Exception as e:
        f = LoadFailure("", "", "", e, traceback.format_exc())
        f.init = init
        raise f


# -- serving -----------------------------------------------------------------


class Refused(Exception):
    pass


def split_host(host, scheme):
    """SERVER_NAME and SERVER_PORT from a Host value."""
    default = {"http": "80", "https": "443"}.get(scheme, "")
    if host.startswith("["):
        end = host.find("]")
        if end >= 0:
            rest = host[end + 1:]
            return host[: end + 1], rest[1:] if rest.startswith(":") and rest[1:] else default
    name, sep, port = host.rpartition(":")
    if sep and ":" not in name:
        return name, port or default
    return host, default


def wsgi_str(s):
    """A carrier path (percent-encoded bytes) as WSGI's latin-1 string.
    Go escapes '%' and every byte outside printable ASCII, so a path
    without '%' is the string already."""
    if "%" not in s:
        return s
    return urllib.parse.unquote_to_bytes(s).decode("latin-1")


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def b64url(s):
    """Unpadded base64url, decoded."""
    b = s.encode("ascii")
    return binascii.a2b_base64(b.translate(_URLSAFE) + b"=" * (-len(b) % 4))


class Dispatcher:
    """The one WSGI app of the pool: verifies the carrier, sets the environ
    from it and calls the tail it names."""

    def __init__(self, key, apps):
        # The key's HMAC state, made once and copied for each request:
        # hmac.digest sets the key up (and, with OpenSSL 3, fetches the
        # digest) on every call, about twice the cost of a copy (3 us
        # against 1.5 in a timeit, by hand).
        self.mac = hmac.new(key, digestmod=hashlib.sha256)
        self.apps = apps

    def carrier(self, environ):
        raw = environ.pop("HTTP_X_PASTESERVE_WSGI", None)
        # Go deletes the client's own x-pasteserve-* headers; should one
        # get here all the same, it goes too.
        for k in [k for k in environ if k[:18] == "HTTP_X_PASTESERVE_"]:
            del environ[k]
        if raw is None:
            raise Refused("no carrier")
        payload_b64, sep, sig_b64 = raw.partition(".")
        if not sep or "," in raw:
            raise Refused("malformed carrier")
        try:
            payload, sig = b64url(payload_b64), b64url(sig_b64)
        except (ValueError, TypeError, binascii.Error):
            raise Refused("malformed carrier")
        mac = self.mac.copy()
        mac.update(payload)
        if not hmac.compare_digest(mac.digest(), sig):
            raise Refused("carrier signature does not match")
        try:
            c = json.loads(payload)
        except ValueError:
            raise Refused("malformed carrier")
        if not isinstance(c, dict):
            raise Refused("malformed carrier")
        return c

    def __call__(self, environ, start_response):
        try:
            c = self.carrier(environ)
            app = self.apps.get(c.get("key"))
            if app is None:
                raise Refused("no tail %r in this pool" % c.get("key"))
        except Refused as e:
            status.write(event="refused", reason=str(e))
            body = b"Internal Server Error\n"
            start_response("500 Internal Server Error", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        scheme = c.get("url_scheme") or "http"
        environ["SCRIPT_NAME"] = wsgi_str(c.get("script_name", ""))
        environ["PATH_INFO"] = wsgi_str(c.get("path_info", ""))
        environ["wsgi.url_scheme"] = scheme
        host = c.get("host") or ""
        if host:
            environ["HTTP_HOST"] = host
            environ["SERVER_NAME"], environ["SERVER_PORT"] = split_host(host, scheme)
        else:
            # No Host (HTTP/1.0): as under gunicorn alone, no HTTP_HOST
            # (gunicorn's is the name Go gives the socket), and
            # SERVER_NAME and SERVER_PORT where the client connected.
            environ.pop("HTTP_HOST", None)
            if c.get("server_name"):
                environ["SERVER_NAME"] = c["server_name"]
                environ["SERVER_PORT"] = c.get("server_port") or ""
        environ["REMOTE_ADDR"] = c.get("remote_addr", "")
        if c.get("remote_port"):
            environ["REMOTE_PORT"] = c["remote_port"]
        else:
            environ.pop("REMOTE_PORT", None)
        rid = c.get("request_id") or ""
        if rid:
            environ["openstack.request_id"] = rid
        if c.get("global_request_id"):
            environ["openstack.global_request_id"] = c["global_request_id"]
        key = c["key"]
        _current.key, _current.rid = key, rid
        try:
            result = app(environ, start_response)
        except Exception as e:
            report(e, key, rid)
            raise
        if isinstance(result, (list, tuple)):
            return result
        wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(wrapper, type) and isinstance(result, wrapper):
            return result
        return Guarded(result, key, rid)


def report(e, key, rid):
    """Logs an app's exception once, with the request id: to pasteserve."""
    status.write(event="exception", key=key, request_id=rid, traceback=traceback.format_exc())
    _reported.exc = e


class Guarded:
    """An app's response iterable, whose exceptions are reported as the
    app's own are."""

    def __init__(self, result, key, rid):
        self.result, self.key, self.rid = result, key, rid

    def __iter__(self):
        try:
            for chunk in self.result:
                yield chunk
        except Exception as e:
            report(e, self.key, self.rid)
            raise

    def close(self):
        close = getattr(self.result, "close", None)
        if close is not None:
            try:
                close()
            except Exception as e:
                report(e, self.key, self.rid)
                raise


# -- gunicorn ----------------------------------------------------------------


def make_application(spec):
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter
    from gunicorn.errors import HaltServer
    from gunicorn.glogging import Logger
    from gunicorn.http.errors import InvalidHeader, InvalidHeaderName
    from gunicorn.workers.gthread import TConn, ThreadWorker

    class HostWorker(ThreadWorker):
        """gunicorn's gthread worker, but for a response header it refuses
        to send (a CR or LF in a value, a bad name). gunicorn raises
        InvalidHeader from the app's start_response and answers it as it
        answers a bad request: 400 Bad Request, blaming the client, with
        the value in the body. It is the app's error: a bare 500, as for
        an exception in the app, logged with the request id."""

        def accept(self, server, listener):
            """Accepts a connection, and gives it a thread only once it is
            readable (a request, or its close), as gunicorn 21 does.

            gunicorn 20.1 hands a connection to a thread as soon as it is
            accepted, and the thread blocks reading a request. Go's
            Transport keeps connections it dialed and then did not need
            (an idle one came back first) unused until its idle timeout:
            each held a thread meanwhile, and on SIGTERM the worker waited
            graceful_timeout (an hour) for that thread, so that a stop with
            nothing in flight lasted until Go closed the connection. Kept
            in the poller as a keep-alive connection is, it takes no
            thread, a stop does not wait for it, and gunicorn's keepalive
            closes it if Go never does."""
            try:
                sock, client = listener.accept()
            except EnvironmentError as e:
                if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                    raise
                return
            conn = TConn(self.cfg, sock, client, server)
            self.nr_conns += 1
            conn.set_timeout()
            with self._lock:
                self._keep.append(conn)
                self.poller.register(conn.sock, selectors.EVENT_READ, functools.partial(self.reuse_connection, conn))

        def init_signals(self):
            """Installs the worker's signal handlers, then delivers again
            a stop that reached the worker before them
            (benoitc/gunicorn#1910).

            From its fork until here the worker runs the handlers it
            inherited from the master, which only append the signal to
            Arbiter.SIG_QUEUE (a class attribute: in the worker, a copy
            that nothing reads). A SIGTERM the master sent a worker it
            had just forked was lost that way: the worker served on, and
            the stopping master waited graceful_timeout (an hour) for it.
            A stop in the copy is one the master sent this worker, or one
            the master had queued at the fork, after which it stops its
            workers: either way, this worker is to stop. A quick stop
            (SIGINT, SIGQUIT: the master sends SIGQUIT) wins over a
            graceful one."""
            super().init_signals()
            stops = {s for s in Arbiter.SIG_QUEUE if s in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)}
            del Arbiter.SIG_QUEUE[:]
            if stops - {signal.SIGTERM}:
                os.kill(os.getpid(), signal.SIGQUIT)
            elif stops:
                os.kill(os.getpid(), signal.SIGTERM)

        def handle_error(self, req, client, addr, exc):
            # req is None when the request itself could not be read:
            # that InvalidHeader is the client's, and its 400 stands.
            if req is not None and isinstance(exc, (InvalidHeader, InvalidHeaderName)):
                if exc is not getattr(_reported, "exc", None):
                    report(exc, getattr(_current, "key", ""), getattr(_current, "rid", ""))
                exc = RuntimeError("the app's response has an invalid header")
            super().handle_error(req, client, addr, exc)

    class HostArbiter(Arbiter):
        """gunicorn's arbiter, judging workers' exits in its main loop.

        gunicorn 20.1 reaps workers in its SIGCHLD handler, which raises
        HaltServer when one failed to boot: wherever the master happens to
        be, so that when several workers fail to load (they all load the
        same tails) the exception can land in a logging lock and be lost,
        or come again while the master is already halting. Here the
        handler only wakes the main loop, which reaps (and halts) where
        gunicorn catches HaltServer; once stopping, workers are reaped
        without judging their exits.
        """

        stopping = False

        def setup(self, app):
            super().setup(app)
            self.worker_class = HostWorker

        def handle_chld(self, sig, frame):
            if self.stopping:
                self.reap_quietly()
            self.wakeup()

        def murder_workers(self):
            super().reap_workers()
            super().murder_workers()

        def stop(self, graceful=True):
            self.stopping = True
            self.reap_quietly()
            super().stop(graceful)

        def reap_quietly(self):
            for wpid in list(self.WORKERS):
                try:
                    pid, _ = os.waitpid(wpid, os.WNOHANG)
                except ChildProcessError:
                    pid = wpid  # reaped already
                if pid:
                    worker = self.WORKERS.pop(wpid, None)
                    if worker is not None:
                        worker.tmp.close()

    class Formatter(logging.Formatter):
        """One line a record: pasteserve reads stderr line by line."""

        def format(self, record):
            s = super().format(record)
            return s.replace("\\", "\\\\").replace("\n", "\\n")

    class HostLogger(Logger):
        # No time: pasteserve's log has its own.
        error_fmt = r"[%(process)d] [%(levelname)s] %(message)s"

        def setup(self, cfg):
            super().setup(cfg)
            for h in self.error_log.handlers:
                h.setFormatter(Formatter(self.error_fmt))

        def exception(self, msg, *args, **kwargs):
            e = sys.exc_info()[1]
            if e is not None and e is getattr(_reported, "exc", None):
                # Reported with its request id already.
                _reported.exc = None
                self.info(str(msg) + " (traceback logged with the request id)", *args)
                return
            super().exception(msg, *args, **kwargs)

    def post_worker_init(worker):
        status.write(event="ready")

    ppid = spec.get("ppid") or os.getppid()

    def on_exit(server):
        if os.getppid() != ppid:
            # pasteserve is gone and cannot remove the directory.
            shutil.rmtree(spec["dir"], ignore_errors=True)

    class Host(BaseApplication):
        def run(self):
            try:
                HostArbiter(self).run()
            except RuntimeError as e:
                print("Error: %s" % e, file=sys.stderr)
                sys.exit(1)

        def load_config(self):
            settings = {
                "bind": ["unix:" + spec["socket"]],
                "umask": 0o077,
                "workers": spec["workers"],
                "threads": spec["threads"],
                "worker_class": "gthread",
                "timeout": spec["timeout"],
                "graceful_timeout": spec["graceful_timeout"],
                # Longer than Go's idle timeout, so that Go closes idle
                # connections, never gunicorn under a request being sent.
                "keepalive": spec["keepalive"],
                "proc_name": "pasteserve-python",
                "errorlog": "-",
                "accesslog": None,
                "loglevel": "info",
                "logger_class": HostLogger,
                "post_worker_init": post_worker_init,
                "on_exit": on_exit,
                # Go's server has limited the request already, and
                # auth_token's headers (the service catalog) outgrow
                # gunicorn's defaults.
                "limit_request_line": 0,
                "limit_request_fields": 32768,
                "limit_request_field_size": 0,
                # The carrier says the scheme; gunicorn must not read the
                # client's headers for it (it trusts a unix peer).
                "secure_scheme_headers": {},
                "worker_tmp_dir": spec["dir"],
            }
            for k, v in settings.items():
                self.cfg.set(k, v)

        def load(self):
            # In each worker, after fork: a loaded app's threads, sockets
            # and database connections do not survive a fork.
            try:
                return build(spec)
            except LoadFailure as f:
                if f.traceback:
                    status.write(
                        event="load_error",
                        key=f.key,
                        file=f.file,
                        section=f.section,
                        init=getattr(f, "init", ""),
                        message=f.message,
                        traceback=f.traceback,
                        where=syntax_site(f),
                    )
                else:
                    status.write(event="load_error", key=f.key, file=f.file, section=f.section, message=f.message, traceback="")
                # gunicorn halts on it, without logging a traceback of
                # its own: pasteserve logs this one once.
                sys.stderr.flush()
                os._exit(WORKER_BOOT_ERROR)

    return Host()


def build(spec):
    from paste.deploy import loadwsgi

    if spec.get("logging") and spec.get("paste_file"):
        apply_logging(spec["paste_file"])
    if spec.get("init"):
        status.write(event="loading", init=spec["init"])
    run_init(spec)
    Sites(loadwsgi)
    lazy_filter_with(loadwsgi)
    apps = {}
    for tail in spec.get("tails") or []:
        # What this worker is at, should start_timeout run out.
        status.write(event="loading", key=tail["key"], file=tail["file"], section=tail.get("section") or "")
        apps[tail["key"]] = load_tail(loadwsgi, tail)
    return Dispatcher(base64.urlsafe_b64decode(spec["key"] + "=" * (-len(spec["key"]) % 4)), apps)


def set_path(spec):
    """sys.path: PYTHONPATH's entries, then [python] path, then the rest,
    without this module's own (private) directory."""
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    pp = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    front = pp + [p for p in spec.get("path") or [] if p]
    n = 0
    for p in rest:
        if p in pp:
            n += 1
        else:
            break
    sys.path[:] = front + [p for p in rest[n:] if p not in front]


def watchdog(ppid, dir):
    """Stops the pool when pasteserve is gone, should its Pdeathsig not
    have (it was set for the thread that started the master, and is lost
    if the master was started by a thread that ended, or if pasteserve
    was not what started it): SIGTERM to the process group, then
    SIGKILL."""
    while True:
        time.sleep(1)
        if os.getppid() != ppid:
            break
    shutil.rmtree(dir, ignore_errors=True)
    try:
        os.killpg(0, signal.SIGTERM)
        time.sleep(5)
        os.killpg(0, signal.SIGKILL)
    except OSError:
        pass


def main():
    global status
    spec_path = sys.argv[1]
    with open(spec_path) as f:
        spec = json.load(f)
    os.unlink(spec_path)
    status = Status(STATUS_FD, os.path.join(spec["dir"], "status.lock"))
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except AttributeError:
            pass
    set_path(spec)
    for mod, pkg in (("gunicorn", "python3-gunicorn"), ("paste.deploy", "python3-pastedeploy")):
        try:
            importlib.import_module(mod)
        except ImportError as e:
            status.write(event="fatal", message="%s cannot import %s (%s): install %s" % (sys.executable, mod, e, pkg))
            sys.exit(2)
    ppid = spec.get("ppid") or os.getppid()
    t = threading.Thread(target=watchdog, args=(ppid, spec["dir"]), daemon=True)
    t.start()
    make_application(spec).run()


if __name__ == "__main__":
    main()
