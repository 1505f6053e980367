#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests (the store, issue 16), on loopback only.
#
#   scripts/postgres.sh start [PORT]   create the cluster if absent, start it on 127.0.0.1:PORT (default
#                                      54329), make sure role and database exist; prints one line on
#                                      stdout, the URL for ESPOCRM_MCP_TEST_DATABASE_URL:
#                                      postgres://espo_mcp:espo_mcp_test@127.0.0.1:PORT/espo_mcp
#   scripts/postgres.sh stop           stop it (the cluster stays, the next start reuses it)
#
# The cluster lives in ${ESPOCRM_MCP_PG_DIR:-${TMPDIR:-/tmp}/espocrm-mcp-pg}: data/ (the cluster), log,
# and the Unix socket. Run as root, the directory belongs to the `postgres` user and initdb / pg_ctl run
# as that user (runuser), as they refuse to run as root; run as anyone else, the directory must be yours
# and they run as you. The binaries: the highest /usr/lib/postgresql/*/bin (Debian), else initdb on PATH.
#
# Authentication: trust over the socket (in a 0700 directory: its owner only), which this script uses
# as the superuser `postgres`; a password (scram-sha-256) over TCP, which the tests use as `espo_mcp`
# (CREATEDB, so each test file creates and drops its own database). fsync is off: test data only.
# Progress goes to stderr; the URL is the only line on stdout.
set -euo pipefail

ROLE=espo_mcp
PASSWORD=espo_mcp_test
DATABASE=espo_mcp
DEFAULT_PORT=54329

exec 3>&1 1>&2 # stdout is for the URL alone (fd 3); everything else, ours or the tools', to stderr
# (pg_ctl is started with fd 3 closed: the server it leaves running must not hold the caller's
# `$(scripts/postgres.sh start)` pipe open, or the caller waits for ever.)
say() { echo "postgres.sh: $*"; }
die() { say "$*"; exit 1; }

# PG* variables (PGHOST, PGPORT, PGUSER, PGOPTIONS...) of the caller would redirect psql and pg_ctl.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^PG' || true)

usage() { die "usage: $0 start [PORT] | stop"; }
command="${1:-}"
case "$command" in
  start) [ "$#" -le 2 ] || usage ;;
  stop) [ "$#" -eq 1 ] || usage ;;
  *) usage ;;
esac
PORT="${2:-$DEFAULT_PORT}"
[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1024 ] && [ "$PORT" -le 65535 ] || die "PORT must be a number from 1024 to 65535, not '$PORT'"

DIR="${ESPOCRM_MCP_PG_DIR:-${TMPDIR:-/tmp}/espocrm-mcp-pg}"
case "$DIR" in /*) ;; *) DIR="$PWD/$DIR" ;; esac
DIR="${DIR%/}"
DATA="$DIR/data"
LOG="$DIR/log"
# The socket path (DIR/.s.PGSQL.PORT) must fit in sun_path (107 bytes).
[ "${#DIR}" -le 90 ] || die "directory path too long for a Unix socket: $DIR (set ESPOCRM_MCP_PG_DIR to a shorter one)"

BIN=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ]; then BIN="$candidate"; break; fi
done
if [ -z "$BIN" ] && command -v initdb >/dev/null 2>&1; then BIN="$(dirname "$(command -v initdb)")"; fi
[ -n "$BIN" ] || die "no PostgreSQL found (/usr/lib/postgresql/*/bin or initdb on PATH): apt-get install postgresql"

if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (created by the postgresql package)"
  OWNER=postgres
  as_owner() { runuser -u postgres -- "$@"; }
else
  OWNER="$(id -un)"
  as_owner() { "$@"; }
fi
cd / # the owner may not be allowed in the caller's directory (runuser keeps it)

# The pid of the postmaster serving $DATA, if one runs (postmaster.pid can be stale: its pid dead, or
# reused by another process after a reboot or in a new container).
running_pid() {
  local pid cmdline
  [ -f "$DATA/postmaster.pid" ] || return 1
  pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  if [ -d /proc/self ]; then
    # Our postmaster was started as `postgres -D $DATA ...`; a pid reused by anything else was not.
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    [[ "$cmdline" == *" -D $DATA "* ]] || return 1
  else
    kill -0 "$pid" 2>/dev/null || return 1
  fi
  echo "$pid"
}
# The port the running postmaster listens on (line 4 of postmaster.pid).
running_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true; }

