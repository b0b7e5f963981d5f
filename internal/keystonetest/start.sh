#!/bin/sh
# start.sh starts a throw-away Keystone (Debian's keystone package) on
# 127.0.0.1, for pasteserve's auth_token integration test and for trying
# auth_token by hand:
#
#	internal/keystonetest/start.sh [DIR]
#
# DIR (default: a new mktemp -d) holds keystone.conf, the sqlite
# database, the fernet and credential keys and the logs. Keystone is
# bootstrapped with user admin / password $KEYSTONE_ADMIN_PASSWORD
# (default s3cret) in project admin, domain Default, and served by uwsgi
# on a port the kernel finds free (not Keystone's usual 35357 or 5000,
# which a real Keystone may hold). DIR/uwsgi.pid holds uwsgi's pid as
# soon as it starts. When Keystone answers, the script prints, one per
# line,
#
#	KEYSTONE_URL=http://127.0.0.1:PORT/v3
#	KEYSTONE_PID=<uwsgi master pid>
#	KEYSTONE_DIR=<DIR>
#
# and exits, leaving uwsgi running. Stop it with kill <pid> (uwsgi runs
# with --die-on-term, so SIGTERM to the master stops it and its worker).
# Needs keystone-manage and uwsgi with the python3 plugin on PATH:
#
#	apt-get install -y --no-install-recommends keystone uwsgi-plugin-python3
#
# Every wait is bounded; any failure exits non-zero with the log's tail.
set -eu

for cmd in keystone-manage uwsgi; do
	command -v "$cmd" >/dev/null || { echo "start.sh: $cmd is not on PATH" >&2; exit 2; }
done
# keystone-manage runs under Debian's python; use the same for the port.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

D=${1:-$(mktemp -d "${TMPDIR:-/tmp}/pasteserve-keystone.XXXXXX")}
mkdir -p "$D/fernet-keys" "$D/credential-keys"
PASSWORD=${KEYSTONE_ADMIN_PASSWORD:-s3cret}

cat >"$D/keystone.conf" <<CONF
[DEFAULT]
log_dir = $D
[database]
connection = sqlite:///$D/keystone.db
[token]
provider = fernet
expiration = 3600
[fernet_tokens]
key_repository = $D/fernet-keys
[credential]
key_repository = $D/credential-keys
CONF

fail() {
	echo "start.sh: $1 (logs in $D)" >&2
	tail -n 30 "$D/setup.log" "$D/uwsgi.log" 2>/dev/null >&2 || true
	exit 1
}

# keystone-manage prints harmless eventlet tracebacks at exit; its exit
# status is what counts.
km() { keystone-manage --config-file "$D/keystone.conf" "$@" >>"$D/setup.log" 2>&1 || fail "keystone-manage $1 failed"; }
km db_sync
km fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
km credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"

# A free port: bind port 0 and read what the kernel chose. Another
# process could take it before uwsgi does; the readiness check below
# would then fail rather than talk to the wrong server, because it
# checks that our uwsgi is still alive.
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$PORT/v3"

km bootstrap --bootstrap-password "$PASSWORD" \
	--bootstrap-admin-url "$URL/" --bootstrap-internal-url "$URL/" --bootstrap-public-url "$URL/" \
	--bootstrap-region-id RegionOne

# sqlite's WAL journal, set before uwsgi opens the database (it stays
# set in the file): with the default rollback journal, a write after
# another write in the same worker (creating a role after a project,
# say) waits on a lock the worker itself holds and fails after 5 s with
# "database is locked", also with one process and one thread.
"$PY" -c 'import sqlite3, sys; print("journal_mode", sqlite3.connect(sys.argv[1]).execute("PRAGMA journal_mode=WAL").fetchone()[0])' \
	"$D/keystone.db" >>"$D/setup.log" 2>&1 || fail "could not switch keystone.db to WAL"

# One process, one thread, one connection a request. uwsgi's
# http-socket closes every connection after its answer without saying
# so; "Connection: close" says it, so that a client (Python's
# keystoneauth, as the openstack CLI and auth_token use it) does not
# send its next request on a connection that is gone and fail with
# "Connection reset by peer" (a POST is not sent again).
OS_KEYSTONE_CONFIG_FILES="$D/keystone.conf" uwsgi --plugin python3 --http-socket "127.0.0.1:$PORT" \
	--wsgi-file /usr/bin/keystone-wsgi-public --processes 1 --threads 1 --master --die-on-term \
	--add-header "Connection: close" \
	>"$D/uwsgi.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$D/uwsgi.pid"

# Ready when GET /v3 answers 200; at most 60 s.
i=0
while :; do
	kill -0 "$PID" 2>/dev/null || fail "uwsgi exited"
	if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$URL" 2>/dev/null; then
		break
	fi
	i=$((i + 1))
	[ "$i" -lt 120 ] || { kill "$PID" 2>/dev/null; fail "Keystone did not answer on $URL within 60 s"; }
	sleep 0.5
done

echo "KEYSTONE_URL=$URL"
echo "KEYSTONE_PID=$PID"
echo "KEYSTONE_DIR=$D"
