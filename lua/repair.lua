-- Set a sale's remaining units to what PostgreSQL says, but only if nothing moved since the reconciler
-- looked: the same remaining, admitted and released. A claim admitted in between makes this a no-op,
-- and the next pass looks again.
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] queue stream (must be empty: no claim between Redis and PostgreSQL)
-- ARGV: expectedRemaining, expectedAdmitted, expectedReleased, newRemaining
-- Returns 1 when repaired, 0 when something moved.

local remaining = redis.call('GET', KEYS[2])
local meta = redis.call('HMGET', KEYS[1], 'admitted', 'released')
if remaining ~= ARGV[1] or meta[1] ~= ARGV[2] or meta[2] ~= ARGV[3] or redis.call('XLEN', KEYS[3]) ~= 0 then
  return 0
end
redis.call('SET', KEYS[2], ARGV[4])
return 1
