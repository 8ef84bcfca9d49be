#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 server and removes the server afterwards.
#
#   scripts/with-postgres.sh COMMAND [ARGS...]
#
# The server lives in a temporary folder, listens on 127.0.0.1 on a free port and is stopped and
# deleted when the command ends, whether it passed, failed or was interrupted. The command sees:
#   CONVEYOR_TEST_POSTGRES   an Npgsql connection string to the server (superuser, trust auth)
#   CONVEYOR_TEST_PG_BIN     the folder holding pg_ctl, postgres, psql
#   CONVEYOR_TEST_PG_DATA    the data folder (cluster tests restart the server through pg_ctl)
#   CONVEYOR_TEST_PG_USER    the OS user that owns the data folder (pg_ctl must run as it)
#
# If CONVEYOR_TEST_POSTGRES is already set, the command runs against that server unchanged and
# nothing is provisioned. If no PostgreSQL binaries are found, postgresql-15 is installed through
# apt-get (which needs root).
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

if [[ -n "${CONVEYOR_TEST_POSTGRES:-}" ]]; then
  exec "$@"
fi

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/pg_ctl" && -x "$dir/initdb" && -x "$dir/postgres" ]]; then
      echo "$dir"
      return 0
    fi
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return 0
  fi
  return 1
}

if ! bin=$(find_bin); then
  echo "with-postgres: PostgreSQL binaries not found; installing postgresql-15 with apt-get" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "with-postgres: installing PostgreSQL needs root (or set CONVEYOR_TEST_POSTGRES)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql-15 postgresql-client-15 >&2 \
    || apt-get install -y -qq postgresql postgresql-client >&2
  # The package starts a cluster of its own on port 5432; the tests do not use it.
  bin=$(find_bin) || { echo "with-postgres: PostgreSQL still not found after apt-get" >&2; exit 1; }
fi
psql_bin="$bin/psql"
[[ -x "$psql_bin" ]] || psql_bin=$(command -v psql || true)

# PostgreSQL refuses to run as root: run the server as the postgres user then.
run_as=()
pg_user=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  pg_user=postgres
  run_as=(runuser -u postgres --)
fi

base=$(mktemp -d /tmp/conveyor-pg.XXXXXX)
chmod 755 "$base"
data="$base/data"
sock="$base/sock"
mkdir -p "$sock"
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$base"

free_port() {
  local port tries=0
  while (( tries < 200 )); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
    tries=$(( tries + 1 ))
  done
  echo "with-postgres: no free port found" >&2
  return 1
}
port=$(free_port)

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -f "$data/postmaster.pid" ]]; then
    "${run_as[@]}" "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$base"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${run_as[@]}" "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-instructions >"$base/initdb.log" 2>&1 \
  || { cat "$base/initdb.log" >&2; exit 1; }

# Listen on loopback only, with room for the parallel test suites and the cluster tests.
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 400
shared_buffers = 256MB
logging_collector = off
EOF

"${run_as[@]}" "$bin/pg_ctl" -D "$data" -l "$base/server.log" -w -t 60 start >/dev/null \
  || { cat "$base/server.log" >&2; exit 1; }

export CONVEYOR_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
export CONVEYOR_TEST_PG_BIN="$bin"
export CONVEYOR_TEST_PG_DATA="$data"
export CONVEYOR_TEST_PG_USER="$pg_user"
export CONVEYOR_TEST_PG_LOG="$base/server.log"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($data)" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
