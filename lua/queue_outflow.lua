-- One tick of a sale's outflow: tickets whose tokens lapsed go back to the end of the line (once), then the next
-- tickets in line are admitted, as many as the rate allows since the last tick. The rate is kept here, by Redis's
-- clock and one credit in the room, so any number of edges ticking at any pace admit no faster than the rate together.
--
-- KEYS: as lua/queue_join.lua. ARGV: maxElapsedMs (the most time one tick may catch up on: a room nobody ticked for
-- a while does not admit a burst), maxBatches (lapsed admission batches looked at per tick)
-- Returns {outcome, admitted, requeued}: ok, or not_shuffled (nothing done; positions do not exist yet).
--
-- The credit is kept in ticket-milliseconds per minute (elapsed ms x rate), an integer: n tickets are due once it
-- reaches n x 60000. While nobody waits or nothing is left to sell, no more than one ticket's credit is banked.
--
-- Never more tokens out (admitted, neither used nor lapsed) than units left: with every admitted buyer claiming,
-- the winners are exactly the first tickets of the line, whatever the rate.

local BASE = 4294967296
local room = redis.call('HMGET', KEYS[1], 'shuffled', 'outflow', 'lastMs', 'acc', 'admitScore', 'tokenMs', 'lapsedThrough', 'endsAt',
  'admitted', 'used', 'lapsed')
if room[1] ~= '1' then return {'not_shuffled', 0, 0} end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Lapsed tokens, batch by batch in admission order: a ticket neither used nor sent back before goes to the end.
local tokenMs = tonumber(room[6])
local lapsed = room[7]
local requeued = 0
local lapsedNow = 0
local batches = redis.call('ZRANGEBYSCORE', KEYS[6], '(' .. lapsed, '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
for i = 1, #batches, 2 do
  local at = tonumber(string.match(batches[i], '^(%d+)'))
  if at + tokenMs > now then break end
  local threshold = batches[i + 1]
  local tickets = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. lapsed, threshold, 'WITHSCORES')
  for j = 1, #tickets, 2 do
    local ticket = tickets[j]
    local record = redis.call('HGET', KEYS[3], ticket)
    -- Every admission ends used (admit.lua counts it) or lapsed (counted here), whether it goes back or stays expired.
    if record and string.sub(record, 1, 1) ~= 'u' then lapsedNow = lapsedNow + 1 end
    if record and string.sub(record, 1, 1) == '0' then
      local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
      -- The fairness listing finds a pre-queue ticket by its rank, which its new score no longer says.
      if tonumber(tickets[j + 1]) < BASE then redis.call('HSET', KEYS[9], ticket, tickets[j + 1]) end
      redis.call('ZADD', KEYS[4], BASE + seq, ticket)
      redis.call('HSET', KEYS[3], ticket, '1' .. string.sub(record, 2))
      requeued = requeued + 1
    end
  end
  lapsed = threshold
end
if requeued > 0 then redis.call('HINCRBY', KEYS[1], 'requeued', requeued) end
local lapsedCount = tonumber(room[11] or '0') + lapsedNow
if lapsedNow > 0 then redis.call('HSET', KEYS[1], 'lapsed', lapsedCount) end

local outflow = tonumber(room[2])
local last = tonumber(room[3] or now)
-- A new room starts with one ticket's credit: its first ticket is let in at once, whatever the rate.
local acc = tonumber(room[4] or '60000') + math.min(math.max(now - last, 0), tonumber(ARGV[1])) * outflow
local due = math.floor(acc / 60000)
local left = redis.call('GET', KEYS[7])
local admitScore = room[5]
local admitted = 0
if not left or tonumber(left) <= 0 or now >= tonumber(room[8]) then due = 0 end
-- Stock-aware: no more tokens out than units left to take them. A token not yet used or lapsed may still claim a unit,
-- so a ticket let in beyond that would race the ones before it for the last units; it waits until a token is used
-- (its unit taken) or lapses, or a unit comes back. One unit a token: the usual claim (a larger one may find the
-- units gone, like any claim).
local outstanding = tonumber(room[9] or '0') - tonumber(room[10] or '0') - lapsedCount
if left and due > tonumber(left) - outstanding then due = math.max(tonumber(left) - outstanding, 0) end
if due > 0 then
  local next = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. admitScore, '+inf', 'WITHSCORES', 'LIMIT', 0, due)
  admitted = #next / 2
  if admitted > 0 then
    admitScore = next[#next]
    redis.call('ZADD', KEYS[6], admitScore, now .. ':' .. admitScore)
    redis.call('HINCRBY', KEYS[1], 'admitted', admitted)
  end
end
acc = acc - admitted * 60000
-- Nobody waiting, or nothing to sell: at most one ticket's credit is kept, so no burst follows.
if admitted < due or due == 0 then acc = math.min(acc, 60000) end
redis.call('HSET', KEYS[1], 'lastMs', now, 'acc', tostring(acc), 'admitScore', admitScore, 'lapsedThrough', lapsed)
return {'ok', admitted, requeued}
