-- Put back into a sale's pool the claims PostgreSQL recorded and the pool lost (a failover to a replica that had
-- not seen them, or a restart that lost the last writes). Each lost claim is replayed as admit.lua wrote it, and
-- released again when PostgreSQL already gave its units back, so the pool's counts end where they would have been.
-- Idempotent: a claim the pool holds is left alone (its release is made sure of, exactly once, as release.lua does).
--
-- A buyer may have several claims (immediate checkout: claiming again after a failed payment). Only their latest
-- claim carries a token, the one admit.lua would have left (the key, and their number of claims once past one);
-- it is written only when that claim itself was lost, since a pool that kept it kept the token too. A latest claim
-- that failed payment gets the 'f' when its units go back, as release.lua marks it, in the same step.
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] users hash, KEYS[4] claims hash, KEYS[5] released set
-- ARGV: groups of six: claim key (16 bytes), userId, quantity, record ("userId|quantity|msSinceStart|paymentMethodId"),
--       returned ('1' when PostgreSQL gave the claim's units back, 'f' when it did because the payment failed, else '0'),
--       token (the users hash value for the buyer's latest claim; empty for their earlier ones)
-- Returns {claims restored, units restored}

local immediate = tonumber(redis.call('HGET', KEYS[1], 'holdMs') or '0') == 0
local claims, units = 0, 0
for i = 1, #ARGV, 6 do
  local key, user, quantity, record, returned, token = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  if redis.call('HSETNX', KEYS[4], key, record) == 1 then
    -- The buyer's dedupe token names the recorded claim: a retry is a replay of it, never a second claim.
    if token ~= '' then redis.call('HSET', KEYS[3], user, token) end
    redis.call('DECRBY', KEYS[2], quantity)
    redis.call('HINCRBY', KEYS[1], 'admitted', quantity)
    claims = claims + 1
    units = units + quantity
  end
  if returned ~= '0' and redis.call('SADD', KEYS[5], key) == 1 then
    redis.call('INCRBY', KEYS[2], quantity)
    redis.call('HINCRBY', KEYS[1], 'released', quantity)
    if returned == 'f' and immediate then
      local current = redis.call('HGET', KEYS[3], user)
      if current and string.sub(current, 1, 16) == key and (#current == 16 or string.sub(current, -1) ~= 'f') then
        redis.call('HSET', KEYS[3], user, current .. 'f')
      end
    end
  end
end
return {claims, units}
