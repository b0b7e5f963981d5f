"""Serves a paste file under the Python stack neutron-server runs, for
bench/serve.sh:

    PYTHONPATH=bench/python /usr/bin/python3 bench/python/serve.py FILE.ini PORT

PasteDeploy's loadapp loads the app main of FILE.ini (Debian's
python3-pastedeploy, python3-paste for urlmap, python3-oslo.middleware
for the filters; neutron's versions app is the stand-in in
neutron/pecan_wsgi), and eventlet.wsgi serves it on 127.0.0.1:PORT the
way neutron's wsgi.Server does: monkey-patched, a pool of
wsgi_default_pool_size (100) green threads, keep-alive, and one access
line per request in oslo's wsgi_log_format through a logger (here the
standard library's, to stderr; neutron's is oslo.log's). It serves
until it is killed.
"""

import logging
import os
import sys

import eventlet
eventlet.monkey_patch()

import eventlet.wsgi  # noqa: E402
from oslo_config import cfg  # noqa: E402
from paste.deploy import loadapp  # noqa: E402

# oslo.service's and neutron's defaults (wsgi_log_format,
# wsgi_default_pool_size).
LOG_FORMAT = ('%(client_ip)s "%(request_line)s" status: %(status_code)s'
              '  len: %(body_length)s time: %(wall_seconds).7f')
POOL_SIZE = 100


def main(argv):
    path, port = argv
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format='%(asctime)s %(process)d %(levelname)s '
                               '%(name)s %(message)s')
    # The oslo middlewares read what their paste section does not set
    # from the global CONF: parse it with no files, so that only the
    # defaults and the paste file apply (pasteserve gets no
    # --config-file either).
    cfg.CONF([], project='neutron', default_config_files=[])
    app = loadapp('config:' + os.path.abspath(path))
    sock = eventlet.listen(('127.0.0.1', int(port)))
    eventlet.wsgi.server(sock, app, max_size=POOL_SIZE,
                         log=logging.getLogger('neutron.wsgi'),
                         keepalive=True, log_format=LOG_FORMAT,
                         socket_timeout=900)


if __name__ == '__main__':
    main(sys.argv[1:])
