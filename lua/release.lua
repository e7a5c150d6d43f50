-- Give a claim's units back to the sale, exactly once per claim however often it is called
-- (a worker that crashed after the PostgreSQL commit calls it again on redelivery).
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] released set
-- ARGV: claimId, quantity
-- Returns 1 when the units went back now, 0 when they already had.

if redis.call('SADD', KEYS[3], ARGV[1]) == 0 then
  return 0
end
redis.call('INCRBY', KEYS[2], ARGV[2])
redis.call('HINCRBY', KEYS[1], 'released', ARGV[2])
return 1
