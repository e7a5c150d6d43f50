#!/usr/bin/env bash
# The rehearsal tool's own ceiling beside wrk's, same machine, same run (docs/rehearsal.md, The generator's ceiling).
# Both hit the bare Kestrel GET /healthz of load/FlashSale.Baseline, in alternating rounds, with the same connections;
# for each it prints answers/s and CPU per request: utime + stime from /proc/<pid>/stat over the steady middle of the
# run (from 2 s in to 1 s before the end), divided by the answers of that window at the rate the tool reported.
#   DURATION=10 CONNECTIONS=64 THREADS=2 ROUNDS=2 bash load/measure-generator.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services-env.sh
DURATION="${DURATION:-10}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"; ROUNDS="${ROUNDS:-2}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
dotnet build load/FlashSale.Baseline -c Release -v q -nologo >/dev/null
dotnet build load/FlashSale.Load -c Release -v q -nologo >/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port); LOGS=$(mktemp -d)
dotnet load/FlashSale.Baseline/bin/Release/net10.0/FlashSale.Baseline.dll --urls "http://127.0.0.1:$PORT" >"$LOGS/baseline.log" 2>&1 &
BASE_PID=$!
trap 'kill "$BASE_PID" 2>/dev/null || true; wait "$BASE_PID" 2>/dev/null || true' EXIT
for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT/healthz"
TCK=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Runs "$@" in the background; prints "<ticks in the window> <window seconds>" once it has exited.
window_cpu() {
  "$@" >"$LOGS/out" 2>&1 &
  local pid=$! first last
  sleep 2; first=$(cpu_ticks "$pid")
  sleep $((DURATION - 3)); last=$(cpu_ticks "$pid")
  wait "$pid" || true
  echo "$((last - first)) $((DURATION - 3))"
}

echo "GET $URL, $CONNECTIONS connections, ${DURATION}s a run, $(nproc) cores; the endpoint's process shares them"
printf '%-8s %-6s %12s %14s\n' round tool "answers/s" "CPU us/req"
for round in $(seq "$ROUNDS"); do
  # The tool measures after a 1 s warm-up, so it runs DURATION-1 s of measurement and DURATION s in all, as wrk.
  read -r ticks secs < <(window_cpu dotnet load/FlashSale.Load/bin/Release/net10.0/FlashSale.Load.dll ceiling --url "$URL" \
    --duration "$((DURATION - 1))s" --concurrency "$CONNECTIONS" --connections "$CONNECTIONS")
  tool_rps=$(tail -1 "$LOGS/out" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["perSecond"]))')
  tool_us=$(python3 -c "print(round($ticks / $TCK / ($tool_rps * $secs) * 1e6, 1))")
  read -r ticks secs < <(window_cpu wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$URL")
  wrk_rps=$(awk '/Requests\/sec/ {printf "%d", $2}' "$LOGS/out")
  wrk_us=$(python3 -c "print(round($ticks / $TCK / ($wrk_rps * $secs) * 1e6, 1))")
  printf '%-8s %-6s %12s %14s\n' "$round" tool "$tool_rps" "$tool_us" "$round" wrk "$wrk_rps" "$wrk_us"
  python3 -c "print(f'round $round: tool/wrk answers/s {$tool_rps / $wrk_rps:.2f}, CPU per request {$tool_us / $wrk_us:.2f}x wrk\'s')"
done
