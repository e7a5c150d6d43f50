#!/usr/bin/env bash
# Stop the FlashSale-local Redis and PostgreSQL started by services-up.sh.
# Idempotent. Only touches instances whose state lives in $ROOT/.services
# (never a system Redis/PostgreSQL). Data is kept (Redis AOF, PG data dir).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${FLASHSALE_STATE_DIR:-$ROOT/.services}"
ONLY="${FLASHSALE_ONLY:-}"   # redis|postgres: stop just that one
REDIS_PORT="${FLASHSALE_REDIS_PORT:-6390}"
PG_PORT="${FLASHSALE_PG_PORT:-5440}"
PG_BIN="/usr/lib/postgresql/15/bin"

log() { echo "[services-down] $*"; }

. "$ROOT/scripts/proc-alive.sh"

if [[ -z "$ONLY" || "$ONLY" == redis ]]; then
# ---------------------------------------------------------------- Redis ----
REDIS_DIR="$STATE/redis"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"

redis_pid_alive() {
  [[ -f "$REDIS_PIDFILE" ]] || return 1
  proc_alive "$(cat "$REDIS_PIDFILE" 2>/dev/null || true)" redis
}

if command -v redis-cli >/dev/null; then
  # Is the instance on $REDIS_PORT ours? (its working dir is our state dir)
  dir="$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" config get dir 2>/dev/null | sed -n 2p || true)"
  if [[ -n "$dir" && "$(cd "$dir" 2>/dev/null && pwd -P)" == "$(cd "$REDIS_DIR" 2>/dev/null && pwd -P)" ]]; then
    log "stopping Redis on 127.0.0.1:$REDIS_PORT"
    # NOSAVE skips the RDB snapshot; the AOF is still flushed and fsynced.
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  elif [[ -n "$dir" ]]; then
    log "Redis on port $REDIS_PORT is not ours (dir=$dir); leaving it alone"
  fi
fi
if redis_pid_alive; then
  pid="$(cat "$REDIS_PIDFILE")"
  for _ in $(seq 1 50); do redis_pid_alive || break; sleep 0.2; done
  if redis_pid_alive; then
    log "Redis pid $pid still alive; sending SIGTERM"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do redis_pid_alive || break; sleep 0.2; done
  fi
fi
redis_pid_alive || rm -f "$REDIS_PIDFILE"
log "Redis stopped"

fi

if [[ -z "$ONLY" || "$ONLY" == redis ]]; then
# ------------------------------------------ Redis Cluster and Sentinels ----
# Every node and Sentinel started by redis-topologies-up.sh keeps its pid file under $STATE.
shopt -s nullglob
for pidfile in "$STATE"/cluster/*/redis.pid "$STATE"/sentinel/*/redis.pid "$STATE"/sentinel/*/sentinel.pid; do
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  if proc_alive "$pid" redis; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do proc_alive "$pid" redis || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
done
shopt -u nullglob
log "Redis Cluster and Sentinels stopped"
fi

if [[ -z "$ONLY" || "$ONLY" == postgres ]]; then
# ----------------------------------------------------------- PostgreSQL ----
PG_DATA=""
[[ -f "$STATE/pg.datadir" ]] && PG_DATA="$(cat "$STATE/pg.datadir")"
[[ -z "$PG_DATA" ]] && PG_DATA="$STATE/pg/data"

if [[ -f "$PG_DATA/postmaster.pid" && -x "$PG_BIN/pg_ctl" ]]; then
  owner="$(stat -c %U "$PG_DATA")"
  if [[ "$(id -u)" == 0 && "$owner" != root ]]; then
    as_pg() { (cd / && runuser -u "$owner" -- "$@"); }
  else
    as_pg() { (cd / && "$@"); }
  fi
  pid="$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)"
  if proc_alive "$pid" postgres && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "stopping PostgreSQL (data $PG_DATA)"
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null
  fi
fi
log "PostgreSQL stopped"
fi
