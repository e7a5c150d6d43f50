#!/usr/bin/env bash
# One hot sale on the local Redis Cluster (3 masters), its stock in 1 pool and in 3 pools (poolShards, docs/hot-sales.md
# §3), measured side by side in one run with wrk: req/s and p99 of the claim endpoint (the service, --role edge, on the
# same box), and on each master its CPU per admit (INFO cpu over the wrk run, divided by the admits that master made).
# A master's admit capacity is one core over its CPU per admit; the sale's is the sum over the masters its pools use.
#   DURATION=15s CONNECTIONS=128 THREADS=2 ROUNDS=2 SHARDS="1 3" STOCK=10000000 bash load/measure-pool-shards.sh
# Needs the cluster of scripts/redis-topologies-up.sh (make services-up). Ratios of one run are what to compare.
# PER_POOL=1 gives each pool the same offered concurrency: wrk opens CONNECTIONS per pool (3 pools, 3x CONNECTIONS), so
# each pool's lane batches as many claims per call as the one pool's does, and a master's CPU per admit is compared at
# the same batch size (Redis's cost per admit falls as a call carries more claims).
# SERVICE_ARGS adds command-line arguments to the service: SERVICE_ARGS=--FlashSale:Redis:AdmitBatch=1 sends each claim
# in its own call, so a master's CPU per admit does not depend on how many claims its lane batches (at one offered
# load, one pool's lane gathers three times the claims per call that each of three pools' lanes does).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services-env.sh
DURATION="${DURATION:-15s}"; CONNECTIONS="${CONNECTIONS:-128}"; THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-2}"
SHARDS="${SHARDS:-1 3}"; STOCK="${STOCK:-10000000}"; WARMUP="${WARMUP:-10s}"; PER_POOL="${PER_POOL:-0}"
ADMIN_KEY="bench-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export STOREFRONT_KEY="bench-storefront-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
FIRST="127.0.0.1:${FLASHSALE_TEST_REDIS_CLUSTER_FIRST_PORT}"
mapfile -t MASTERS < <(redis-cli -u "redis://$FIRST" CLUSTER NODES | awk '$3 ~ /master/ && $3 !~ /fail/ {split($2, a, "@"); print a[1]}' | sort)
[ "${#MASTERS[@]}" -ge 3 ] || { echo "the local cluster has ${#MASTERS[@]} masters, not 3: make services-up" >&2; exit 2; }

dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
LOGS=$(mktemp -d)
PORT=$(free_port)
env ASPNETCORE_ENVIRONMENT=Production FlashSale__AdminKey="$ADMIN_KEY" FlashSale__StorefrontKey="$STOREFRONT_KEY" \
  dotnet src/FlashSale.Service/bin/Release/net10.0/FlashSale.Service.dll \
  --contentRoot "$PWD/src/FlashSale.Service/bin/Release/net10.0" --urls "http://127.0.0.1:$PORT" --role edge \
  --Logging:LogLevel:Default=Warning --FlashSale:Redis:Configuration="$FLASHSALE_TEST_REDIS_CLUSTER" ${SERVICE_ARGS:-} >"$LOGS/service.log" 2>&1 &
PID=$!
declare -A SALE_OF
unregister() { # sale: its pools out of the workers' registry (Pool/ActiveSales.cs), on whichever masters hold it
  local m key
  for m in "${MASTERS[@]}"; do
    redis-cli -u "redis://$m" --scan --pattern "fs:active-sales:*" | while read -r key; do
      redis-cli -u "redis://$m" SMEMBERS "$key" | grep "^$1" | xargs -r redis-cli -u "redis://$m" SREM "$key" >/dev/null 2>&1 || true
    done
  done
}
cleanup() {
  kill "$PID" 2>/dev/null || true; wait 2>/dev/null || true
  # Every key of the run's sales, on every master (a sale of several pools has keys on several).
  for sale in "${SALE_OF[@]}"; do
    for m in "${MASTERS[@]}"; do
      redis-cli -u "redis://$m" --scan --pattern "fs:{$sale*" | xargs -r -n 1 redis-cli -u "redis://$m" UNLINK >/dev/null 2>&1 || true
    done
    unregister "$sale"
  done
}
trap cleanup EXIT
for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done

