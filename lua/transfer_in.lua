-- A pool receives the units a donor pool gave (lua/transfer_out.lua). Once per transfer id, however often it runs.
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] transfers-in set
-- ARGV: transfer id, units the donor took
-- Returns 1 when the units were added now, 0 when they were already (or the pool is not loaded: -1).

if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then return 0 end
local units = tonumber(ARGV[2])
if units > 0 then
  redis.call('INCRBY', KEYS[2], units)
  redis.call('HINCRBY', KEYS[1], 'movedIn', units)
end
return 1
