#!/usr/bin/env bash
# The admit endpoint beside its two floors, in one run, with wrk (docs/performance.md, docs/hot-sales.md):
#   bare     bare Kestrel: the claim's body read and a 202 written, no Redis (load/FlashSale.Baseline /bare/...)
#   evalsha  bare Kestrel + one EVALSHA per request of the one-claim admit script of before batching
#            (lua/baseline/admit_one.lua), nothing else
#   batch<N> the service (--role edge, as deployed) with FlashSale:Redis:AdmitBatch=N, for each N in BATCHES
# Builds the apps, starts them on free ports against the Redis/PostgreSQL of scripts/services-env.sh, creates a
# pool per app with a large stock (every request is admitted), warms each, then runs the rounds (each app in turn
# per round, the others paused), and prints req/s, p50/p99, each app's CPU time per request (utime + stime from /proc over the
# wrk run, divided by the requests wrk completed), Redis's CPU per request (INFO cpu), the batch sizes the service sent
# (flashsale_admit_batch_claims), and the ratios the targets of issue 18 are stated in. Ratios of one run are what
# to compare: the machine is shared.
#   DURATION=15s CONNECTIONS=128 THREADS=2 ROUNDS=2 STOCK=10000000 ROLE=edge WARMUP=10s BATCHES="1 128" bash load/measure-admit.sh
# The service runs as deployed (ASPNETCORE_ENVIRONMENT=Production: JSON logs, no developer pages) with keys made
# for the run; ENVIRONMENT=Development runs it with the Development defaults instead.
# SERVICE_ARGS adds command-line arguments to the service (e.g. a configuration setting to compare);
# SERVICE_ENV adds environment variables to the service only (e.g. SERVICE_ENV="DOTNET_GCgen0size=0x4000000").
set -euo pipefail
# shellcheck source=load/active-sales.sh
source "$(dirname "$0")/active-sales.sh"
cd "$(dirname "$0")/.."
source scripts/services-env.sh
DURATION="${DURATION:-15s}"; CONNECTIONS="${CONNECTIONS:-128}"; THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-2}"
STOCK="${STOCK:-10000000}"; ROLE="${ROLE:-edge}"; WARMUP="${WARMUP:-10s}"; ENVIRONMENT="${ENVIRONMENT:-Production}"
BATCHES="${BATCHES:-1 128}"
ADMIN_KEY="bench-admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export STOREFRONT_KEY="bench-storefront-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
REDIS_CONF="${FlashSale__Redis__Configuration}"
REDIS_URL="redis://${REDIS_CONF%%,*}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }

dotnet build src/FlashSale.Service -c Release -v q -nologo >/dev/null
dotnet build load/FlashSale.Baseline -c Release -v q -nologo >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
LOGS=$(mktemp -d)
declare -A PORT PID URL
BASE_PORT=$(free_port)
dotnet load/FlashSale.Baseline/bin/Release/net10.0/FlashSale.Baseline.dll --urls "http://127.0.0.1:$BASE_PORT" >"$LOGS/baseline.log" 2>&1 &
PID[bare]=$!; PID[evalsha]=$!; PORT[bare]=$BASE_PORT; PORT[evalsha]=$BASE_PORT
APPS=(bare evalsha)
for b in $BATCHES; do
  PORT[batch$b]=$(free_port)
  env ASPNETCORE_ENVIRONMENT="$ENVIRONMENT" FlashSale__AdminKey="$ADMIN_KEY" FlashSale__StorefrontKey="$STOREFRONT_KEY" ${SERVICE_ENV:-} \
    dotnet src/FlashSale.Service/bin/Release/net10.0/FlashSale.Service.dll \
    --contentRoot "$PWD/src/FlashSale.Service/bin/Release/net10.0" --urls "http://127.0.0.1:${PORT[batch$b]}" --role "$ROLE" \
    --Logging:LogLevel:Default=Warning --FlashSale:Redis:AdmitBatch="$b" ${SERVICE_ARGS:-} >"$LOGS/service-batch$b.log" 2>&1 &
  PID[batch$b]=$!
  APPS+=("batch$b")