A="Authorization: Bearer $ADMIN_KEY"
START=$(date -u -d '-1 min' +%FT%TZ); END=$(date -u -d '+2 hour' +%FT%TZ)
for n in $SHARDS; do
  SALE_OF[$n]=$(curl -sf -X POST "http://127.0.0.1:$PORT/admin/sales" -H "$A" -H 'Content-Type: application/json' \
    -d "{\"sku\":\"SHARDS\",\"name\":\"pool shards benchmark\",\"stock\":$STOCK,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$START\",\"endsAt\":\"$END\",\"poolShards\":$n}" \
    | sed 's/.*"saleId":"\([^"]*\)".*/\1/')
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$PORT/admin/sales/${SALE_OF[$n]}/preload" -H "$A"
done
# Edge only: no worker drains these queues; take the pools out of the registry so no other process's worker reads them.
for sale in "${SALE_OF[@]}"; do unregister "$sale"; done
echo "stock $STOCK, pools: $SHARDS; masters ${MASTERS[*]}; wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds"

master_cpu() { redis-cli -u "redis://$1" INFO cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.4f", s}'; }
master_admits() { # master sale: units admitted by the sale's pools on that master
  local total=0 key v
  while read -r key; do
    [ -n "$key" ] || continue
    v=$(redis-cli -u "redis://$1" HGET "$key" admitted); total=$((total + ${v:-0}))
  done < <(redis-cli -u "redis://$1" --scan --pattern "fs:{$2*}:meta")
  echo "$total"
}
batch_stats() { curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^flashsale_admit_batch_claims_count/ {c = $2} /^flashsale_admit_batch_claims_sum/ {s = $2} END {print c + 0, s + 0}'; }
run() { # shards
  local n=$1 sale=${SALE_OF[$1]} m i c0=() a0=() c1 a1 line="" cap=0 b0 b1
  for i in "${!MASTERS[@]}"; do c0[$i]=$(master_cpu "${MASTERS[$i]}"); a0[$i]=$(master_admits "${MASTERS[$i]}" "$sale"); done
  b0=$(batch_stats)
  local connections=$CONNECTIONS
  [ "$PER_POOL" = 1 ] && connections=$((CONNECTIONS * n))
  RUN_TAG="p$n-$RANDOM$RANDOM" wrk -t"$THREADS" -c"$connections" -d"$DURATION" --latency -s load/wrk/claim.lua \
    "http://127.0.0.1:$PORT/sales/$sale/claims" > "$LOGS/p$n.txt"
  for i in "${!MASTERS[@]}"; do
    m=${MASTERS[$i]}; c1=$(master_cpu "$m"); a1=$(master_admits "$m" "$sale")
    local admits=$((a1 - ${a0[$i]})) us
    if [ "$admits" -gt 0 ]; then
      us=$(echo "($c1 - ${c0[$i]}) * 1000000 / $admits" | bc -l)
      cap=$(echo "$cap + 1000000 / $us" | bc -l)
      line+=$(printf '   %s %6d admits %5.1f us/admit' "$m" "$admits" "$us")
    fi
  done
  b1=$(batch_stats)
  line+=$(echo "$b0 $b1" | awk '{ if ($3 > $1) printf "   claims/call %.1f", ($4 - $2) / ($3 - $1) }')
  local rps p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$LOGS/p$n.txt"); p99=$(awk '$1=="99%" {print $2}' "$LOGS/p$n.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$LOGS/p$n.txt"); non2xx=${non2xx:-0}
  printf 'pools %-2s -c%-4s %10s req/s   p99 %8s   non-2xx %s   capacity %8.0f admits/s%s   load %s\n' \
    "$n" "$connections" "$rps" "$p99" "$non2xx" "$cap" "$line" "$(cut -d' ' -f1 /proc/loadavg)"
  echo "$rps" >> "$LOGS/p$n.rps"; echo "$cap" >> "$LOGS/p$n.cap"
}
for n in $SHARDS; do DURATION=$WARMUP run "$n" >/dev/null; done
rm -f "$LOGS"/*.rps "$LOGS"/*.cap
for _ in $(seq "$ROUNDS"); do for n in $SHARDS; do run "$n"; done; done
sum() { paste -sd+ "$1" | bc -l; }
first=${SHARDS%% *}
echo "--- ratios to $first pool(s) (summed over rounds)"
for n in $SHARDS; do
  awk -v r="$(sum "$LOGS/p$n.rps")" -v r1="$(sum "$LOGS/p$first.rps")" -v c="$(sum "$LOGS/p$n.cap")" -v c1="$(sum "$LOGS/p$first.cap")" -v n="$n" \
    'BEGIN { printf "pools %-2s Redis admit capacity %.2fx   req/s %.2fx\n", n, c / c1, r / r1 }'
done
