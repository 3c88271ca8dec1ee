#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the test run.
#
#   PG_URL=$(.ci/pg.sh)        install Debian's postgresql if needed, start a cluster, print its URL
#   .ci/pg.sh stop             stop it and delete its folder
#
# Everything but the URL goes to stderr. Settings: PG_DIR (default /tmp/parkcrm-ci-pg), PG_PORT (55432).
# Runs as root (the cluster then belongs to the postgres user) or as an ordinary user.
set -euo pipefail
DIR=${PG_DIR:-/tmp/parkcrm-ci-pg}
PORT=${PG_PORT:-55432}
DB=parkcrm_test

log() { echo "pg.sh: $*" >&2; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

if [ "${1:-start}" = stop ]; then
  BIN=$(bin_dir)
  if [ -n "$BIN" ] && [ -f "$DIR/data/PG_VERSION" ]; then
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
  fi
  rm -rf "$DIR"
  exit 0
fi

if [ -z "$(bin_dir)" ]; then
  log "installing postgresql (apt-get)"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2
  $SUDO apt-get install -y -qq postgresql >&2
fi
BIN=$(bin_dir)

if [ -f "$DIR/data/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  log "already running in $DIR"
else
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
  log "initdb in $DIR"
  as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >&2 \
    || as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C >&2
  log "starting on 127.0.0.1:$PORT"
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off" start >&2
  as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres "$DB" >&2
fi
echo "postgresql://postgres@127.0.0.1:$PORT/$DB"
