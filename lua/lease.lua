-- Renew this consumer's lease on queue entries it is still working on: their idle time goes back to 0,
-- so no other worker takes them over (XAUTOCLAIM takes only entries idle past ReclaimAfter). An entry
-- already acknowledged, or taken over by another consumer meanwhile, is left alone: a lease is only ever
-- renewed by the consumer that holds it.
--
-- KEYS[1] a sale's queue stream
-- ARGV[1] consumer group, ARGV[2] this consumer, ARGV[3..] entry ids
-- Returns how many of the entries were still this consumer's and were renewed.

local claim = { 'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0 }
local mine = 0
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) == 1 then
    claim[#claim + 1] = ARGV[i]
    mine = mine + 1
  end
end
if mine > 0 then
  -- JUSTID: a renewal is not a delivery, so the entry's delivery count stays as it is.
  claim[#claim + 1] = 'JUSTID'
  redis.call(unpack(claim))
end
return mine
