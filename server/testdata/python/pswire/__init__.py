"""A WSGI app and a filter for the server's integration tests of --python.

The app answers, on
    .../version   "pswire-<VERSION> pid=<pid>", VERSION from pswire.version
                  (a test edits that file and reloads)
    .../raise     an exception (its traceback goes to pasteserve's log)
    .../sleep     an answer after ?s= seconds (a request a reload waits for)
    anything else a JSON report of what it was made with and the environ
                  it got, for a test to compare with what Go knows
and takes load_delay seconds (default 0) to load.
"""

import json
import os
import time
import urllib.parse

from pswire import version

REPORTED = ["SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME",
            "SERVER_PORT", "REMOTE_ADDR", "REMOTE_PORT", "openstack.request_id",
            "openstack.global_request_id", "HTTP_X_FORWARDED_PROTO"]


def app_factory(global_conf, **local):
    # load_delay: seconds the app takes to load (a test watches the start).
    time.sleep(float(local.get("load_delay", "0")))

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.endswith("/version"):
            body = ("pswire-%s pid=%d\n" % (version.VERSION, os.getpid())).encode()
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body]
        if path.endswith("/raise"):
            raise RuntimeError("pswire: raised on purpose")
        if path.endswith("/sleep"):
            q = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
            time.sleep(float(q.get("s", "1")))
        body = json.dumps({
            "version": version.VERSION,
            "local": dict(local),
            "global": dict(global_conf),
            "chain": environ.get("pswire.chain", []),
            "environ": {k: environ[k] for k in REPORTED if k in environ},
            "pasteserve_keys": sorted(k for k in environ if "PASTESERVE" in k.upper()),
            "pid": os.getpid(),
        }).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def filter_factory(global_conf, **local):
    tag = local.get("tag", "?")

    def filt(app):
        def wrapped(environ, start_response):
            environ.setdefault("pswire.chain", []).append(tag)
            return app(environ, start_response)
        return wrapped

    return filt
