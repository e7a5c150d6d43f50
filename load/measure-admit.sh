#!/usr/bin/env bash
# Admit endpoint vs. the bare Kestrel + EVALSHA baseline, back to back, with wrk (docs/performance.md).
# Builds both in Release, starts them on free ports against the Redis/PostgreSQL of scripts/services-env.sh,
# creates one sale with a large stock (every request is admitted), runs wrk against each in turn, prints the
# ratio, then stops both and deletes the sale's Redis keys.
# Besides req/s it prints each app's CPU time per request (utime + stime from /proc over the wrk run, divided by
# the requests wrk completed) and Redis's: on a shared machine that figure moves far less than req/s.
#   DURATION=20s CONNECTIONS=128 THREADS=2 ROUNDS=2 STOCK=10000000 ROLE=edge WARMUP=10s bash load/measure-admit.sh
# The service runs as deployed (ASPNETCORE_ENVIRONMENT=Production: JSON logs, no developer pages) with keys made
# for the run; ENVIRONMENT=Development runs it with the Development defaults instead.
# SERVICE_ARGS adds command-line arguments to the service (e.g. a configuration setting to compare);
# SERVICE_ENV adds environment variables to the service only (e.g. SERVICE_ENV="DOTNET_GCgen0size=0x4000000").
set -euo pipefail
# shellcheck source=load/active-sales.sh
source "$(dirname "$0")/active-sales.sh"
cd "$(dirname "$0")/.."
source scripts/services-env.sh
DURATION="${DURATION:-20s}"; CONNECTIONS="${CONNECTIONS:-128}"; THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-2}"
STOCK="${STOCK:-10000000}"; ROLE="${ROLE:-edge}"; WARMUP="${WARMUP:-10s}"; ENVIRONMENT="${ENVIRONMENT:-Production}"
ADMIN_KEY="bench-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export STOREFRONT_KEY="bench-storefront-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
REDIS_CONF="${FlashSale__Redis__Configuration}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
dotnet build load/FlashSale.Baseline -c Release -v q -nologo >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SVC_PORT=$(free_port); BASE_PORT=$(free_port)
LOGS=$(mktemp -d)
env ASPNETCORE_ENVIRONMENT="$ENVIRONMENT" FlashSale__AdminKey="$ADMIN_KEY" FlashSale__StorefrontKey="$STOREFRONT_KEY" ${SERVICE_ENV:-} dotnet src/FlashSale.Service/bin/Release/net10.0/FlashSale.Service.dll \
  --contentRoot "$PWD/src/FlashSale.Service/bin/Release/net10.0" --urls "http://127.0.0.1:$SVC_PORT" --role "$ROLE" --Logging:LogLevel:Default=Warning ${SERVICE_ARGS:-} >"$LOGS/service.log" 2>&1 &
SVC_PID=$!
dotnet load/FlashSale.Baseline/bin/Release/net10.0/FlashSale.Baseline.dll --urls "http://127.0.0.1:$BASE_PORT" >"$LOGS/baseline.log" 2>&1 &
BASE_PID=$!
SALE=""
cleanup() {
  kill "$SVC_PID" "$BASE_PID" 2>/dev/null || true
  wait "$SVC_PID" "$BASE_PID" 2>/dev/null || true
  if [ -n "$SALE" ]; then
    for k in meta remaining users claims queue dead released; do redis-cli -u "redis://${REDIS_CONF%%,*}" UNLINK "fs:{$SALE}:$k" >/dev/null; done
    active_sales_remove "redis://${REDIS_CONF%%,*}" "$SALE"
  fi
}
trap cleanup EXIT
for port in "$SVC_PORT" "$BASE_PORT"; do
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
done

A="Authorization: Bearer $ADMIN_KEY"
START=$(date -u -d '-1 min' +%FT%TZ); END=$(date -u -d '+2 hour' +%FT%TZ)
SALE=$(curl -sf -X POST "http://127.0.0.1:$SVC_PORT/admin/sales" -H "$A" -H 'Content-Type: application/json' \
  -d "{\"sku\":\"BENCH\",\"name\":\"admit benchmark\",\"stock\":$STOCK,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$START\",\"endsAt\":\"$END\"}" \
  | sed 's/.*"saleId":"\([^"]*\)".*/\1/')