# psql as the superuser, over the socket.
admin_psql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres -d postgres "$@"; }

stop() {
  if [ ! -d "$DATA" ]; then say "no cluster in $DIR: nothing to stop"; return 0; fi
  if ! running_pid >/dev/null; then
    say "not running (cluster in $DIR)"
    return 0
  fi
  as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null
  say "stopped (cluster in $DIR)"
}

prepare_dir() {
  if [ ! -d "$DIR" ]; then
    if [ "$OWNER" = postgres ] && [ "$(id -u)" -eq 0 ]; then
      install -d -m 0700 -o postgres -g "$(id -gn postgres)" "$DIR"
    else
      mkdir -p -m 0700 "$DIR"
    fi
  elif [ "$(stat -c %U "$DIR")" != "$OWNER" ]; then
    if [ "$(id -u)" -eq 0 ]; then
      say "$DIR belongs to $(stat -c %U "$DIR"): giving it to postgres"
      chown -R postgres:"$(id -gn postgres)" "$DIR"
      chmod 0700 "$DIR"
    else
      die "$DIR belongs to $(stat -c %U "$DIR"), not to you ($OWNER): remove it or set ESPOCRM_MCP_PG_DIR"
    fi
  fi
  as_owner test -w "$DIR" -a -x "$DIR" || die "$OWNER cannot write to $DIR (is a parent directory closed to it?)"
}

init_cluster() {
  local major want
  want="$("$BIN/pg_ctl" --version | sed -E 's/^[^0-9]*([0-9]+).*/\1/')"
  if [ -d "$DATA" ]; then
    major="$(cat "$DATA/PG_VERSION" 2>/dev/null || true)"
    if [ -n "$major" ] && [ -f "$DATA/global/pg_control" ] && [ "$major" = "$want" ]; then
      return 0
    fi
    # An interrupted initdb, or a cluster of another major version: test data, start over.
    say "replacing the unusable cluster in $DATA (version '${major:-none}', binaries $want)"
    rm -rf -- "$DATA"
  fi
  say "initdb in $DATA (PostgreSQL $want, $BIN)"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 >"$LOG.initdb" 2>&1 \
    || { cat "$LOG.initdb"; die "initdb failed"; }
}

start() {
  local started_ns pid port
  started_ns="$(date +%s%N)"
  prepare_dir
  init_cluster

  if pid="$(running_pid)"; then
    port="$(running_port)"
    [ "$port" = "$PORT" ] || die "already running on port $port (pid $pid): run '$0 stop' first, or use port $port"
    say "already running on 127.0.0.1:$PORT (pid $pid)"
  else
    if [ -f "$DATA/postmaster.pid" ]; then
      say "removing the stale postmaster.pid (and socket lock files) left in $DATA"
      rm -f -- "$DATA/postmaster.pid" "$DIR"/.s.PGSQL.*
    fi
    say "starting on 127.0.0.1:$PORT (log: $LOG)"
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null 3>&-; then
      tail -n 20 "$LOG" || true
      die "the server did not start (port $PORT taken by something else?)"
    fi
  fi

  # Role and database, whatever state a previous run left them in.
  admin_psql <<SQL
SELECT format('CREATE ROLE %I', '$ROLE') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE')\gexec
ALTER ROLE $ROLE WITH LOGIN CREATEDB NOSUPERUSER PASSWORD '$PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$DATABASE', '$ROLE') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE')\gexec
ALTER DATABASE $DATABASE OWNER TO $ROLE;
SQL

  # The tests' own path: password over TCP.
  local url="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
  PGPASSWORD="$PASSWORD" PGCONNECT_TIMEOUT=5 "$BIN/psql" -X -q -At -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DATABASE" \
    -c 'SELECT 1' >/dev/null || die "cannot log in as $ROLE over TCP on 127.0.0.1:$PORT"
  say "ready in $(( ($(date +%s%N) - started_ns) / 1000000 )) ms"
  echo "$url" >&3
}

"$command"
