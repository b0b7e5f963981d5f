"""Terminal WSGI apps for pasteserve's parity test.

The same apps are compiled into the Go test binary
(internal/testbin/parity) under the same references, egg:parityapp#echo
and egg:parityapp#raise, so both stacks serve identical paste files.

echo answers with what it saw, as one line of JSON (sorted keys, compact):
the WSGI environ that filters change (method, SCRIPT_NAME, PATH_INFO,
QUERY_STRING, wsgi.url_scheme, HTTP_HOST, REMOTE_ADDR, CONTENT_LENGTH;
not CONTENT_TYPE, which eventlet fills with text/plain when the request
has none), webob's application_url, oslo's request ids, every
other HTTP_* header, and the request body. Query parameters shape the
response: status=NNN answers that status (with no body for 204 and
304), type=T sets its Content-Type (default application/json) and
encoding=E its Content-Encoding.

raise raises, for catch_errors.
"""

import http
import json
import urllib.parse

import webob


def _status_line(code):
    return '%d %s' % (code, http.HTTPStatus(code).phrase)


def echo(environ, start_response):
    query = urllib.parse.parse_qs(environ.get('QUERY_STRING', ''))
    code = int(query.get('status', ['200'])[0])
    ctype = query.get('type', ['application/json'])[0]
    inp = environ['wsgi.input']
    length = environ.get('CONTENT_LENGTH', '')
    if length:
        body = inp.read(int(length))
    elif environ.get('HTTP_TRANSFER_ENCODING', '').lower() == 'chunked':
        body = inp.read()
    else:
        body = b''
    seen = {
        'method': environ['REQUEST_METHOD'],
        'script_name': environ.get('SCRIPT_NAME', ''),
        'path_info': environ.get('PATH_INFO', ''),
        'query_string': environ.get('QUERY_STRING', ''),
        'url_scheme': environ['wsgi.url_scheme'],
        'host': environ.get('HTTP_HOST', ''),
        'remote_addr': environ.get('REMOTE_ADDR', ''),
        'content_length': environ.get('CONTENT_LENGTH', ''),
        'application_url': webob.Request(environ).application_url,
        'request_id': environ.get('openstack.request_id', ''),
        'global_request_id': environ.get('openstack.global_request_id', ''),
        'headers': {k: v for k, v in environ.items()
                    if k.startswith('HTTP_') and k != 'HTTP_HOST'},
        'body': body.decode('utf-8', 'replace'),
    }
    out = b''
    if code not in (204, 304):
        out = (json.dumps(seen, sort_keys=True, separators=(',', ':'),
                          ensure_ascii=False) + '\n').encode('utf-8')
    headers = [('Content-Type', ctype), ('Content-Length', str(len(out)))]
    if 'encoding' in query:
        headers.append(('Content-Encoding', query['encoding'][0]))
    start_response(_status_line(code), headers)
    return [out]


def make_echo(global_conf, **local_conf):
    return echo


def raise_app(environ, start_response):
    raise RuntimeError('parity: deliberate failure')


def make_raise(global_conf, **local_conf):
    return raise_app