curl -sf -o /dev/null -X POST "http://127.0.0.1:$SVC_PORT/admin/sales/$SALE/preload" -H "$A"
# Edge only: no worker of ours drains this queue, and no other process's worker should poll it either.
[ "$ROLE" = edge ] && active_sales_remove "redis://${REDIS_CONF%%,*}" "$SALE"
echo "sale $SALE (stock $STOCK), service role $ROLE on :$SVC_PORT, baseline on :$BASE_PORT; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
redis_cpu() { redis-cli -u "redis://${REDIS_CONF%%,*}" INFO cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'; }
TICK=$(getconf CLK_TCK)
run() { # name port pid
  local t0 r0 t1 r1
  t0=$(cpu_ticks "$3"); r0=$(redis_cpu)
  RUN_TAG="$1-$RANDOM$RANDOM" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s load/wrk/claim.lua \
    "http://127.0.0.1:$2/sales/$SALE/claims" > "$LOGS/$1.txt"
  t1=$(cpu_ticks "$3"); r1=$(redis_cpu)
  local rps p50 p99 non2xx requests cpu rcpu
  rps=$(awk '/Requests\/sec/ {print $2}' "$LOGS/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$LOGS/$1.txt"); p99=$(awk '$1=="99%" {print $2}' "$LOGS/$1.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$LOGS/$1.txt"); non2xx=${non2xx:-0}
  requests=$(awk '/requests in/ {print $1}' "$LOGS/$1.txt")
  cpu=$(echo "($t1 - $t0) * 1000000 / $TICK / $requests" | bc -l); rcpu=$(echo "($r1 - $r0) * 1000000 / $requests" | bc -l)
  printf '%-9s %10s req/s   p50 %8s   p99 %8s   non-2xx %s   cpu %5.1f us/req (redis %4.1f)   load %s\n' \
    "$1" "$rps" "$p50" "$p99" "$non2xx" "$cpu" "$rcpu" "$(cut -d' ' -f1 /proc/loadavg)"
  echo "$rps" >> "$LOGS/$1.rps"; echo "$cpu" >> "$LOGS/$1.cpu"
  echo "$p99" | awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next} /s$/ {print $1 * 1000}' >> "$LOGS/$1.p99"
}
# Warm both (JIT, connection pools) before measuring; after 5 s the service's first round still ran ~20% more CPU
# per request than its second (tiered JIT of the larger pipeline), so 10 s.
DURATION=$WARMUP run baseline "$BASE_PORT" "$BASE_PID" >/dev/null; DURATION=$WARMUP run service "$SVC_PORT" "$SVC_PID" >/dev/null
rm -f "$LOGS"/*.rps "$LOGS"/*.cpu "$LOGS"/*.p99
for r in $(seq "$ROUNDS"); do
  run baseline "$BASE_PORT" "$BASE_PID"
  run service "$SVC_PORT" "$SVC_PID"
done
awk -v b="$(paste -sd+ "$LOGS/baseline.rps" | bc -l)" -v s="$(paste -sd+ "$LOGS/service.rps" | bc -l)" \
  'BEGIN { printf "admit endpoint / bare EVALSHA baseline = %.1f%% (sum over rounds)\n", 100 * s / b }'
median() { sort -n "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf 'cpu per request, median over rounds: baseline %.1f us, service %.1f us (service / baseline = %.2f)\n' \
  "$(median "$LOGS/baseline.cpu")" "$(median "$LOGS/service.cpu")" "$(echo "$(median "$LOGS/service.cpu") / $(median "$LOGS/baseline.cpu")" | bc -l)"
printf 'p99, median over rounds: baseline %.2f ms, service %.2f ms (target: service <= 15 ms)\n' "$(median "$LOGS/baseline.p99")" "$(median "$LOGS/service.p99")"
echo "redis used_memory after: $(redis-cli -u "redis://${REDIS_CONF%%,*}" INFO memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r') bytes"
