#!/usr/bin/env bash
# The waiting room's two hot requests, poll and join, against the bare Kestrel + EVALSHA baseline running the same
# scripts on the same room, back to back with wrk (docs/waiting-room.md). Builds both in Release, starts them on
# free ports against the Redis/PostgreSQL of scripts/services-env.sh, creates one waiting-room sale that started a
# minute ago with an outflow of one ticket a minute (so tickets stay waiting), takes TICKETS tickets to poll, runs
# wrk against each app in turn, prints the ratios, then closes the sale and deletes its Redis keys.
#   DURATION=15s CONNECTIONS=64 THREADS=2 ROUNDS=2 TICKETS=200 WARMUP=8s bash load/measure-queue.sh
# Like load/measure-admit.sh, it also prints CPU time per request of each app and of Redis.
set -euo pipefail
# shellcheck source=load/active-sales.sh
source "$(dirname "$0")/active-sales.sh"
cd "$(dirname "$0")/.."
source scripts/services-env.sh
DURATION="${DURATION:-15s}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-2}"
TICKETS="${TICKETS:-200}"; WARMUP="${WARMUP:-8s}"
ADMIN_KEY="bench-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export STOREFRONT_KEY="bench-storefront-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
REDIS_URL="redis://${FlashSale__Redis__Configuration%%,*}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
dotnet build load/FlashSale.Baseline -c Release -v q -nologo >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SVC_PORT=$(free_port); BASE_PORT=$(free_port)
LOGS=$(mktemp -d)
env ASPNETCORE_ENVIRONMENT=Production FlashSale__AdminKey="$ADMIN_KEY" FlashSale__StorefrontKey="$STOREFRONT_KEY" dotnet src/FlashSale.Service/bin/Release/net10.0/FlashSale.Service.dll \
  --contentRoot "$PWD/src/FlashSale.Service/bin/Release/net10.0" --urls "http://127.0.0.1:$SVC_PORT" --role edge --Logging:LogLevel:Default=Warning ${SERVICE_ARGS:-} >"$LOGS/service.log" 2>&1 &
SVC_PID=$!
dotnet load/FlashSale.Baseline/bin/Release/net10.0/FlashSale.Baseline.dll --urls "http://127.0.0.1:$BASE_PORT" >"$LOGS/baseline.log" 2>&1 &
BASE_PID=$!
A="Authorization: Bearer $ADMIN_KEY"; S="Authorization: Bearer $STOREFRONT_KEY"
SALE=""
cleanup() {
  [ -n "$SALE" ] && curl -s -o /dev/null -X POST "http://127.0.0.1:$SVC_PORT/admin/sales/$SALE/close" -H "$A" || true
  kill "$SVC_PID" "$BASE_PID" 2>/dev/null || true
  wait "$SVC_PID" "$BASE_PID" 2>/dev/null || true
  if [ -n "$SALE" ]; then
    for k in meta remaining users claims queue dead released acked wr wr:users wr:tickets wr:line wr:pre wr:order wr:ranks wr:admits wr:shuffling; do
      redis-cli -u "$REDIS_URL" UNLINK "fs:{$SALE}:$k" >/dev/null
    done
    active_sales_remove "$REDIS_URL" "$SALE"
  fi
}
trap cleanup EXIT
for port in "$SVC_PORT" "$BASE_PORT"; do
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
done

START=$(date -u -d '-1 min' +%FT%TZ); END=$(date -u -d '+2 hour' +%FT%TZ)
SALE=$(curl -sf -X POST "http://127.0.0.1:$SVC_PORT/admin/sales" -H "$A" -H 'Content-Type: application/json' \
  -d "{\"sku\":\"BENCH-Q\",\"name\":\"queue benchmark\",\"stock\":1000,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$START\",\"endsAt\":\"$END\",
       \"waitingRoom\":{\"enabled\":true,\"outflowPerMinute\":1}}" | sed 's/.*"saleId":"\([^"]*\)".*/\1/')
