#!/usr/bin/env bash
# Redis memory of one waiting room, per ticket (docs/waiting-room.md).
#   bash load/measure-queue-memory.sh [TICKETS] [REDIS_URL]     (defaults 1000000, redis://127.0.0.1:6390)
# Fills a made-up sale's room through the service's own scripts: TICKETS pre-queue joins by lua/queue_join.lua
# (user ids "user-0000001"..., ticket ids shaped as Ids.NewTicketId makes them), then the shuffle as
# WaitingRoom/QueueShuffler.cs writes it (the contract's order from a random seed, ZADD of the ranks and RPUSH of
# the order in chunks of 10,000, between lua/queue_shuffle.lua's begin and end). Measures MEMORY USAGE ... SAMPLES 0
# of every key of the room before and after the shuffle, and the INFO memory delta, then deletes the sale's keys.
set -euo pipefail
N="${1:-1000000}"; URL="${2:-redis://127.0.0.1:6390}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
r() { redis-cli -u "$URL" "$@"; }
SALE="sale_$(python3 -c 'import uuid; print(uuid.uuid4().hex)')"
K="fs:{$SALE}"
keys=(wr wr:users wr:tickets wr:line wr:pre wr:order wr:ranks wr:admits)
script_keys() { printf '%s ' 11 "$K:wr" "$K:wr:users" "$K:wr:tickets" "$K:wr:line" "$K:wr:pre" "$K:wr:admits" "$K:remaining" "$K:wr:order" "$K:wr:ranks" "$K:meta" "$K:wr:shuffling"; }
used() { r INFO memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }
report() {
  local total=0 bytes
  for k in "${keys[@]}"; do
    bytes=$(r MEMORY USAGE "$K:$k" SAMPLES 0); bytes=${bytes:-0}
    printf '  %-11s %12s bytes\n' "$k" "$bytes"; total=$((total + bytes))
  done
  printf '  %-11s %12s bytes = %s bytes per ticket\n' total "$total" "$((total / N))"
}

join=$(r SCRIPT LOAD "$(cat "$ROOT/lua/queue_join.lua")")
shuffle=$(r SCRIPT LOAD "$(cat "$ROOT/lua/queue_shuffle.lua")")
now=$(( $(date +%s) * 1000 ))
opens=$((now - 60000)); starts=$((now + 3600000)); ends=$((now + 7200000))
before=$(used)
echo "joining $N tickets to $SALE"
python3 - "$N" "$join" "$opens" "$starts" "$ends" $(script_keys) <<'PY' | r --pipe >/dev/null
import base64, os, sys
n, sha, opens, starts, ends = sys.argv[1:6]; keys = sys.argv[6:]
out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for i in range(int(n)):
    ticket = "tkt_" + base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
    cmd("EVALSHA", sha, *keys, "user-%07d" % i, ticket, opens, starts, ends, 60000, 120000)
PY
echo "before the shuffle:"; report
joined=$(used)

# The start: move it to now, then shuffle as the service does.
r HSET "$K:wr" startsAt "$(( $(date +%s) * 1000 - 1 ))" >/dev/null
mapfile -t begun < <(r EVALSHA "$shuffle" $(script_keys) begin measure 60000 "$opens" "$starts" "$ends" 60000 120000)
echo "shuffle: ${begun[0]}, ${begun[1]} tickets"
shuffle_writes=$(cat <<'PY'
import hashlib, os, sys
keys = sys.argv[1:]; line, order = keys[4], keys[8]
seed = os.urandom(32)
tickets = [t for t in sys.stdin.read().split() if t]
tickets.sort(key=lambda t: hashlib.sha256(seed + t.encode()).hexdigest())
out = sys.stdout.buffer
def cmd(*args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for start in range(0, len(tickets), 10000):
    chunk = tickets[start:start + 10000]
    zadd = ["ZADD", line]
    for i, t in enumerate(chunk): zadd += [start + i, t]
    cmd(*zadd)
    cmd("RPUSH", order, *chunk)
PY
)
r --raw LRANGE "$K:wr:pre" 0 -1 | python3 -c "$shuffle_writes" $(script_keys) | r --pipe >/dev/null
echo "shuffle end: $(r EVALSHA "$shuffle" $(script_keys) end measure)"
echo "after the shuffle:"; report
after=$(used)
echo "INFO memory used_memory: +$((joined - before)) bytes after the joins ($(( (joined - before) / N )) per ticket), +$((after - before)) after the shuffle ($(( (after - before) / N )) per ticket)"
for k in "${keys[@]}"; do r UNLINK "$K:$k" >/dev/null; done
