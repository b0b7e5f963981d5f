"""A stand-in for neutron, for bench/serve.sh: only the versions app of
neutron's api-paste.ini (neutron.pecan_wsgi.app:versions_factory), so
that the Python side serves the same paste file as pasteserve. Debian's
neutron package would pull in its database and messaging stack; this
is the reply it gives, not its code (see pecan_wsgi/app.py).
"""
