-- Move a sale's end (PATCH /admin/sales/{id} endsAt) in the Redis copies that judge it: the pool's meta (the admit
-- script's window) and the waiting room (joins and the outflow), each only where it exists already; a pool loaded or
-- a room made later takes the end from PostgreSQL, which was changed first.
--
-- KEYS[1] the pool's meta hash, KEYS[2] the waiting room's hash. ARGV: endsAtMs
-- Returns {meta changed 0/1, room changed 0/1}.

local meta, room = 0, 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'endsAt', ARGV[1])
  meta = 1
end
if redis.call('HEXISTS', KEYS[2], 'startsAt') == 1 then
  redis.call('HSET', KEYS[2], 'endsAt', ARGV[1])
  room = 1
end
return {meta, room}
