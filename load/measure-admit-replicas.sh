#!/usr/bin/env bash
# What FlashSale:Redis:AdmitReplicas costs: two edge processes behind the local Sentinels (docs/redis.md), one with
# AdmitReplicas = 0 and one with 1 (a 202 only once the replica holds the admit, Redis WAIT), each with a sale of its
# own, measured with wrk in alternating rounds on the same machine; prints req/s, p50 and p99 per round and the ratios.
#   DURATION=15s CONNECTIONS=64 THREADS=2 ROUNDS=3 WARMUP=5s bash load/measure-admit-replicas.sh
set -euo pipefail
# shellcheck source=load/active-sales.sh
source "$(dirname "$0")/active-sales.sh"
cd "$(dirname "$0")/.."
source scripts/services-env.sh
DURATION="${DURATION:-15s}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-3}"; WARMUP="${WARMUP:-5s}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
ADMIN_KEY="bench-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export STOREFRONT_KEY="bench-storefront-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SENTINEL_PORT="${FLASHSALE_SENTINEL_PORT:-26393}"
PRIMARY_PORT=$(redis-cli -p "$SENTINEL_PORT" sentinel get-master-addr-by-name "${FLASHSALE_SENTINEL_NAME:-flashsale}" | sed -n 2p)
REDIS_URL="redis://127.0.0.1:$PRIMARY_PORT"
dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
DLL=src/FlashSale.Service/bin/Release/net10.0/FlashSale.Service.dll
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
LOGS=$(mktemp -d); PIDS=(); SALES=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for sale in "${SALES[@]}"; do
    for k in meta remaining users claims queue dead released acked; do redis-cli -u "$REDIS_URL" UNLINK "fs:{$sale}:$k" >/dev/null; done
    active_sales_remove "$REDIS_URL" "$sale"
  done
}
trap cleanup EXIT
declare -A PORT SALE
for n in 0 1; do
  PORT[$n]=$(free_port)
  ASPNETCORE_ENVIRONMENT=Production FlashSale__AdminKey="$ADMIN_KEY" FlashSale__StorefrontKey="$STOREFRONT_KEY" dotnet "$DLL" \
    --contentRoot "$PWD/src/FlashSale.Service/bin/Release/net10.0" --urls "http://127.0.0.1:${PORT[$n]}" --role edge \
    --Logging:LogLevel:Default=Warning --FlashSale:Redis:Configuration="$FLASHSALE_TEST_REDIS_SENTINEL" \
    --FlashSale:Redis:AdmitReplicas="$n" >"$LOGS/replicas-$n.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:${PORT[$n]}/healthz" && break; sleep 0.2; done
  START=$(date -u -d '-1 min' +%FT%TZ); END=$(date -u -d '+2 hour' +%FT%TZ)
  SALE[$n]=$(curl -sf -X POST "http://127.0.0.1:${PORT[$n]}/admin/sales" -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' \
    -d "{\"sku\":\"WAIT$n\",\"name\":\"admit replicas $n\",\"stock\":10000000,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$START\",\"endsAt\":\"$END\"}" \
    | sed 's/.*"saleId":"\([^"]*\)".*/\1/')
  SALES+=("${SALE[$n]}")
  curl -sf -o /dev/null -X POST "http://127.0.0.1:${PORT[$n]}/admin/sales/${SALE[$n]}/preload" -H "Authorization: Bearer $ADMIN_KEY"
  active_sales_remove "$REDIS_URL" "${SALE[$n]}"   # edge only: no worker should drain it
done
echo "primary 127.0.0.1:$PRIMARY_PORT (one replica); AdmitReplicas=0 on :${PORT[0]}, AdmitReplicas=1 on :${PORT[1]}; wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
run() { # n duration
  RUN_TAG="r$1-$RANDOM$RANDOM" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency -s load/wrk/claim.lua \
    "http://127.0.0.1:${PORT[$1]}/sales/${SALE[$1]}/claims" > "$LOGS/run.txt"
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' "$LOGS/run.txt")
  p50=$(awk '$1=="50%" {print $2}' "$LOGS/run.txt"); p99=$(awk '$1=="99%" {print $2}' "$LOGS/run.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$LOGS/run.txt"); non2xx=${non2xx:-0}
  echo "$rps $p99" | awk '{p=$2; if (p ~ /us$/) p=p/1000; else if (p ~ /ms$/) p=p+0; else p=p*1000; print $1, p}' >> "$LOGS/r$1.txt"
  printf 'AdmitReplicas=%s %10s req/s   p50 %8s   p99 %8s   non-2xx %s   load %s\n' "$1" "$rps" "$p50" "$p99" "$non2xx" "$(cut -d' ' -f1 /proc/loadavg)"
}
run 0 "$WARMUP" >/dev/null; run 1 "$WARMUP" >/dev/null; rm -f "$LOGS"/r?.txt
for r in $(seq "$ROUNDS"); do
  if (( r % 2 )); then run 0 "$DURATION"; run 1 "$DURATION"; else run 1 "$DURATION"; run 0 "$DURATION"; fi
done
awk 'FNR==1 {f++} {rps[f] += $1; p99[f] += $2; n[f]++}
  END { printf "AdmitReplicas 1 vs 0: req/s %.1f%%, p99 %.2fx (means over rounds: %.0f vs %.0f req/s, %.2f vs %.2f ms)\n",
        100 * (rps[2]/n[2]) / (rps[1]/n[1]), (p99[2]/n[2]) / (p99[1]/n[1]), rps[2]/n[2], rps[1]/n[1], p99[2]/n[2], p99[1]/n[1] }' "$LOGS/r0.txt" "$LOGS/r1.txt"
