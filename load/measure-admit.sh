#!/usr/bin/env bash
# Admit endpoint vs. the bare Kestrel + EVALSHA baseline, back to back, with wrk (README "Performance").
# Builds both in Release, starts them on free ports against the Redis/PostgreSQL of scripts/services-env.sh,
# creates one sale with a large stock (every request is admitted), runs wrk against each in turn, prints the
# ratio, then stops both and deletes the sale's Redis keys.
#   DURATION=20s CONNECTIONS=128 THREADS=2 ROUNDS=2 STOCK=10000000 ROLE=edge bash load/measure-admit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services-env.sh
DURATION="${DURATION:-20s}"; CONNECTIONS="${CONNECTIONS:-128}"; THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-2}"
STOCK="${STOCK:-10000000}"; ROLE="${ROLE:-edge}"
REDIS_CONF="${FlashSale__Redis__Configuration}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
dotnet build load/FlashSale.Baseline -c Release -v q -nologo >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SVC_PORT=$(free_port); BASE_PORT=$(free_port)
LOGS=$(mktemp -d)
ASPNETCORE_ENVIRONMENT=Development dotnet src/FlashSale.Service/bin/Release/net10.0/FlashSale.Service.dll \
  --urls "http://127.0.0.1:$SVC_PORT" --role "$ROLE" --Logging:LogLevel:Default=Warning >"$LOGS/service.log" 2>&1 &
SVC_PID=$!
dotnet load/FlashSale.Baseline/bin/Release/net10.0/FlashSale.Baseline.dll --urls "http://127.0.0.1:$BASE_PORT" >"$LOGS/baseline.log" 2>&1 &
BASE_PID=$!
SALE=""
cleanup() {
  kill "$SVC_PID" "$BASE_PID" 2>/dev/null || true
  wait "$SVC_PID" "$BASE_PID" 2>/dev/null || true
  if [ -n "$SALE" ]; then
    for k in meta remaining users claims queue dead released; do redis-cli -u "redis://${REDIS_CONF%%,*}" UNLINK "fs:{$SALE}:$k" >/dev/null; done
    redis-cli -u "redis://${REDIS_CONF%%,*}" SREM fs:active-sales "$SALE" >/dev/null
  fi
}
trap cleanup EXIT
for port in "$SVC_PORT" "$BASE_PORT"; do
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
done

A='Authorization: Bearer dev-admin-key'
START=$(date -u -d '-1 min' +%FT%TZ); END=$(date -u -d '+2 hour' +%FT%TZ)
SALE=$(curl -sf -X POST "http://127.0.0.1:$SVC_PORT/admin/sales" -H "$A" -H 'Content-Type: application/json' \
  -d "{\"sku\":\"BENCH\",\"name\":\"admit benchmark\",\"stock\":$STOCK,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$START\",\"endsAt\":\"$END\"}" \
  | sed 's/.*"saleId":"\([^"]*\)".*/\1/')
curl -sf -o /dev/null -X POST "http://127.0.0.1:$SVC_PORT/admin/sales/$SALE/preload" -H "$A"
# Edge only: no worker of ours drains this queue, and no other process's worker should poll it either.
[ "$ROLE" = edge ] && redis-cli -u "redis://${REDIS_CONF%%,*}" SREM fs:active-sales "$SALE" >/dev/null
echo "sale $SALE (stock $STOCK), service role $ROLE on :$SVC_PORT, baseline on :$BASE_PORT; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"

run() { # name port
  RUN_TAG="$1-$RANDOM$RANDOM" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s load/wrk/claim.lua \
    "http://127.0.0.1:$2/sales/$SALE/claims" > "$LOGS/$1.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$LOGS/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$LOGS/$1.txt"); p99=$(awk '$1=="99%" {print $2}' "$LOGS/$1.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$LOGS/$1.txt"); non2xx=${non2xx:-0}
  printf '%-9s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "$non2xx"
  echo "$rps" >> "$LOGS/$1.rps"
}
# Warm both (JIT, connection pools) before measuring.
DURATION=5s run baseline "$BASE_PORT" >/dev/null; DURATION=5s run service "$SVC_PORT" >/dev/null
rm -f "$LOGS"/*.rps
for r in $(seq "$ROUNDS"); do
  run baseline "$BASE_PORT"
  run service "$SVC_PORT"
done
awk -v b="$(paste -sd+ "$LOGS/baseline.rps" | bc -l)" -v s="$(paste -sd+ "$LOGS/service.rps" | bc -l)" \
  'BEGIN { printf "admit endpoint / bare EVALSHA baseline = %.1f%% (sum over rounds)\n", 100 * s / b }'
echo "redis used_memory after: $(redis-cli -u "redis://${REDIS_CONF%%,*}" INFO memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r') bytes"
