"""A WSGI app and a filter for pasteserve's bridge tests.

Both report what they were made with (local_conf, global_conf) and the
app reports the environ it gets, as JSON, so that a test can compare a
tail loaded by pasteserve's host with the same file loaded whole by
PasteDeploy. Other paths exercise streaming, exceptions and logging:

    /stream?n=N&delay=S   N chunks, S seconds apart
    /upload               reads the body in 64 KiB reads; answers after
                          the first (with its size) when ?early=1, then
                          reads the rest and ends with the total
    /raise                raises before answering
    /raise-late           raises after the first chunk
    /log                  logs a line through logger "pstest"
    /sleep?s=S            sleeps S seconds before answering

The report also says what the [python] options set: the init's
arguments (pstest_init), PSTEST_* and PASTESERVE_* environment
variables, and the front of sys.path.
"""

import json
import logging
import os
import sys
import time
import urllib.parse

log = logging.getLogger("pstest")

REPORTED = ["SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REQUEST_METHOD", "wsgi.url_scheme", "HTTP_HOST",
            "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR", "REMOTE_PORT", "openstack.request_id",
            "openstack.global_request_id", "CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING",
            "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST"]


def conf(name, local, global_conf):
    return {"name": name, "local": dict(local), "global": dict(global_conf)}


def app_factory(global_conf, **local):
    if local.get("fail"):
        raise ValueError("pstest: asked to fail (%s)" % local.get("name"))
    made = conf(local.get("name", ""), local, global_conf)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        q = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        if path.endswith("/raise"):
            raise RuntimeError("pstest: raised on purpose")
        if path.endswith("/raise-late"):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return late_failure()
        if path.endswith("/stream"):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return stream(int(q.get("n", "3")), float(q.get("delay", "0.2")))
        if path.endswith("/upload"):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return upload(environ["wsgi.input"], q.get("early") == "1")
        if path.endswith("/sleep"):
            time.sleep(float(q.get("s", "1")))
        if path.endswith("/log"):
            log.info("pstest log line %s", q.get("tag", ""))
        body = json.dumps({
            "app": made,
            "chain": environ.get("pstest.chain", []),
            "environ": {k: environ[k] for k in REPORTED if k in environ},
            "pasteserve_keys": sorted(k for k in environ if "PASTESERVE" in k.upper()),
            "pid": os.getpid(),
            "init_args": getattr(sys.modules.get("pstest_init"), "ARGS", None),
            "init_imported": "pstest_init" in sys.modules,
            "env": {k: v for k, v in os.environ.items() if k.startswith(("PSTEST_", "PASTESERVE_", "NOTIFY_SOCKET", "LISTEN_"))},
            "sys_path": sys.path[:3],
        }).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def late_failure():
    yield b"first\n"
    raise RuntimeError("pstest: raised while streaming")


def stream(n, delay):
    for i in range(n):
        yield b"chunk %d\n" % i
        if i < n - 1:
            time.sleep(delay)


def upload(inp, early):
    total = 0
    first = inp.read(65536)
    total += len(first)
    if early:
        yield b"first %d\n" % len(first)
    while True:
        b = inp.read(65536)
        if not b:
            break
        total += len(b)
    yield b"total %d\n" % total


def filter_factory(global_conf, **local):
    made = conf(local.get("name", ""), local, global_conf)

    def filt(app):
        def wrapped(environ, start_response):
            environ.setdefault("pstest.chain", []).append(made)
            return app(environ, start_response)
        return wrapped

    return filt


def pipeline_factory(loader, global_conf, **local_conf):
    """A pipeline selector as OpenStack's are (nova's pipeline_factory_v21,
    neutron's and cinder's pipeline_factory): the keystone pipeline of its
    section, each filter got from the loader by name, then the app, with
    no global_conf."""
    pipeline = local_conf["keystone"].split()
    filters = [loader.get_filter(n) for n in pipeline[:-1]]
    app = loader.get_app(pipeline[-1])
    for f in reversed(filters):
        app = f(app)
    return app
