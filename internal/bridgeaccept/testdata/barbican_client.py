"""The real Barbican client, as a program would use it: python3-barbicanclient
on a keystoneauth session (password auth against Keystone), with the
Barbican endpoint given directly rather than found in the catalog.

    barbican_client.py AUTH_URL ENDPOINT USER PASSWORD PROJECT PAYLOAD

Stores PAYLOAD as a secret, reads it back, and prints one JSON object:
{"ref": ..., "payload": ..., "listed": N}. Any failure is a traceback
and a non-zero exit.
"""
import json
import sys

from barbicanclient import client
from keystoneauth1 import session
from keystoneauth1.identity import v3

auth_url, endpoint, user, password, project, payload = sys.argv[1:]
auth = v3.Password(auth_url=auth_url, username=user, password=password,
                   project_name=project, user_domain_id='default',
                   project_domain_id='default')
barbican = client.Client(session=session.Session(auth=auth, timeout=60),
                         endpoint=endpoint)
secret = barbican.secrets.create(name='bridgeaccept', payload=payload)
ref = secret.store()
got = barbican.secrets.get(ref).payload
listed = len(barbican.secrets.list(name='bridgeaccept'))
print(json.dumps({'ref': ref, 'payload': got, 'listed': listed}))
