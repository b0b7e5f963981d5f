"""The trivial Python WSGI app of the bridge's speed run (bench/bridge.sh).

application answers every request 200 with a small JSON body, doing as
little as a WSGI app can, so that what is measured is the server in
front of it. passthrough is a Python filter that adds nothing: it only
decides, in bench.ini, where the pipeline is split between Go and
Python (the first element with no Go factory and everything after it
run in Python).
"""

BODY = b'{"ok": true}\n'
HEADERS = [('Content-Type', 'application/json'), ('Content-Length', str(len(BODY)))]


def application(environ, start_response):
    start_response('200 OK', list(HEADERS))
    return [BODY]


def app_factory(global_conf, **local_conf):
    return application


def passthrough_factory(global_conf, **local_conf):
    return lambda app: app
