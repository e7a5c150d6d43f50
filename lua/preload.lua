-- Load a sale's inventory pool. Idempotent: a second preload (or the automatic one racing a manual one)
-- never resets remaining stock or the status, so units already admitted are not handed out twice.
--
-- KEYS[1] meta hash, KEYS[2] remaining, KEYS[3] queue stream
-- ARGV: startsAtMs, endsAtMs, perUserLimit, stock, consumerGroup, holdMs (0: immediate checkout, the claim
-- carries its payment method; else a hold sale, whose claims reserve their units for this long), maxAttempts (how
-- many claims one buyer may make in an immediate sale, each after the last failed payment; absent: 1), waitingRoom
-- ('1': claims need an admission token, lua/admit.lua; absent: '0'), pools (how many pools the sale's stock is split
-- over, Pool/SalePools.cs; this pool's stock is its share; absent: '1')
-- Returns remaining units.

redis.call('HSET', KEYS[1], 'startsAt', ARGV[1], 'endsAt', ARGV[2], 'perUserLimit', ARGV[3], 'stock', ARGV[4], 'holdMs', ARGV[6] or '0',
  'maxAttempts', ARGV[7] or '1', 'waitingRoom', ARGV[8] or '0', 'pools', ARGV[9] or '1')
redis.call('HSETNX', KEYS[1], 'status', 'open')
redis.call('HSETNX', KEYS[1], 'admitted', '0')
redis.call('HSETNX', KEYS[1], 'released', '0')
redis.call('SET', KEYS[2], ARGV[4], 'NX')
-- BUSYGROUP on a repeat is expected; the group must exist before the first claim is queued.
redis.pcall('XGROUP', 'CREATE', KEYS[3], ARGV[5], '0', 'MKSTREAM')
return redis.call('GET', KEYS[2])