done
declare -A SALE_OF
BASE_SALE=""
cleanup() {
  for app in "${APPS[@]}"; do kill -CONT "${PID[$app]}" 2>/dev/null || true; kill "${PID[$app]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for sale in "${SALE_OF[@]}"; do
    for k in meta remaining users claims queue dead released; do redis-cli -u "$REDIS_URL" UNLINK "fs:{$sale}:$k" >/dev/null; done
    active_sales_remove "$REDIS_URL" "$sale"
  done
  if [ -n "$BASE_SALE" ]; then
    for k in meta remaining users claims queue; do redis-cli -u "$REDIS_URL" UNLINK "fs:{$BASE_SALE}:$k" >/dev/null; done
  fi
}
trap cleanup EXIT
for app in "${APPS[@]}"; do
  for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:${PORT[$app]}/healthz" && break; sleep 0.2; done
done

A="Authorization: Bearer $ADMIN_KEY"
START=$(date -u -d '-1 min' +%FT%TZ); END=$(date -u -d '+2 hour' +%FT%TZ)
# A pool per app, each the same size, so no app admits into hashes another app made larger.
for app in "${APPS[@]}"; do
  [[ $app == batch* ]] || continue
  SALE_OF[$app]=$(curl -sf -X POST "http://127.0.0.1:${PORT[$app]}/admin/sales" -H "$A" -H 'Content-Type: application/json' \
    -d "{\"sku\":\"BENCH\",\"name\":\"admit benchmark\",\"stock\":$STOCK,\"priceCents\":100,\"currency\":\"usd\",\"startsAt\":\"$START\",\"endsAt\":\"$END\"}" \
    | sed 's/.*"saleId":"\([^"]*\)".*/\1/')
  curl -sf -o /dev/null -X POST "http://127.0.0.1:${PORT[$app]}/admin/sales/${SALE_OF[$app]}/preload" -H "$A"
  # Edge only: no worker of ours drains this queue, and no other process's worker should poll it either.
  [ "$ROLE" = edge ] && active_sales_remove "$REDIS_URL" "${SALE_OF[$app]}"
  URL[$app]="http://127.0.0.1:${PORT[$app]}/sales/${SALE_OF[$app]}/claims"
