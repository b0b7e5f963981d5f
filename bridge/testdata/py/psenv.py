"""A WSGI app for the bridge's tests of the environ's edges: it answers
with every string value of its environ as JSON, so that a test can
compare what the bridge gives with what gunicorn alone gives (the same
module serves as gunicorn's app: psenv:application). On a path ending
in /badheader it answers with a header value that holds a CR LF, which
gunicorn refuses."""

import json


def app_factory(global_conf, **local):
    def app(environ, start_response):
        if environ.get("PATH_INFO", "").endswith("/badheader"):
            start_response("200 OK", [("Content-Type", "text/plain"), ("X-Psenv", "bad\r\nX-Injected: yes")])
            return [b"psenv: not sent\n"]
        body = json.dumps({k: v for k, v in environ.items() if isinstance(v, str)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


application = app_factory({})
