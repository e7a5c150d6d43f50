-- Take a ticket in a sale's waiting room, one per user: a user who holds one gets it back.
--
-- KEYS (every queue script takes the same, SaleKeys.RoomScriptKeys): [1] room hash, [2] users hash (userId ->
-- ticketId), [3] tickets hash (ticketId -> record: one flag character then the userId; '0' waiting or admitted,
-- '1' sent back to the end of the queue once already, 'u' its token made a claim), [4] line zset, [5] pre-queue list,
-- [6] admissions zset, [7] the pool's remaining units, [8] pre-queue order list, [9] pre-queue ranks, [10] the pool's
-- meta, [11] shuffle lock
-- ARGV: userId, ticketId (a fresh candidate), then the room's settings, written only by the first script that finds
-- no room: opensAtMs, startsAtMs, endsAtMs, outflowPerMinute, tokenMs
-- Returns {outcome, ticketId}: created, replay, not_open (before the queue opens), ended.
--
-- A ticket taken before startsAt (by Redis's clock, the same for every edge) waits in the pre-queue list, unranked:
-- arriving early gives no edge. One taken later joins the line at once, after every pre-queue ticket: pre-queue
-- ranks are 0..n-1, later arrivals 2^32 + their arrival number.

local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return {'replay', existing} end

if redis.call('HEXISTS', KEYS[1], 'startsAt') == 0 then
  redis.call('HSET', KEYS[1], 'opensAt', ARGV[3], 'startsAt', ARGV[4], 'endsAt', ARGV[5], 'tokenMs', ARGV[7],
    'seq', '0', 'pre', '0', 'admitScore', '-1', 'lapsedThrough', '-1', 'admitted', '0', 'used', '0', 'requeued', '0')
  -- A rate PATCHed before anyone joined is already here, and wins.
  redis.call('HSETNX', KEYS[1], 'outflow', ARGV[6])
end

local room = redis.call('HMGET', KEYS[1], 'opensAt', 'startsAt', 'endsAt')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now < tonumber(room[1]) then return {'not_open', ''} end
if now >= tonumber(room[3]) or redis.call('HGET', KEYS[10], 'status') == 'closed' then return {'ended', ''} end

redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[2], '0' .. ARGV[1])
if now < tonumber(room[2]) then
  redis.call('RPUSH', KEYS[5], ARGV[2])
  redis.call('HINCRBY', KEYS[1], 'pre', 1)
else
  local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
  redis.call('ZADD', KEYS[4], 4294967296 + seq, ARGV[2])
end
return {'created', ARGV[2]}