curl -sf -o /dev/null -X POST "http://127.0.0.1:$SVC_PORT/admin/sales/$SALE/preload" -H "$A"
active_sales_remove "$REDIS_URL" "$SALE"
ids=()
for i in $(seq "$TICKETS"); do
  ids+=("$(curl -sf -X POST "http://127.0.0.1:$SVC_PORT/sales/$SALE/queue" -H "$S" -H 'Content-Type: application/json' \
    -d "{\"userId\":\"poll-$i\"}" | sed 's/.*"ticketId":"\([^"]*\)".*/\1/')")
done
export TICKETS_LIST; TICKETS_LIST=$(IFS=,; echo "${ids[*]}")
# The shuffle (of an empty pre-queue) gives every ticket its place: polls then take the full path.
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$SVC_PORT/sales/$SALE/queue/${ids[-1]}" -H "$S" | grep -q '"position":[0-9]' && break; sleep 0.1
done
echo "sale $SALE, $TICKETS tickets polled round robin; service (edge) on :$SVC_PORT, baseline on :$BASE_PORT; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
redis_cpu() { redis-cli -u "$REDIS_URL" INFO cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'; }
TICK=$(getconf CLK_TCK)
run() { # name kind(poll|join) port pid
  local t0 r0 t1 r1 script
  [ "$2" = poll ] && script=load/wrk/queue-poll.lua || script=load/wrk/queue-join.lua
  t0=$(cpu_ticks "$4"); r0=$(redis_cpu)
  TICKETS="$TICKETS_LIST" RUN_TAG="$1-$RANDOM$RANDOM" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" \
    "http://127.0.0.1:$3/sales/$SALE/queue" > "$LOGS/$1-$2.txt"
  t1=$(cpu_ticks "$4"); r1=$(redis_cpu)
  local rps p99 non2xx requests cpu rcpu
  rps=$(awk '/Requests\/sec/ {print $2}' "$LOGS/$1-$2.txt"); p99=$(awk '$1=="99%" {print $2}' "$LOGS/$1-$2.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$LOGS/$1-$2.txt"); non2xx=${non2xx:-0}
  requests=$(awk '/requests in/ {print $1}' "$LOGS/$1-$2.txt")
  cpu=$(echo "($t1 - $t0) * 1000000 / $TICK / $requests" | bc -l); rcpu=$(echo "($r1 - $r0) * 1000000 / $requests" | bc -l)
  printf '%-4s %-9s %10s req/s   p99 %8s   non-2xx %s   cpu %5.1f us/req (redis %4.1f)   load %s\n' \
    "$2" "$1" "$rps" "$p99" "$non2xx" "$cpu" "$rcpu" "$(cut -d' ' -f1 /proc/loadavg)"
  echo "$rps" >> "$LOGS/$1-$2.rps"
}
for kind in poll join; do
  DURATION=$WARMUP run baseline "$kind" "$BASE_PORT" "$BASE_PID" >/dev/null; DURATION=$WARMUP run service "$kind" "$SVC_PORT" "$SVC_PID" >/dev/null
done
rm -f "$LOGS"/*.rps
for r in $(seq "$ROUNDS"); do
  for kind in poll join; do
    run baseline "$kind" "$BASE_PORT" "$BASE_PID"
    run service "$kind" "$SVC_PORT" "$SVC_PID"
  done
done
for kind in poll join; do
  awk -v k="$kind" -v b="$(paste -sd+ "$LOGS/baseline-$kind.rps" | bc -l)" -v s="$(paste -sd+ "$LOGS/service-$kind.rps" | bc -l)" -v n="$ROUNDS" \
    'BEGIN { printf "%s: service %.0f req/s, baseline %.0f req/s (mean over rounds): service / baseline = %.1f%%\n", k, s / n, b / n, 100 * s / b }'
done
echo "tickets in the room: $(redis-cli -u "$REDIS_URL" HLEN "fs:{$SALE}:wr:tickets")"
