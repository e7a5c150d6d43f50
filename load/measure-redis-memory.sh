#!/usr/bin/env bash
# Redis memory of one sale, per admitted claim (docs/performance.md, target 4).
#   bash load/measure-redis-memory.sh SALE_ID [REDIS_URL]      (default redis://127.0.0.1:6390)
# MEMORY USAGE ... SAMPLES 0 measures every element of each of the sale's keys, so other tenants of the same
# Redis do not blur the figure the way a server-wide INFO memory delta does.
set -euo pipefail
SALE="$1"; URL="${2:-redis://127.0.0.1:6390}"
r() { redis-cli -u "$URL" "$@"; }
admitted=$(r HGET "fs:{$SALE}:meta" admitted)
total=0
for k in meta remaining users claims queue released dead; do
  bytes=$(r MEMORY USAGE "fs:{$SALE}:$k" SAMPLES 0); bytes=${bytes:-0}
  printf '%-10s %12s bytes\n' "$k" "$bytes"
  total=$((total + bytes))
done
echo "admitted   $admitted claims"
echo "total      $total bytes = $(( admitted > 0 ? total / admitted : 0 )) bytes per admitted claim"
