#!/usr/bin/env bash
# Webhook delivery to one endpoint from a backlog of paid claims, and the admit path's p99 with and without that
# delivery running (docs/webhooks.md#figures-as-of-now).
# Starts the service twice in Release against the Redis/PostgreSQL of scripts/services-env.sh, as deployed: an edge
# (admit path, admin API) and a worker (which sends the webhooks), plus the baseline app's /hooks, a receiver that
# answers 200 at once. Registers that receiver for claim.paid, then, in rounds:
#   1. wrk against the edge's admit path alone (no delivery running);
#   2. BACKLOG paid claims written in one statement (the claims trigger fans each out to a delivery, as any change
#      to paid does), delivered with nothing else running;
#   3. another such backlog, with wrk against the admit path while the worker delivers it;
# and prints each backlog's deliveries/s (first attempt to last delivery, from webhook_attempts) and CPU per delivery,
# each round's admit p99 and the medians. At the end it drops the run's database and Redis keys.
#   BACKLOG=100000 DURATION=20s CONNECTIONS=64 THREADS=2 ROUNDS=1 WARMUP=10s bash load/measure-webhooks.sh
# SERVICE_ARGS adds command-line arguments to both services (e.g. --FlashSale:Webhooks:MaxConcurrentPerEndpoint=64).
# SPLIT_CPUS=1 runs the admit side (edge, wrk, Redis) on CPU 0 and the delivery side (worker, receiver, PostgreSQL) on
# CPU 1, as separate hosts would, so the admit p99 with and without delivery shows what delivery itself costs the
# admit path rather than the machine's two cores being shared (affinities are put back at the end).
set -euo pipefail
# shellcheck source=load/active-sales.sh
source "$(dirname "$0")/active-sales.sh"
cd "$(dirname "$0")/.."
source scripts/services-env.sh
BACKLOG="${BACKLOG:-100000}"; DURATION="${DURATION:-20s}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-1}"; WARMUP="${WARMUP:-10s}"
ADMIN_KEY="bench-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export STOREFRONT_KEY="bench-storefront-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
REDIS_URL="redis://${FlashSale__Redis__Configuration%%,*}"
# A database and a Redis namespace of the run's own: nothing else's sales, endpoints or reconciliation share the worker.
NS="bench-webhooks"
PG="${FlashSale__Postgres__ConnectionString}"
pg_field() { echo "$PG" | tr ';' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
export PGHOST="$(pg_field Host)" PGPORT="$(pg_field Port)" PGUSER="$(pg_field Username)" PGPASSWORD="$(pg_field Password)"
export PGDATABASE="flashsale_bench_webhooks"
dropdb --if-exists "$PGDATABASE" && createdb "$PGDATABASE"
export FlashSale__Postgres__ConnectionString="${PG/Database=$(pg_field Database)/Database=$PGDATABASE}"
psql_q() { psql -qtAX -v ON_ERROR_STOP=1 -c "$1"; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
dotnet build load/FlashSale.Baseline -c Release -v q -nologo >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
EDGE_PORT=$(free_port); WORKER_PORT=$(free_port); RECV_PORT=$(free_port)
LOGS=$(mktemp -d)
BIN="$PWD/src/FlashSale.Service/bin/Release/net10.0"
admit_cpu=(); delivery_cpu=()
[ "${SPLIT_CPUS:-0}" = 1 ] && { admit_cpu=(taskset -c 0); delivery_cpu=(taskset -c 1); }
service() { # role port
  local cpu=("${admit_cpu[@]}"); [ "$1" = worker ] && cpu=("${delivery_cpu[@]}")
  "${cpu[@]}" env ASPNETCORE_ENVIRONMENT=Production FlashSale__AdminKey="$ADMIN_KEY" FlashSale__StorefrontKey="$STOREFRONT_KEY" \
    dotnet "$BIN/FlashSale.Service.dll" --contentRoot "$BIN" --urls "http://127.0.0.1:$2" --role "$1" \
    --Logging:LogLevel:Default=Warning --FlashSale:Redis:Namespace="$NS" --FlashSale:Webhooks:AllowPrivateTargets=true ${SERVICE_ARGS:-} >"$LOGS/$1.log" 2>&1 &
}
service edge "$EDGE_PORT"; EDGE_PID=$!
service worker "$WORKER_PORT"; WORKER_PID=$!
"${delivery_cpu[@]}" dotnet load/FlashSale.Baseline/bin/Release/net10.0/FlashSale.Baseline.dll --urls "http://127.0.0.1:$RECV_PORT" >"$LOGS/receiver.log" 2>&1 &
RECV_PID=$!
WRK_SALE=""; HOOK=""
cleanup() {
  [ -n "$HOOK" ] && curl -sf -o /dev/null -X DELETE "http://127.0.0.1:$EDGE_PORT/admin/webhooks/$HOOK" -H "$A" || true
  kill "$EDGE_PID" "$WORKER_PID" "$RECV_PID" 2>/dev/null || true
  wait "$EDGE_PID" "$WORKER_PID" "$RECV_PID" 2>/dev/null || true
  if [ -n "$WRK_SALE" ]; then
    for k in meta remaining users claims queue dead released; do redis-cli -u "$REDIS_URL" UNLINK "$NS:{$WRK_SALE}:$k" >/dev/null; done
    active_sales_remove "$REDIS_URL" "$WRK_SALE" "$NS"
  fi
  dropdb --if-exists "$PGDATABASE" || true
}
trap cleanup EXIT
for port in "$EDGE_PORT" "$WORKER_PORT" "$RECV_PORT"; do
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
done

A="Authorization: Bearer $ADMIN_KEY"
new_sale() { # stock name
  local start end
  start=$(date -u -d '-1 min' +%FT%TZ); end=$(date -u -d '+2 hour' +%FT%TZ)
  curl -sf -X POST "http://127.0.0.1:$EDGE_PORT/admin/sales" -H "$A" -H 'Content-Type: application/json' \
    -d "{\"sku\":\"BENCH\",\"name\":\"$2\",\"stock\":$1,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$start\",\"endsAt\":\"$end\"}" \
    | sed 's/.*"saleId":"\([^"]*\)".*/\1/'
}
# The admit path's sale: every request admitted; no worker drains it (the worker here only sends webhooks).
WRK_SALE=$(new_sale 10000000 "admit p99 benchmark")
curl -sf -o /dev/null -X POST "http://127.0.0.1:$EDGE_PORT/admin/sales/$WRK_SALE/preload" -H "$A"
active_sales_remove "$REDIS_URL" "$WRK_SALE" "$NS"
HOOK=$(curl -sf -X POST "http://127.0.0.1:$EDGE_PORT/admin/webhooks" -H "$A" -H 'Content-Type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$RECV_PORT/hooks\",\"events\":[\"claim.paid\"]}" | sed 's/.*"webhookId":"\([^"]*\)".*/\1/')
echo "edge :$EDGE_PORT, worker :$WORKER_PORT, receiver :$RECV_PORT; webhook $HOOK; wrk -t$THREADS -c$CONNECTIONS -d$DURATION on sale $WRK_SALE"

admit() { # name: one wrk run against the admit path; prints and keeps its p99 in ms
  RUN_TAG="$1-$RANDOM$RANDOM" "${admit_cpu[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s load/wrk/claim.lua \
    "http://127.0.0.1:$EDGE_PORT/sales/$WRK_SALE/claims" > "$LOGS/$1.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$LOGS/$1.txt"); p99=$(awk '$1=="99%" {print $2}' "$LOGS/$1.txt")
  echo "$p99" | awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next} /s$/ {print $1 * 1000}' >> "$LOGS/${1%%-*}.p99"
  printf '  admit %-16s %10s req/s   p99 %8s\n' "$1" "$rps" "$p99"
}
backlog() { # writes BACKLOG paid claims of a new sale in one statement; their deliveries are fanned out by the trigger
  local sale; sale=$(new_sale "$BACKLOG" "webhook backlog")
  psql_q "INSERT INTO claims (claim_id, sale_id, user_id, quantity, payment_method_id, status, order_id, payment_id, admitted_at)
          SELECT 'clm_' || md5('$sale' || i), '$sale', 'u' || i, 1, 'pm_card_visa', 'paid', 'ord_' || md5('$sale' || i), 'pay_' || i, now()
          FROM generate_series(1, $BACKLOG) i" >/dev/null
  # The reconciler reads claims by sale; statistics taken before this insert would plan those reads as scans of the
  # whole table until autovacuum analyzes it. (The deliveries' own tables are left as they are: the lease is planned
  # to stay cheap without statistics.)
  psql_q "ANALYZE claims" >/dev/null
  echo "$sale"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
# This PostgreSQL's processes only (the machine may run others): its postmaster, with the children it reaped, and
# its live children.
PG_MASTER=$(head -n 1 "$(cat "${FLASHSALE_STATE_DIR:-.services}/pg.datadir")/postmaster.pid")
pg_ticks() {
  local t p; t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$PG_MASTER/stat")
  for p in $(pgrep -P "$PG_MASTER"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
TICK=$(getconf CLK_TCK)
REDIS_PID=$(redis-cli -u "$REDIS_URL" INFO server | awk -F: '/^process_id:/ {print $2}' | tr -d '\r')
pin_stores() { # redis-cpus postgres-cpus
  taskset -pc "$1" "$REDIS_PID" >/dev/null
  for p in "$PG_MASTER" $(pgrep -P "$PG_MASTER"); do taskset -pc "$2" "$p" >/dev/null 2>&1 || true; done
}
if [ "${SPLIT_CPUS:-0}" = 1 ]; then pin_stores 0 1; trap 'pin_stores 0-1 0-1; cleanup' EXIT; fi
# Deliveries the worker recorded as delivered, from its /metrics: polling PostgreSQL for them would cost it more
# than the deliveries being measured.
delivered() { curl -sf "http://127.0.0.1:$WORKER_PORT/metrics" | awk '/^flashsale_webhook_delivery_attempts_total\{outcome="delivered"\}/ {n = $2} END {printf "%d", n}'; }

# One backlog: written, then delivered to the end, with an admit run beside it or not. Prints its deliveries/s
# (first attempt to last delivery) and the CPU each process spent per delivery while it was sent.
send_backlog() { # name [admit]
  local sale t0 t1 w0 v0 e0 p0 w1 v1 e1 p1 deadline rate
  base=$(delivered)
  t0=$(date +%s.%N); sale=$(backlog); t1=$(date +%s.%N)
  printf '  %s: %s paid claims and their deliveries written in %.1f s\n' "$1" "$BACKLOG" "$(echo "$t1 - $t0" | bc -l)"
  w0=$(cpu_ticks "$WORKER_PID"); v0=$(cpu_ticks "$RECV_PID"); e0=$(cpu_ticks "$EDGE_PID"); p0=$(pg_ticks)
  [ -n "${2:-}" ] && admit "$1"
  deadline=$((SECONDS + 600))
  while [ $(($(delivered) - base)) -lt "$BACKLOG" ]; do
    (( SECONDS < deadline )) || { echo "  not all delivered within 600 s: $(($(delivered) - base)) of $BACKLOG" >&2; exit 1; }
    sleep 0.5
  done
  w1=$(cpu_ticks "$WORKER_PID"); v1=$(cpu_ticks "$RECV_PID"); e1=$(cpu_ticks "$EDGE_PID"); p1=$(pg_ticks)
  per() { echo "($2 - $1) * 1000000 / $TICK / $BACKLOG" | bc -l; }
  printf '  %s: cpu per delivery: worker %.0f us, receiver %.0f us, postgres %.0f us, edge %.0f us\n' \
    "$1" "$(per "$w0" "$w1")" "$(per "$v0" "$v1")" "$(per "$p0" "$p1")" "$(per "$e0" "$e1")"
  rate=$(psql_q "SELECT count(*) || '|' || sum(d.attempts) || '|' || round(extract(epoch FROM max(d.delivered_at) - min(a.first))::numeric, 1)
                 || '|' || round(count(*) / extract(epoch FROM max(d.delivered_at) - min(a.first)))
          FROM webhook_deliveries d JOIN webhook_events e USING (event_id)
          JOIN (SELECT delivery_id, min(attempted_at) AS first FROM webhook_attempts GROUP BY 1) a USING (delivery_id)
          WHERE e.sale_id = '$sale' AND d.webhook_id = '$HOOK'")
  echo "$rate" | awk -F'|' -v n="$1" '{printf "  %s: delivered %s (attempts %s) in %s s: %s deliveries/s to one endpoint\n", n, $1, $2, $3, $4}'
  echo "$rate" | cut -d'|' -f4 >> "$LOGS/${1%%-*}.rate"
}

DURATION=$WARMUP admit warmup >/dev/null; rm -f "$LOGS"/*.p99
for r in $(seq "$ROUNDS"); do
  echo "round $r"
  admit "alone-$r"
  send_backlog "sending-$r"
  send_backlog "delivering-$r" admit
done
median() { sort -n "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf 'deliveries/s to one endpoint, median over rounds: %s alone, %s beside the admit run\n' "$(median "$LOGS/sending.rate")" "$(median "$LOGS/delivering.rate")"
printf 'admit p99, median over rounds: alone %.2f ms, while delivering %.2f ms (with / without = %.2f)\n' \
  "$(median "$LOGS/alone.p99")" "$(median "$LOGS/delivering.p99")" "$(echo "$(median "$LOGS/delivering.p99") / $(median "$LOGS/alone.p99")" | bc -l)"
