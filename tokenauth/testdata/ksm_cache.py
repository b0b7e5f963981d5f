"""Writes and reads auth_token cache entries with keystonemiddleware's own
_cache classes, as its AuthProtocol._token_cache_factory makes them, for
tokenauth's memcache tests: pasteserve and Python keystonemiddleware must
share one cache.

usage: ksm_cache.py set|get SERVERS STRATEGY TOKEN [CACHE_TIME]
The secret is read from KSM_SECRET (not the command line); set reads Keystone's
validation answer ({"token": {...}}, JSON) from stdin and caches it as
auth_token does; get prints it as JSON, or null for a miss.
"""
import json
import logging
import os
import sys

from keystoneclient import access
from keystonemiddleware.auth_token import _cache


def token_cache(servers, strategy, cache_time):
    log = logging.getLogger('ksm_cache')
    kwargs = dict(
        cache_time=cache_time,
        env_cache_name=None,
        memcached_servers=servers.split(','),
        use_advanced_pool=True,
        dead_retry=300,
        maxsize=10,
        unused_timeout=60,
        conn_get_timeout=10,
        socket_timeout=3,
    )
    if strategy.lower() != 'none':
        cache = _cache.SecureTokenCache(log, strategy,
                                        os.environ['KSM_SECRET'], **kwargs)
    else:
        cache = _cache.TokenCache(log, **kwargs)
    cache.initialize({})
    return cache


def main():
    op, servers, strategy, token = sys.argv[1:5]
    cache_time = int(sys.argv[5]) if len(sys.argv) > 5 else 300
    cache = token_cache(servers, strategy, cache_time)
    if op == 'set':
        # What auth_token caches: its _V3RequestStrategy.verify_token
        # returns {'token': <keystoneclient AccessInfoV3>}, the token
        # document of Keystone's answer as keystoneclient holds it.
        body = json.load(sys.stdin)
        data = {'token': access.AccessInfo.factory(auth_token=token, body=body)}
        cache.set(token, data)
        print('stored')
    elif op == 'get':
        print(json.dumps(cache.get(token)))
    else:
        sys.exit('unknown operation %r' % op)


if __name__ == '__main__':
    logging.basicConfig(level=logging.WARNING)
    main()
