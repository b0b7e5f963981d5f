"""pyrdemo: a small Pyramid app for pasteserve's bridge acceptance test.

It is found through pyrdemo-1.0.dist-info/entry_points.txt on PYTHONPATH
(there is no PyPI here), as `egg:pyrdemo` (paste.app_factory main) and
`egg:pyrdemo#stamp` (paste.filter_factory stamp, in pyrdemo.stamp).
Its views answer JSON that says what Pyramid saw of the request, so
that the test can compare it with what pasteserve's Go side did.
"""
import logging

from pyramid.config import Configurator
from pyramid.response import Response

log = logging.getLogger(__name__)


def main(global_config, **settings):
    """The paste.app_factory: a Pyramid WSGI app from the section's settings."""
    with Configurator(settings=settings) as config:
        config.add_route('home', '/')
        config.add_route('hello', '/hello/{name}')
        config.add_route('echo', '/echo')
        config.add_route('stream', '/stream')
        config.add_route('boom', '/boom')
        config.add_view(home, route_name='home', renderer='json')
        config.add_view(hello, route_name='hello', renderer='json')
        config.add_view(echo, route_name='echo', request_method='POST')
        config.add_view(stream, route_name='stream')
        config.add_view(boom, route_name='boom')
        return config.make_wsgi_app()


def home(request):
    env = request.environ
    log.info('home view, request id %s', env.get('openstack.request_id'))
    return {
        'greeting': request.registry.settings.get('greeting'),
        'application_url': request.application_url,
        'hello_url': request.route_url('hello', name='world'),
        'script_name': env.get('SCRIPT_NAME'),
        'path_info': env.get('PATH_INFO'),
        'url_scheme': env.get('wsgi.url_scheme'),
        'http_host': env.get('HTTP_HOST'),
        'remote_addr': env.get('REMOTE_ADDR'),
        'request_id': env.get('openstack.request_id'),
        'stamp': env.get('pyrdemo.stamp'),
        'pasteserve_keys': sorted(k for k in env if 'PASTESERVE' in k.upper()),
    }


def hello(request):
    return {'hello': request.matchdict['name'], 'url': request.url}


def echo(request):
    """Echoes the request body back, read in pieces from wsgi.input."""
    body = request.body_file.read()
    return Response(body=body, content_type='application/octet-stream',
                    headerlist=[('X-Echo-Length', str(len(body)))])


def stream(request):
    """A response of 5 chunks, each one line, produced one at a time."""
    def chunks():
        for i in range(5):
            yield ('chunk %d\n' % i).encode()
    return Response(app_iter=chunks(), content_type='text/plain')


def boom(request):
    raise RuntimeError('pyrdemo boom view')
