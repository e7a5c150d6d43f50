-- The two ends of the shuffle of a sale's pre-queue (WaitingRoom/QueueShuffler.cs computes the order in between:
-- Redis has no SHA-256). The order is a function of the seed and the tickets alone, so a shuffle redone after a
-- crash, or by another process, writes the same line.
--
-- KEYS: as lua/queue_join.lua.
-- ARGV[1] = 'begin', owner, lockMs, then the room's settings (as lua/queue_join.lua: opensAtMs, startsAtMs, endsAtMs,
-- outflowPerMinute, tokenMs): once Redis's clock reached startsAt no ticket can join the pre-queue any more; takes
-- the lock, empties any half-written order, and returns {'go', pre-queue length}; else {'done'} (already shuffled),
-- {'early'} or {'busy'} (another process holds the lock).
-- ARGV[1] = 'end', owner: the order is complete: the room is shuffled (positions exist, the outflow may start) and
-- the pre-queue list goes. Returns {'done'}, or {'redo'} when the lock was lost or the order is not complete.

if ARGV[1] == 'begin' then
  if redis.call('HEXISTS', KEYS[1], 'startsAt') == 0 then
    redis.call('HSET', KEYS[1], 'opensAt', ARGV[4], 'startsAt', ARGV[5], 'endsAt', ARGV[6], 'tokenMs', ARGV[8],
      'seq', '0', 'pre', '0', 'admitScore', '-1', 'lapsedThrough', '-1', 'admitted', '0', 'used', '0', 'requeued', '0')
    redis.call('HSETNX', KEYS[1], 'outflow', ARGV[7])
  end
  local room = redis.call('HMGET', KEYS[1], 'shuffled', 'startsAt')
  if room[1] == '1' then return {'done', 0} end
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  if now < tonumber(room[2]) then return {'early', 0} end
  if not redis.call('SET', KEYS[11], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'busy', 0} end
  redis.call('DEL', KEYS[8])
  return {'go', redis.call('LLEN', KEYS[5])}
end

if redis.call('GET', KEYS[11]) ~= ARGV[2] then return {'redo'} end
redis.call('DEL', KEYS[11])
if redis.call('LLEN', KEYS[8]) ~= redis.call('LLEN', KEYS[5]) then return {'redo'} end
redis.call('HSET', KEYS[1], 'shuffled', '1')
redis.call('DEL', KEYS[5])
return {'done'}
