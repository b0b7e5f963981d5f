"""Serves paste files under the real Python stack, for pasteserve's
parity test (internal/parity/parity_test.go).

    python3 serve.py FILE.ini...

Each file is loaded with PasteDeploy's loadapp (app main) and served by
eventlet.wsgi on its own port of 127.0.0.1, as neutron and the other
eventlet services serve their api-paste.ini (oslo.service's
wsgi.Server passes debug=False, so an unhandled error is a bare 500).
One line of JSON per file says where: {"file": ..., "port": N}; then
"ready". The process exits when its parent does, or after --max-seconds.

All files share one process, and so one oslo.config: an oslo filter
writes the options its paste section sets into it, where other oslo
filters that do not set them read them. Each paste file sets what it
uses, except where the test shows that leak on purpose.
"""

import json
import logging
import os
import sys
import time

import eventlet
import eventlet.wsgi
from oslo_config import cfg
from paste.deploy import loadapp


def main(argv):
    max_seconds = 300.0
    files = []
    it = iter(argv)
    for a in it:
        if a == '--max-seconds':
            max_seconds = float(next(it))
        else:
            files.append(a)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format='%(levelname)s %(name)s: %(message)s')
    # The oslo middlewares read what their paste section does not set
    # from the global CONF: parse it with no files, so only defaults
    # and the paste sections apply (pasteserve is given no
    # --config-file either).
    cfg.CONF([], project='parity', default_config_files=[])
    parent = os.getppid()
    for f in files:
        app = loadapp('config:' + os.path.abspath(f))
        sock = eventlet.listen(('127.0.0.1', 0))
        print(json.dumps({'file': f, 'port': sock.getsockname()[1]}),
              flush=True)
        eventlet.spawn(eventlet.wsgi.server, sock, app, debug=False,
                       log=sys.stderr, log_output=True)
    print('ready', flush=True)
    deadline = time.monotonic() + max_seconds
    while os.getppid() == parent and time.monotonic() < deadline:
        eventlet.sleep(0.2)


if __name__ == '__main__':
    main(sys.argv[1:])
