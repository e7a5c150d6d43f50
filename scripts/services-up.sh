#!/usr/bin/env bash
# Install (if needed) and start the local Redis and PostgreSQL used by FlashSale.
# Idempotent: safe to run repeatedly, and after a crash (stale pid files).
#
# Env overrides: FLASHSALE_REDIS_PORT (default 6390), FLASHSALE_PG_PORT (default 5440),
# FLASHSALE_STATE_DIR (default $ROOT/.services, gitignored), FLASHSALE_ONLY=redis|postgres (start one; redis
# includes the local Redis Cluster and Sentinels of scripts/redis-topologies-up.sh),
# FLASHSALE_REDIS_APPENDFSYNC=everysec|always (AOF fsync policy of a newly started Redis),
# FLASHSALE_TOPOLOGIES=0 (no Redis Cluster or Sentinels: the fault tests' own single-node stores).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${FLASHSALE_STATE_DIR:-$ROOT/.services}"
REDIS_PORT="${FLASHSALE_REDIS_PORT:-6390}"
PG_PORT="${FLASHSALE_PG_PORT:-5440}"
PG_MAJOR=15
ONLY="${FLASHSALE_ONLY:-}"
# everysec (default): an admitted claim survives a Redis crash unless the machine dies within ~1 s of it;
# always: fsync before every reply, so a 202 survives power loss too, at a measured cost (docs/redis.md, Durability of a 202).
REDIS_APPENDFSYNC="${FLASHSALE_REDIS_APPENDFSYNC:-everysec}"

log() { echo "[services-up] $*"; }
die() { echo "[services-up] ERROR: $*" >&2; exit 1; }

IS_ROOT=0
if [[ "$(id -u)" == 0 ]]; then IS_ROOT=1; fi

APT_UPDATED=0
apt_install() {
  [[ $IS_ROOT == 1 ]] || die "need to install '$*' but not running as root; install it manually"
  command -v apt-get >/dev/null || die "need to install '$*' but apt-get is not available"
  if [[ $APT_UPDATED == 0 ]]; then
    log "apt-get update"
    apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

mkdir -p "$STATE"

. "$ROOT/scripts/proc-alive.sh"

if [[ -z "$ONLY" || "$ONLY" == redis ]]; then
# ----------------------------------------------------------------------------
# Redis
# ----------------------------------------------------------------------------
REDIS_DIR="$STATE/redis"

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == "PONG" ]]; }

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  apt_install redis-server
fi

if redis_ping; then
  log "Redis already running on 127.0.0.1:$REDIS_PORT"
else
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_DIR/redis.pid"   # stale after a crash; redis rewrites it anyway
  log "starting redis-server on 127.0.0.1:$REDIS_PORT (dir $REDIS_DIR)"
  redis-server \
    --bind 127.0.0.1 \
    --port "$REDIS_PORT" \
    --dir "$REDIS_DIR" \
    --appendonly yes \
    --appendfsync "$REDIS_APPENDFSYNC" \
    --daemonize yes \
    --pidfile "$REDIS_DIR/redis.pid" \
    --logfile "$REDIS_DIR/redis.log" \
    --save '' \
    || { tail -n 30 "$REDIS_DIR/redis.log" >&2 2>/dev/null || true; die "redis-server failed to start"; }
  deadline=$((SECONDS + 20))
  until redis_ping; do
    if (( SECONDS >= deadline )); then
      tail -n 30 "$REDIS_DIR/redis.log" >&2 2>/dev/null || true
      die "Redis did not answer PING on port $REDIS_PORT within 20s"
    fi
    sleep 0.2
  done
  log "Redis is up"
fi

fi

if [[ ( -z "$ONLY" || "$ONLY" == redis ) && "${FLASHSALE_TOPOLOGIES:-1}" != 0 ]]; then
  # The other two topologies every feature is tested on: a Redis Cluster and a Sentinel-managed primary.
  FLASHSALE_ONLY="" bash "$ROOT/scripts/redis-topologies-up.sh"
fi

if [[ "$ONLY" == redis ]]; then echo "Redis: 127.0.0.1:$REDIS_PORT"; exit 0; fi

# ----------------------------------------------------------------------------
# PostgreSQL
# ----------------------------------------------------------------------------
PG_BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
if [[ ! -x "$PG_BIN/pg_ctl" ]]; then
  apt_install "postgresql-$PG_MAJOR"
fi
[[ -x "$PG_BIN/pg_ctl" ]] || die "PostgreSQL $PG_MAJOR binaries not found in $PG_BIN"

