-- Give a claim's units back to the sale, exactly once per claim however often it is called
-- (a worker that crashed after the PostgreSQL commit calls it again on redelivery).
-- The quantity comes from the claim's own record, never from the caller, so a wrong argument
-- cannot push remaining above what was admitted.
--
-- A claim of an immediate-checkout sale that failed payment also marks its buyer's dedupe token 'f' (see admit.lua):
-- from then on the buyer may claim again. The mark is written here, with the units going back, so no buyer can
-- hold a new claim while the failed one still holds stock, and a return run again (SADD says it ran) marks nothing
-- twice. Only the token that still names this claim is marked: a token that moved on is a newer claim's.
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] released set, KEYS[4] claims hash, KEYS[5] users hash
-- ARGV: claim key (the claim id as 16 raw bytes, as admit.lua stores it), '1' when the claim ended payment_failed
-- (else '0' or absent)
-- Returns 1 when the units went back now, 0 when they already had or the claim is unknown here.

local record = redis.call('HGET', KEYS[4], ARGV[1])
if not record then
  return 0
end
if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then
  return 0
end
-- "userId|quantity|msSinceStart|paymentMethodId", written by admit.lua
local user, quantity = string.match(record, '^([^|]*)|(%d+)|')
redis.call('INCRBY', KEYS[2], tonumber(quantity))
redis.call('HINCRBY', KEYS[1], 'released', tonumber(quantity))
if ARGV[2] == '1' and tonumber(redis.call('HGET', KEYS[1], 'holdMs') or '0') == 0 then
  local token = redis.call('HGET', KEYS[5], user)
  if token and string.sub(token, 1, 16) == ARGV[1] and (#token == 16 or string.sub(token, -1) ~= 'f') then
    redis.call('HSET', KEYS[5], user, token .. 'f')
  end
end
return 1
