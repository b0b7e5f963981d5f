"""stamp: a paste.filter_factory of pyrdemo, a Python filter for the test.

It marks the environ (pyrdemo.stamp) and the answer (X-Pyrdemo-Stamp)
with its `tag` option, so that the test sees it ran, with the option
PasteDeploy gave it, in front of the app.
"""


def filter_factory(global_conf, **local_conf):
    tag = local_conf.get('tag', 'untagged')

    def filter(app):
        def stamped(environ, start_response):
            environ['pyrdemo.stamp'] = tag

            def start(status, headers, exc_info=None):
                return start_response(status, headers + [('X-Pyrdemo-Stamp', tag)], exc_info)
            return app(environ, start)
        return stamped
    return filter