# Who runs the server: never root. As root use the 'postgres' OS user;
# otherwise the current user.
if [[ $IS_ROOT == 1 ]]; then
  PG_USER=postgres
  if ! id -u "$PG_USER" >/dev/null 2>&1; then
    log "creating system user $PG_USER"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash "$PG_USER"
  fi
  as_pg() { (cd / && runuser -u "$PG_USER" -- "$@"); }
else
  PG_USER="$(id -un)"
  as_pg() { (cd / && "$@"); }
fi

# Pick the base dir: $ROOT/.services/pg if PG_USER can reach it, else /var/tmp.
PG_BASE="$STATE/pg"
mkdir -p "$PG_BASE"
if [[ $IS_ROOT == 1 ]]; then chown "$PG_USER": "$PG_BASE"; fi
if ! as_pg test -w "$PG_BASE" -a -x "$PG_BASE"; then
  PG_BASE="/var/tmp/flashsale-pg-$PG_PORT"
  mkdir -p "$PG_BASE"
  if [[ $IS_ROOT == 1 ]]; then chown "$PG_USER": "$PG_BASE"; fi
  log "user $PG_USER cannot access $STATE/pg; using $PG_BASE instead"
fi
PG_DATA="$PG_BASE/data"
PG_SOCK="$PG_BASE/run"
PG_LOG="$PG_BASE/postgres.log"
# unix socket paths are limited to ~107 bytes
if (( ${#PG_SOCK} + 20 > 100 )); then
  PG_SOCK="/tmp/flashsale-pg-$PG_PORT-run"
fi
echo "$PG_DATA" > "$STATE/pg.datadir"   # read by services-down.sh
echo "$PG_SOCK" > "$STATE/pg.sockdir"

for d in "$PG_DATA" "$PG_SOCK"; do
  if [[ ! -d "$d" ]]; then
    mkdir -p "$d"
    chmod 700 "$d"
  fi
  if [[ $IS_ROOT == 1 ]]; then chown "$PG_USER": "$d"; fi
done

# Live postgres processes whose cwd is our data dir (postgres chdirs there).
pg_orphans() {
  local data p pid out=""
  data="$(cd "$PG_DATA" && pwd -P)"
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    [[ "$(readlink "$p/cwd" 2>/dev/null)" == "$data" ]] || continue
    proc_alive "$pid" postgres && out+="$pid "
  done
  echo "$out"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }

if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
  log "initdb $PG_DATA (as $PG_USER)"
  auth_local=peer
  # Non-root, non-postgres user: peer auth would not map to the 'postgres'
  # superuser; the socket dir is private (0700) so trust is acceptable.
  if [[ $IS_ROOT == 0 && "$PG_USER" != postgres ]]; then auth_local=trust; fi
  initdb_args=(-D "$PG_DATA" -U postgres --auth-local="$auth_local" --auth-host=scram-sha-256 -E UTF8)
  if ! as_pg "$PG_BIN/initdb" "${initdb_args[@]}" --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1; then
    log "initdb with --locale=C.UTF-8 failed, retrying with --locale=C"
    rm -rf "${PG_DATA:?}"/*
    as_pg "$PG_BIN/initdb" "${initdb_args[@]}" --locale=C >"$STATE/initdb.log" 2>&1 \
      || { cat "$STATE/initdb.log" >&2; die "initdb failed"; }
  fi
fi

if pg_ready; then
  log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
else
  # Stale postmaster.pid after a crash / kill -9?
  if [[ -f "$PG_DATA/postmaster.pid" ]]; then
    pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
    stale=0
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
      stale=1
    elif ! proc_alive "$pid" postgres; then
      stale=1   # zombie, or pid reused by an unrelated process
    fi
    if [[ $stale == 1 ]]; then
      # Backends of a killed postmaster exit on their own shortly; never start
      # a second postmaster while any of them still use the data dir.
      deadline=$((SECONDS + 15))
      while orphans="$(pg_orphans)" && [[ -n "$orphans" ]]; do
        (( SECONDS < deadline )) || die "old PostgreSQL processes still use $PG_DATA: $orphans (stop them first)"
        sleep 0.5
      done
      log "removing stale $PG_DATA/postmaster.pid (pid $pid not running)"
      rm -f "$PG_DATA/postmaster.pid"
    else
      # A postmaster for our data dir is alive (e.g. crash recovery): give it time.
      log "postmaster (pid $pid) is alive but not ready yet; waiting"
      deadline=$((SECONDS + 60))
      until pg_ready; do
        (( SECONDS >= deadline )) && { tail -n 30 "$PG_LOG" >&2 || true; die "PostgreSQL (pid $pid) not ready after 60s"; }
        sleep 0.5
      done
    fi
  fi

  # Same for the unix-socket lock file left behind by a killed postmaster.
  sock_lock="$PG_SOCK/.s.PGSQL.$PG_PORT.lock"
  if [[ -f "$sock_lock" ]] && ! proc_alive "$(head -n 1 "$sock_lock" 2>/dev/null || true)" postgres; then
    log "removing stale $sock_lock"
    rm -f "$sock_lock" "$PG_SOCK/.s.PGSQL.$PG_PORT"
  fi

  if ! pg_ready; then
    log "starting PostgreSQL $PG_MAJOR on 127.0.0.1:$PG_PORT (data $PG_DATA, as $PG_USER)"
    opts="-c listen_addresses=127.0.0.1 -p $PG_PORT -k '$PG_SOCK' -c max_connections=200 -c fsync=on -c shared_buffers=256MB"
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -o "$opts" -w -t 60 start >/dev/null; then
      tail -n 30 "$PG_LOG" >&2 || true
      die "pg_ctl start failed"
    fi
    deadline=$((SECONDS + 20))
    until pg_ready; do
      (( SECONDS >= deadline )) && { tail -n 30 "$PG_LOG" >&2 || true; die "PostgreSQL not ready on port $PG_PORT"; }
      sleep 0.2
    done
    log "PostgreSQL is up"
  fi
fi

# Role + databases (idempotent). Fast path: if flashsale can already log in to
# both databases over TCP there is nothing to do.
app_login_ok() {
  local db
  for db in flashsale flashsale_test; do
    PGPASSWORD=flashsale PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U flashsale -d "$db" \
      -tAc 'select 1' >/dev/null 2>&1 || return 1
  done
}

if app_login_ok; then
  log "role/databases flashsale, flashsale_test already present"
else
  log "ensuring role flashsale and databases flashsale, flashsale_test"
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flashsale') THEN
    CREATE ROLE flashsale LOGIN CREATEDB PASSWORD 'flashsale';
  ELSE
    ALTER ROLE flashsale LOGIN CREATEDB PASSWORD 'flashsale';
  END IF;
END
$$;
SELECT 'CREATE DATABASE flashsale OWNER flashsale'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'flashsale') \gexec
SELECT 'CREATE DATABASE flashsale_test OWNER flashsale'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'flashsale_test') \gexec
ALTER DATABASE flashsale OWNER TO flashsale;
ALTER DATABASE flashsale_test OWNER TO flashsale;
SQL
  app_login_ok || die "role flashsale still cannot log in to flashsale/flashsale_test over TCP"
fi

# ----------------------------------------------------------------------------
# promtool: checks docs/ops/alerts.yml (AlertRulesTests)
# ----------------------------------------------------------------------------
# Only the binary is wanted. Debian ships it in the prometheus package, whose postinst would start a Prometheus
# server (port 9090, none of ours) and enable it at boot: a policy-rc.d answering 101 ("not allowed") keeps it
# from starting, and the unit is disabled after.
if [[ -z "$ONLY" ]] && ! command -v promtool >/dev/null; then
  POLICY_RC=/usr/sbin/policy-rc.d
  PLACED_POLICY_RC=0
  if [[ $IS_ROOT == 1 && ! -e $POLICY_RC ]]; then
    trap 'rm -f "$POLICY_RC"' EXIT   # also when the install fails
    printf '#!/bin/sh\nexit 101\n' > "$POLICY_RC"
    chmod 755 "$POLICY_RC"
    PLACED_POLICY_RC=1
  fi
  # --no-install-recommends: not prometheus-node-exporter either.
  apt_install --no-install-recommends prometheus
  if [[ $PLACED_POLICY_RC == 1 ]]; then rm -f "$POLICY_RC"; trap - EXIT; fi
  if [[ -d /run/systemd/system ]]; then
    systemctl disable --now prometheus >/dev/null 2>&1 || true
  else
    # No systemd running: remove the boot links, and stop a server that a policy-rc.d of this machine let start.
    if command -v systemctl >/dev/null; then systemctl disable prometheus >/dev/null 2>&1 || true; fi
    if [[ -x /etc/init.d/prometheus ]]; then /etc/init.d/prometheus stop >/dev/null 2>&1 || true; fi
  fi
  command -v promtool >/dev/null || die "the prometheus package is installed but promtool is not on PATH"
  log "promtool installed ($(promtool --version 2>&1 | head -n 1))"
fi

echo "Redis: 127.0.0.1:$REDIS_PORT  PostgreSQL: Host=127.0.0.1;Port=$PG_PORT;Username=flashsale;Password=flashsale;Database=flashsale"
