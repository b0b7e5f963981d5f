"""neutron's versions app, as bench/serve.sh serves it under Python.

neutron's versions_factory builds a pecan app whose root answers the
versions document, each version's self link built from webob's
application_url (neutron/api/views/versions.py). This is the same
reply, in plain WSGI: the same bytes as pasteserve's versions app (the
same keys in the same order, compact JSON), so that the two stacks do
the same work for a request and bench/serve.sh can compare them. It is
lighter than pecan, so the Python figures it gives are, if anything,
better than neutron's own.
"""

import json

import webob

_VERSIONS = [('v2.0', 'CURRENT')]


def versions(environ, start_response):
    if environ.get('PATH_INFO', '') not in ('', '/'):
        body = b'404 page not found\n'
        start_response('404 Not Found', [
            ('Content-Type', 'text/plain; charset=utf-8'),
            ('Content-Length', str(len(body)))])
        return [body]
    base = webob.Request(environ).application_url
    doc = {'versions': [
        {'id': vid, 'status': status,
         'links': [{'rel': 'self', 'href': base + '/' + vid + '/'}]}
        for vid, status in _VERSIONS]}
    body = json.dumps(doc, separators=(',', ':')).encode('utf-8')
    start_response('200 OK', [('Content-Type', 'application/json'),
                              ('Content-Length', str(len(body)))])
    return [body]


def versions_factory(global_config, **local_config):
    return versions
