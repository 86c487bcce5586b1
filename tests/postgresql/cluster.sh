#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: initdb under a temporary
# folder, one free loopback port, trust authentication on loopback only,
# no fsync (nothing in it outlives the run). PostgreSQL refuses to run as
# root, so under root it runs as the `postgres` user that Debian's package
# makes, owning the folder.
#
#   cluster.sh start [SECONDS]  prints shell lines to eval: PATRON_TEST_PG_URL
#                               (the maintenance database; tests create their
#                               own), PATRON_TEST_PG_DIR and PATRON_TEST_PG_BIN.
#                               A watchdog stops the cluster after SECONDS
#                               (default 3600) if nobody did.
#   cluster.sh stop DIR         stops it and removes the folder (safe to repeat)
#   cluster.sh pg_ctl DIR ARGS  runs pg_ctl on it as its owner (restart, stop, start)
#   cluster.sh run -- CMD...    start, run CMD with the variables exported, stop
#                               whatever happens; exits with CMD's status
set -euo pipefail

bin=${PATRON_TEST_PG_BIN:-}
if [ -z "$bin" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/initdb" ] && bin=$candidate
  done
fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "cluster.sh: no PostgreSQL server found (Debian: apt-get install postgresql)" >&2
  exit 1
fi

as_owner() { # DIR CMD...: runs CMD as the folder's owner
  local dir=$1; shift
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$(stat -c %U "$dir")" -- "$@"
  else
    "$@"
  fi
}

stop() { # DIR
  local dir=$1
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || true
  fi
  local watchdog=
  [ ! -f "$dir/watchdog.pid" ] || watchdog=$(cat "$dir/watchdog.pid")
  rm -rf "$dir"
  # Its own process group (setsid): the sleep goes with it. Not when the
  # watchdog itself is the one stopping.
  if [ -n "$watchdog" ] && [ "$watchdog" != "${PATRON_WATCHDOG_SELF:-}" ]; then
    kill -- "-$watchdog" 2>/dev/null || true
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() { # [SECONDS]
  local seconds=${1:-3600}
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/patron-pg-XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
  fi
  if ! as_owner "$dir" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
      --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    stop "$dir"
    return 1
  fi
  local port
  port=$(free_port)
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 32MB
log_min_messages = warning
CONF
  if ! as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
      >/dev/null 2>&1; then
    cat "$dir/server.log" >&2 || true
    stop "$dir"
    return 1
  fi
  # The watchdog: whatever happens to the caller, the cluster does not outlive
  # the time it was given.
  setsid bash -c 'sleep "$1"; PATRON_WATCHDOG_SELF=$$ exec "$2" stop "$3"' watchdog "$seconds" "$0" "$dir" \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/watchdog.pid"
  echo "PATRON_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
  echo "PATRON_TEST_PG_DIR=$dir"
  echo "PATRON_TEST_PG_BIN=$bin"
  echo "export PATRON_TEST_PG_URL PATRON_TEST_PG_DIR PATRON_TEST_PG_BIN"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop "$2" ;;
  pg_ctl) dir=$2; shift 2; as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" "$@" ;;
  run)
    shift
    [ "${1:-}" != "--" ] || shift
    lines=$(start 3600)
    eval "$lines"
    trap 'stop "$PATRON_TEST_PG_DIR"' EXIT INT TERM
    set +e
    "$@"
    status=$?
    exit "$status"
    ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
