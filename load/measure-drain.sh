#!/usr/bin/env bash
# Worker throughput on one hot sale, end to end (docs/performance.md, target 3): fills a sale's queue with
# STOCK admitted claims through the real edge (wrk, one new buyer per request), stops the edge, starts the
# worker, and times how fast it confirms, charges and records every claim as paid. Then checks the sale:
# sold = paid = STOCK in PostgreSQL, one simulated charge per claim, Redis remaining 0.
#   STOCK=50000 LATENCY=00:00:00.100 WORKER_ARGS="--FlashSale:Queue:BatchSize=1000" bash load/measure-drain.sh
set -euo pipefail
# shellcheck source=load/active-sales.sh
source "$(dirname "$0")/active-sales.sh"
cd "$(dirname "$0")/.."
source scripts/services-env.sh
STOCK="${STOCK:-50000}"; LATENCY="${LATENCY:-00:00:00}"; WORKER_ARGS="${WORKER_ARGS:-}"; REDIS_DB="${REDIS_DB:-6}"
# Its own Redis database: no other worker on this Redis polls the sale (the registry of active sales is per database).
export FlashSale__Redis__Configuration="${FlashSale__Redis__Configuration},defaultDatabase=$REDIS_DB"
REDIS_URL="redis://${FlashSale__Redis__Configuration%%,*}/$REDIS_DB"
PSQL=(psql "postgresql://flashsale:flashsale@127.0.0.1:${FLASHSALE_PG_PORT:-5440}/flashsale" -tAq)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

# DLL=... measures another build (e.g. an older commit's) with the same procedure.
if [ -z "${DLL:-}" ]; then
  dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
  DLL=src/FlashSale.Service/bin/Release/net10.0/FlashSale.Service.dll
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
LOGS=$(mktemp -d); PID=""; SALE=""
cleanup() {
  [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
  if [ -n "$SALE" ]; then
    for k in meta remaining users claims queue dead released; do redis-cli -u "$REDIS_URL" UNLINK "fs:{$SALE}:$k" >/dev/null; done
    active_sales_remove "$REDIS_URL" "$SALE"
  fi
}
trap cleanup EXIT
start() { # role port extra-args...
  local role=$1 port=$2; shift 2
  ASPNETCORE_ENVIRONMENT=Development dotnet "$DLL" --contentRoot "$(cd "$(dirname "$DLL")" && pwd)" --urls "http://127.0.0.1:$port" --role "$role" \
    --Logging:LogLevel:Default=Warning "$@" >"$LOGS/$role.log" 2>&1 &
  PID=$!
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && return; sleep 0.2; done
  echo "$role did not start; log: $LOGS/$role.log" >&2; exit 1
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

# 1. The edge admits STOCK claims; nothing drains them yet.
PORT=$(free_port); start edge "$PORT"
A='Authorization: Bearer dev-admin-key'
START=$(date -u -d '-1 min' +%FT%TZ); END=$(date -u -d '+2 hour' +%FT%TZ)
SALE=$(curl -sf -X POST "http://127.0.0.1:$PORT/admin/sales" -H "$A" -H 'Content-Type: application/json' \
  -d "{\"sku\":\"DRAIN\",\"name\":\"drain benchmark\",\"stock\":$STOCK,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$START\",\"endsAt\":\"$END\"}" \
  | sed 's/.*"saleId":"\([^"]*\)".*/\1/')
curl -sf -o /dev/null -X POST "http://127.0.0.1:$PORT/admin/sales/$SALE/preload" -H "$A"
active_sales_remove "$REDIS_URL" "$SALE"
while [ "$(redis-cli -u "$REDIS_URL" GET "fs:{$SALE}:remaining")" != 0 ]; do
  RUN_TAG="drain-$RANDOM$RANDOM" wrk -t2 -c64 -d3s -s load/wrk/claim.lua "http://127.0.0.1:$PORT/sales/$SALE/claims" >/dev/null
done
stop
queued=$(redis-cli -u "$REDIS_URL" XLEN "fs:{$SALE}:queue")
echo "sale $SALE: $STOCK units admitted, $queued claims queued; starting the worker (gateway latency $LATENCY) $WORKER_ARGS"

# 2. The worker drains the queue; time from its start to the last paid claim.
active_sales_add "$REDIS_URL" "$SALE"
t0=$(date +%s.%N)
# shellcheck disable=SC2086
start worker "$(free_port)" --FlashSale:Payments:Simulated:Latency="$LATENCY" $WORKER_ARGS
ready=$(date +%s.%N); first=""; paid=0
while :; do
  paid=$("${PSQL[@]}" -c "SELECT count(*) FROM claims WHERE sale_id = '$SALE' AND status = 'paid'")
  now=$(date +%s.%N)
  [ -z "$first" ] && [ "$paid" -gt 0 ] && first=$now
  [ "$paid" -ge "$STOCK" ] && break
  if (( $(echo "$now - $t0 > 600" | bc) )); then echo "not drained after 600 s: $paid paid" >&2; exit 1; fi
  sleep 0.2
done
last=$(date +%s.%N)
stop
awk -v n="$STOCK" -v t0="$t0" -v r="$ready" -v f="$first" -v l="$last" 'BEGIN {
  printf "worker start → ready %.1f s; first paid %.1f s after ready; all %d paid %.1f s after ready\n", r - t0, f - r, n, l - r
  printf "paid/s: %.0f from ready to last, %.0f from first paid to last (±0.2 s polling)\n", n / (l - r), n / (l - f) }'

# 3. The sale adds up.
"${PSQL[@]}" -F ' ' -c "SELECT 'postgres sold', sold, 'of', total FROM sale_inventory WHERE sale_id = '$SALE'"
"${PSQL[@]}" -F ' ' -c "SELECT 'charges', count(*), 'attempts', sum(attempts), 'max attempts per claim', max(attempts) FROM simulated_charges s JOIN claims c ON s.idempotency_key = 'flashsale-charge-' || c.claim_id WHERE c.sale_id = '$SALE'"
echo "redis remaining $(redis-cli -u "$REDIS_URL" GET "fs:{$SALE}:remaining"), queue left $(redis-cli -u "$REDIS_URL" XLEN "fs:{$SALE}:queue")"
