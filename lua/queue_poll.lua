-- A ticket's place in the waiting room, read in one round trip. Writes nothing.
--
-- KEYS: as lua/queue_join.lua. ARGV: ticketId
-- Returns {status, position, aheadOfYou, tokenExpiresAtMs, outflowPerMinute, userId, soldOut, remaining, startsAtMs}:
-- status waiting, admitted, used, expired, sold_out, or unknown (no such ticket: nothing else follows);
-- position (from 1) and aheadOfYou are -1 while unknown (before the shuffle); remaining -1 when the pool is not
-- loaded yet.
--
-- A ticket is admitted once the admission cursor (room.admitScore) reached its score; its token runs from the time
-- of the admission batch that did (the first batch in the admissions zset scored at or above its score).

local record = redis.call('HGET', KEYS[3], ARGV[1])
if not record then return {'unknown'} end
local room = redis.call('HMGET', KEYS[1], 'shuffled', 'admitScore', 'outflow', 'tokenMs', 'startsAt', 'soldOut')
local left = redis.call('GET', KEYS[7])
local remaining = left and tonumber(left) or -1
-- Sold out means none can come back: every unit paid, which only PostgreSQL knows, so the outflow marks the room
-- (QueueOutflow.cs). No unit left now, but some held or being paid for, is still waiting: they may come back.
local soldOut = room[6] == '1' and '1' or '0'
local flag, user = string.sub(record, 1, 1), string.sub(record, 2)
local outflow = room[3] or '0'

local score = redis.call('ZSCORE', KEYS[4], ARGV[1])
if room[1] ~= '1' or not score then
  -- Positions exist only once the pre-queue is shuffled.
  return {flag == 'u' and 'used' or 'waiting', '-1', '-1', '0', outflow, user, soldOut, tostring(remaining), room[5] or '0'}
end
local position = redis.call('ZRANK', KEYS[4], ARGV[1]) + 1
if flag == 'u' then return {'used', tostring(position), '0', '0', outflow, user, soldOut, tostring(remaining), room[5] or '0'} end

local admitScore = tonumber(room[2])
if tonumber(score) <= admitScore then
  local batch = redis.call('ZRANGEBYSCORE', KEYS[6], score, '+inf', 'LIMIT', 0, 1)
  local expires = tonumber(string.match(batch[1], '^(%d+)')) + tonumber(room[4])
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  -- A lapsed token: the outflow sends the ticket back to the end of the line once (lua/queue_outflow.lua).
  local status = now < expires and 'admitted' or 'expired'
  return {status, tostring(position), '0', tostring(expires), outflow, user, soldOut, tostring(remaining), room[5] or '0'}
end
local ahead = redis.call('ZCOUNT', KEYS[4], '(' .. room[2], '(' .. score)
return {soldOut == '1' and 'sold_out' or 'waiting', tostring(position), tostring(ahead), '0', outflow, user, soldOut, tostring(remaining), room[5] or '0'}
