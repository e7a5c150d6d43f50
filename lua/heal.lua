-- Put back into a sale's pool the claims PostgreSQL recorded and the pool lost (a failover to a replica that had
-- not seen them, or a restart that lost the last writes). Each lost claim is replayed as admit.lua wrote it, and
-- released again when PostgreSQL already gave its units back, so the pool's counts end where they would have been.
-- Idempotent: a claim the pool holds is left alone (its release is made sure of, exactly once, as release.lua does).
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] users hash, KEYS[4] claims hash, KEYS[5] released set
-- ARGV: groups of five: claim key (16 bytes), userId, quantity, record ("userId|quantity|msSinceStart|paymentMethodId"),
--       returned ('1' when PostgreSQL gave the claim's units back, else '0')
-- Returns {claims restored, units restored}

local claims, units = 0, 0
for i = 1, #ARGV, 5 do
  local key, user, quantity, record, returned = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3], ARGV[i + 4]
  if redis.call('HSETNX', KEYS[4], key, record) == 1 then
    -- The buyer's dedupe token names the recorded claim: a retry is a replay of it, never a second claim.
    redis.call('HSET', KEYS[3], user, key)
    redis.call('DECRBY', KEYS[2], quantity)
    redis.call('HINCRBY', KEYS[1], 'admitted', quantity)
    claims = claims + 1
    units = units + quantity
  end
  if returned == '1' and redis.call('SADD', KEYS[5], key) == 1 then
    redis.call('INCRBY', KEYS[2], quantity)
    redis.call('HINCRBY', KEYS[1], 'released', quantity)
  end
end
return {claims, units}
