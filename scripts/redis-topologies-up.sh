#!/usr/bin/env bash
# Start (if needed) the two Redis topologies besides the single node: a local Redis Cluster of 3 masters and
# 3 replicas, and a primary with one replica watched by 3 Sentinels. Loopback ports of our own, data under
# $STATE, idempotent: safe to run again, after a crash, or after a fault test promoted a replica.
#
# Env overrides: FLASHSALE_CLUSTER_PORT (first of 6 ports, default 7101), FLASHSALE_SENTINEL_DATA_PORT (first of 2,
# default 6393), FLASHSALE_SENTINEL_PORT (first of 3, default 26393), FLASHSALE_SENTINEL_NAME (default flashsale),
# FLASHSALE_STATE_DIR, FLASHSALE_ONLY=cluster|sentinel (start one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${FLASHSALE_STATE_DIR:-$ROOT/.services}"
CLUSTER_PORT="${FLASHSALE_CLUSTER_PORT:-7101}"
DATA_PORT="${FLASHSALE_SENTINEL_DATA_PORT:-6393}"
SENTINEL_PORT="${FLASHSALE_SENTINEL_PORT:-26393}"
NAME="${FLASHSALE_SENTINEL_NAME:-flashsale}"
ONLY="${FLASHSALE_ONLY:-}"

log() { echo "[redis-topologies] $*"; }
die() { echo "[redis-topologies] ERROR: $*" >&2; exit 1; }

command -v redis-server >/dev/null || die "redis-server missing: run scripts/services-up.sh first"

ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == PONG ]]; }

wait_ping() {
  local port="$1" log_file="$2" deadline=$((SECONDS + 20))
  until ping "$port"; do
    if (( SECONDS >= deadline )); then tail -n 30 "$log_file" >&2 2>/dev/null || true; die "nothing answers on port $port"; fi
    sleep 0.1
  done
}

# start_node PORT DIR EXTRA_ARGS...: a daemonized redis-server with its AOF in DIR, unless one answers already.
start_node() {
  local port="$1" dir="$2"; shift 2
  ping "$port" && return 0
  mkdir -p "$dir"
  rm -f "$dir/redis.pid"
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes --appendfsync everysec --save '' \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" "$@" \
    || { tail -n 30 "$dir/redis.log" >&2 2>/dev/null || true; die "redis-server on $port failed to start"; }
  wait_ping "$port" "$dir/redis.log"
}

info_field() { redis-cli -h 127.0.0.1 -p "$1" "${@:3}" 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"; }

if [[ -z "$ONLY" || "$ONLY" == cluster ]]; then
  ports=()
  for i in 0 1 2 3 4 5; do ports+=($((CLUSTER_PORT + i))); done
  for port in "${ports[@]}"; do
    # A short node timeout makes a killed master's failover (and the fault tests) take seconds, not 15 s.
    start_node "$port" "$STATE/cluster/$port" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout 2000 --cluster-replica-validity-factor 0 --appenddirname aof
  done
  known="$(info_field "${ports[0]}" cluster_known_nodes cluster info)"
  if [[ "$known" == 1 ]]; then
    log "creating the cluster on ports ${ports[*]}"
    addrs=(); for port in "${ports[@]}"; do addrs+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$STATE/cluster/create.log" 2>&1 \
      || { cat "$STATE/cluster/create.log" >&2; die "redis-cli --cluster create failed"; }
  fi
  deadline=$((SECONDS + 30))
  # Ready when every slot is served and each of the 3 masters has its replica attached.
  until [[ "$(info_field "${ports[0]}" cluster_state cluster info)" == ok \
        && "$(redis-cli -p "${ports[0]}" cluster nodes 2>/dev/null | grep -v fail | grep -c slave)" -ge 3 ]]; do
    (( SECONDS < deadline )) || { redis-cli -p "${ports[0]}" cluster nodes >&2 || true; die "the cluster is not ok after 30 s"; }
    sleep 0.2
  done
  log "Redis Cluster ok on 127.0.0.1:${ports[0]}..${ports[5]}"
fi

if [[ -z "$ONLY" || "$ONLY" == sentinel ]]; then
  data=("$DATA_PORT" "$((DATA_PORT + 1))")
  sentinels=("$SENTINEL_PORT" "$((SENTINEL_PORT + 1))" "$((SENTINEL_PORT + 2))")
  # The primary is whoever the running Sentinels say it is (a fault test may have promoted the replica), else a
  # running data node that is a master, else the first port.
  master=""
  for s in "${sentinels[@]}"; do
    if ping "$s"; then
      master="$(redis-cli -p "$s" sentinel get-master-addr-by-name "$NAME" 2>/dev/null | sed -n 2p | tr -d '\r')"
      [[ -n "$master" ]] && break
    fi
  done
  if [[ -z "$master" ]]; then
    for port in "${data[@]}"; do
      if ping "$port" && [[ "$(info_field "$port" role info replication)" == master ]]; then master="$port"; break; fi
    done
  fi
  master="${master:-${data[0]}}"
  for port in "${data[@]}"; do
    if [[ "$port" == "$master" ]]; then
      start_node "$port" "$STATE/sentinel/$port"
    else
      start_node "$port" "$STATE/sentinel/$port" --replicaof 127.0.0.1 "$master"
    fi
  done
  for s in "${sentinels[@]}"; do
    ping "$s" && continue
    dir="$STATE/sentinel/s$s"
    mkdir -p "$dir"
    # A Sentinel rewrites its own file; a fresh one per start points it at today's primary.
    cat >"$dir/sentinel.conf" <<EOF
port $s
bind 127.0.0.1
dir $dir
sentinel monitor $NAME 127.0.0.1 $master 2
sentinel down-after-milliseconds $NAME 1000
sentinel failover-timeout $NAME 5000
sentinel parallel-syncs $NAME 1
EOF
    rm -f "$dir/sentinel.pid"
    redis-server "$dir/sentinel.conf" --sentinel --daemonize yes --pidfile "$dir/sentinel.pid" --logfile "$dir/sentinel.log" \
      || die "sentinel on $s failed to start"
    wait_ping "$s" "$dir/sentinel.log"
  done
  deadline=$((SECONDS + 30))
  until [[ "$(info_field "$master" master_link_status info replication)" == "" \
        && "$(info_field "$master" connected_slaves info replication)" -ge 1 ]]; do
    (( SECONDS < deadline )) || die "the Sentinel-managed replica did not attach to 127.0.0.1:$master within 30 s"
    sleep 0.2
  done
  # A failover needs the Sentinels to know the replica and each other (they learn both within seconds of a start):
  # until then a dead primary would only be "subjectively down".
  sentinel_knows() {
    local s="$1" info
    info="$(redis-cli -p "$s" sentinel master "$NAME" 2>/dev/null | tr -d '\r' | paste - - )"
    [[ "$(awk '$1=="num-slaves"{print $2}' <<<"$info")" -ge 1 && "$(awk '$1=="num-other-sentinels"{print $2}' <<<"$info")" -ge 2 ]]
  }
  deadline=$((SECONDS + 30))
  for s in "${sentinels[@]}"; do
    until sentinel_knows "$s"; do
      (( SECONDS < deadline )) || die "Sentinel $s does not know the replica and the other Sentinels after 30 s"
      sleep 0.2
    done
  done
  log "Sentinels on 127.0.0.1:${sentinels[0]}..${sentinels[2]} watch '$NAME' (primary 127.0.0.1:$master)"
fi
