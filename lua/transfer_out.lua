-- A donor pool gives units to another pool of the same sale (Pool/PoolTransfers.cs; docs/hot-sales.md §3). Once per
-- transfer id: a repeat answers what the first run took and takes nothing more.
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] transfers-out hash (transfer id -> units taken)
-- ARGV: transfer id, units wanted, exact ('1': take exactly that many, even past zero; a pool rebuilt after a failover
--       gives again what PostgreSQL booked as given; '0': take what there is, at most the units wanted)
-- Returns the units taken (0: nothing to give; -1: the pool is not loaded).

if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local done = redis.call('HGET', KEYS[3], ARGV[1])
if done then return tonumber(done) end
local wanted = tonumber(ARGV[2])
local taken = wanted
if ARGV[3] ~= '1' then
  local remaining = tonumber(redis.call('GET', KEYS[2]) or '0')
  if remaining < taken then taken = math.max(remaining, 0) end
end
if taken > 0 then
  redis.call('DECRBY', KEYS[2], taken)
  redis.call('HINCRBY', KEYS[1], 'movedOut', taken)
end
redis.call('HSET', KEYS[3], ARGV[1], taken)
return taken
