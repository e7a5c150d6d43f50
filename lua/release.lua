-- Give a claim's units back to the sale, exactly once per claim however often it is called
-- (a worker that crashed after the PostgreSQL commit calls it again on redelivery).
-- The quantity comes from the claim's own record, never from the caller, so a wrong argument
-- cannot push remaining above what was admitted.
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] released set, KEYS[4] claims hash
-- ARGV: claim key (the claim id as 16 raw bytes, as admit.lua stores it)
-- Returns 1 when the units went back now, 0 when they already had or the claim is unknown here.

local record = redis.call('HGET', KEYS[4], ARGV[1])
if not record then
  return 0
end
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then
  return 0
end
-- "userId|quantity|msSinceStart|paymentMethodId", written by admit.lua
local quantity = tonumber(string.match(record, '^[^|]*|(%d+)|'))
redis.call('INCRBY', KEYS[2], quantity)
redis.call('HINCRBY', KEYS[1], 'released', quantity)
return 1