done
# The one-claim script admits into a pool of its own too (the baseline's preload, the service's key layout).
BASE_SALE="sale_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
curl -sf -o /dev/null -X POST "http://127.0.0.1:$BASE_PORT/sales/$BASE_SALE/preload?stock=$STOCK"
URL[bare]="http://127.0.0.1:$BASE_PORT/bare/sales/$BASE_SALE/claims"
URL[evalsha]="http://127.0.0.1:$BASE_PORT/sales/$BASE_SALE/claims"
echo "stock $STOCK a pool, role $ROLE, apps: ${APPS[*]}; wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
redis_cpu() { redis-cli -u "$REDIS_URL" INFO cpu | awk -F: '/^used_cpu_(sys|user):/ {s += $2} END {printf "%.3f", s}'; }
batch_stats() { # count sum of flashsale_admit_batch_claims on the service at port $1
  curl -sf "http://127.0.0.1:$1/metrics" | awk '/^flashsale_admit_batch_claims_count/ {c = $2} /^flashsale_admit_batch_claims_sum/ {s = $2} END {print c + 0, s + 0}'
}
TICK=$(getconf CLK_TCK)
# While one app is measured the others are paused (SIGSTOP), so their background work (pool checks, registry reads)
# is in no app's figures, and Redis's CPU per request is that app's alone.
pause_others() { # signal app
  local other
  for other in "${APPS[@]}"; do
    [ "${PID[$other]}" = "${PID[$2]}" ] || kill "-$1" "${PID[$other]}" 2>/dev/null || true
  done
}
run() { # app
  local app=$1 t0 r0 t1 r1 b0 b1
  pause_others STOP "$app"
  t0=$(cpu_ticks "${PID[$app]}"); r0=$(redis_cpu)
  [[ $app == batch* ]] && b0=$(batch_stats "${PORT[$app]}")
  RUN_TAG="$app-$RANDOM$RANDOM" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s load/wrk/claim.lua "${URL[$app]}" > "$LOGS/$app.txt"
  t1=$(cpu_ticks "${PID[$app]}"); r1=$(redis_cpu)
  pause_others CONT "$app"
  local rps p50 p99 non2xx requests cpu rcpu batch=""
  rps=$(awk '/Requests\/sec/ {print $2}' "$LOGS/$app.txt")
  p50=$(awk '$1=="50%" {print $2}' "$LOGS/$app.txt"); p99=$(awk '$1=="99%" {print $2}' "$LOGS/$app.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$LOGS/$app.txt"); non2xx=${non2xx:-0}
  requests=$(awk '/requests in/ {print $1}' "$LOGS/$app.txt")
  cpu=$(echo "($t1 - $t0) * 1000000 / $TICK / $requests" | bc -l); rcpu=$(echo "($r1 - $r0) * 1000000 / $requests" | bc -l)
  if [[ $app == batch* ]]; then
    b1=$(batch_stats "${PORT[$app]}")
    batch=$(echo "$b0 $b1" | awk '{ if ($3 > $1) printf "   claims/call %.1f", ($4 - $2) / ($3 - $1) }')
  fi
  printf '%-9s %10s req/s   p50 %8s   p99 %8s   non-2xx %s   cpu %5.1f us/req   redis %5.1f us/req%s   load %s\n' \
    "$app" "$rps" "$p50" "$p99" "$non2xx" "$cpu" "$rcpu" "$batch" "$(cut -d' ' -f1 /proc/loadavg)"
  echo "$rps" >> "$LOGS/$app.rps"; echo "$cpu" >> "$LOGS/$app.cpu"; echo "$rcpu" >> "$LOGS/$app.rcpu"
  echo "$p99" | awk '/us$/ {print $1 / 1000; next} /ms$/ {print $1 + 0; next} /s$/ {print $1 * 1000}' >> "$LOGS/$app.p99"
}
# Warm every app (JIT, connection pools) before measuring: after 5 s the service's first round still ran ~20% more
# CPU per request than its second (tiered JIT of the larger pipeline), so 10 s.
for app in "${APPS[@]}"; do DURATION=$WARMUP run "$app" >/dev/null; done
rm -f "$LOGS"/*.rps "$LOGS"/*.cpu "$LOGS"/*.rcpu "$LOGS"/*.p99
for _ in $(seq "$ROUNDS"); do
  for app in "${APPS[@]}"; do run "$app"; done
done
sum() { paste -sd+ "$1" | bc -l; }
median() { sort -n "$1" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "--- ratios (req/s summed over rounds; p99 and CPU: medians over rounds)"
for app in "${APPS[@]}"; do
  [[ $app == batch* ]] || continue
  awk -v s="$(sum "$LOGS/$app.rps")" -v bare="$(sum "$LOGS/bare.rps")" -v ev="$(sum "$LOGS/evalsha.rps")" \
    -v p="$(median "$LOGS/$app.p99")" -v pe="$(median "$LOGS/evalsha.p99")" \
    -v r="$(median "$LOGS/$app.rcpu")" -v re="$(median "$LOGS/evalsha.rcpu")" -v app="$app" \
    'BEGIN { printf "%-9s req/s %.2fx bare, %.2fx evalsha   p99 %.2f ms = %.2fx evalsha (%.2f ms)   redis cpu/admit %.1f us = %.2fx evalsha (%.1f us)\n",
             app, s / bare, s / ev, p, p / pe, pe, r, r / re, re }'
done
bytes_per_claim() { # sale: Redis bytes of its users hash, claims hash and queue stream per admitted claim
  local u c q n
  u=$(redis-cli -u "$REDIS_URL" MEMORY USAGE "fs:{$1}:users" SAMPLES 0); c=$(redis-cli -u "$REDIS_URL" MEMORY USAGE "fs:{$1}:claims" SAMPLES 0)
  q=$(redis-cli -u "$REDIS_URL" MEMORY USAGE "fs:{$1}:queue" SAMPLES 0); n=$(redis-cli -u "$REDIS_URL" HGET "fs:{$1}:meta" admitted)
  awk -v u="$u" -v c="$c" -v q="$q" -v n="$n" 'BEGIN { printf "users %.0f B + claims %.0f B + queue entry %.0f B = %.0f B (%d claims, none drained)", u / n, c / n, q / n, (u + c + q) / n, n }'
}
echo "redis per claim, evalsha's pool (one-claim script): $(bytes_per_claim "$BASE_SALE")"
for app in "${APPS[@]}"; do
  [[ $app == batch* ]] && printf 'redis per claim, %-10s pool:                %s\n' "$app's" "$(bytes_per_claim "${SALE_OF[$app]}")"
done
echo "redis used_memory after: $(redis-cli -u "$REDIS_URL" INFO memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r') bytes"
