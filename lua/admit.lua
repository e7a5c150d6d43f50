-- Admit a batch of claims of one sale, in order, atomically: window and pause flag, per-user dedupe, stock check and
-- decrement, the claim record, and the queue entry the worker consumes. Everything happens in this one script so no
-- crash can leave stock taken without a queued claim, or a queued claim without the stock; a batch is applied whole
-- or not at all. Each claim is decided exactly as if it ran alone after the ones before it (a buyer twice in one
-- batch gets admitted, then replay; the last unit goes to the first in order): a batch of one is the single claim.
-- An edge sends the claims that arrived for this sale while its previous call was in flight (Pool/AdmitLane.cs).
--
-- KEYS[1] meta hash      {status, startsAt, endsAt, perUserLimit, stock, admitted, released, holdMs, maxAttempts}
-- KEYS[2] remaining      integer units left
-- KEYS[3] users hash     userId -> the dedupe token: the user's latest claim key, then (only once they claimed again)
--                        how many claims they made, then 'f' once that claim failed payment and its units went back
-- KEYS[4] claims hash    claim key -> "userId|quantity|msSinceStart|paymentMethodId" (what the reconciler re-queues from)
-- KEYS[5] queue stream   entries for the worker's consumer group, one field 'e' each: the claim key's 16 bytes alone;
--                        the worker reads the rest from the claims hash (Pool/QueueEntry.cs)
-- KEYS[6] waiting room's tickets hash, KEYS[7] waiting room hash (only read when meta.waitingRoom is '1')
-- ARGV: five per claim, in order: userId, quantity, paymentMethodId (empty: none given), claim key (a fresh candidate
-- claim id as 16 raw bytes, Pool/RedisClaimId.cs), admission (a waiting-room sale's token as the edge checked it:
-- empty none, '-' not valid for this sale and user, else "ticketId|expiresAtMs")
-- Returns one array per claim, in order: {outcome, claim key-or-empty, remaining}, and for an admit into a hold sale a
-- fourth element: when the hold expires (epoch ms, by Redis's clock). A sale of immediate checkout refuses a claim
-- with no payment method (payment_method_required) before anything is written. A waiting-room sale's claim is refused, before anything is
-- written, with admission_required (no token), admission_invalid (not this sale's or user's), admission_unknown (no
-- such ticket), admission_used or admission_expired.
--
-- Both hashes hold the claim key and the admission time as milliseconds since meta's startsAt, not the
-- 36-character id and a 13-digit epoch time: each claim lives in the pool until the sale's keys go, and the
-- shorter strings fall into smaller allocations (see Pool/RedisClaimId.cs). The queue entry holds the key alone, in
-- one field: the claim record written by this same script already holds the rest, so the stream holds nothing twice.
--
-- Claiming again (immediate checkout only): a buyer whose latest claim failed payment may make a new claim, up to
-- meta's maxAttempts claims in the sale. The 'f' that allows it is written by release.lua (and heal.lua) in the
-- script that gives that claim's units back, so a buyer can never hold a second claim while the first one still
-- holds stock. Deciding here, in the script that takes the stock, makes two concurrent retries of one buyer
-- safe: the first rewrites the token without the 'f', so the second is a replay of the new claim. A first claim's
-- token stays the bare 16 bytes; only a buyer who claimed again carries the count (1-2 digits) and the 'f', which
-- stay within the allocation the 16 bytes already take. A pool without maxAttempts (preloaded before the rule)
-- allows one claim, as before.
--
-- Waiting room: a claim needs a token the edge verified (its signature, sale and user); here, in the claim's own
-- step, the token is used up, so two claims racing with one token take one unit between them. A user's repeat is
-- still a replay (the retry of a claim whose answer was lost must get it back), but only with a token of theirs.
-- Every refusal comes before anything is written: a refused token stays as good as it was.

-- Read once per batch: the sale's settings, the clock, the stock and the buyers' tokens. The stock, the counts, the
-- tokens and the claim records are written once at the end; only the queue entries are written one per claim. A later
-- claim of the batch sees an earlier one through the locals (remaining, tokens).
local results = {}
local count = #ARGV / 5
local meta = redis.call('HMGET', KEYS[1], 'status', 'startsAt', 'endsAt', 'perUserLimit', 'holdMs', 'waitingRoom')
if not meta[1] then
  for i = 1, count do results[i] = {'not_preloaded', '', '-1'} end
  return results
end
local holdMs = tonumber(meta[5] or '0')
local room = meta[6] == '1'
local status = meta[1]
local startsAt = tonumber(meta[2])
local endsAt = tonumber(meta[3])
local perUserLimit = tonumber(meta[4])
local maxAttempts
local remaining = tonumber(redis.call('GET', KEYS[2]) or '0')
-- The window is decided by Redis's clock, the same for every edge: an edge whose clock runs ahead cannot let
-- buyers in early (or keep them out late). Redis 7 replicates the script's effects, so TIME is allowed here.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local taken = 0
local used = 0

-- Every buyer's dedupe token in one read; a buyer's token written earlier in this batch is the one that counts.
local tokens = {}
local users = {}
for i = 1, count do users[i] = ARGV[(i - 1) * 5 + 1] end
local stored = redis.call('HMGET', KEYS[3], unpack(users))
for i = 1, count do
  if stored[i] and tokens[users[i]] == nil then tokens[users[i]] = stored[i] end
end
-- The admitted claims' tokens and records, written in one command each at the end.
local tokenWrites = {}
local recordWrites = {}

local function admit(user, quantityArg, paymentMethod, claimKey, admission)
  if holdMs == 0 and paymentMethod == '' then
    return {'payment_method_required', '', '-1'}
  end
  if room then
    if admission == '' then return {'admission_required', '', '-1'} end
    if admission == '-' then return {'admission_invalid', '', '-1'} end
  end

  -- A user's repeat gets the claim they already hold, whatever the sale's state is by now; a buyer who may claim
  -- again goes on as a new claim (sold out, ended or paused like anyone else's), counted as their next.
  local made = 0
  local existing = tokens[user]
  if existing then
    -- The 16-byte key itself may end in 'f': only a token longer than the key carries a count or the mark.
    local failed = holdMs == 0 and #existing > 16 and string.sub(existing, -1) == 'f'
    if failed then
      made = tonumber(string.sub(existing, 17, -2)) or 1
      maxAttempts = maxAttempts or tonumber(redis.call('HGET', KEYS[1], 'maxAttempts') or '1')
      failed = made < maxAttempts
    end
    if not failed then
      return {'replay', string.sub(existing, 1, 16), tostring(remaining)}
    end
  end

  -- An ended sale says so even while paused: "paused, try later" would promise what cannot come.
  if status == 'closed' or now >= endsAt then return {'sale_ended', '', tostring(remaining)} end
  if status == 'paused' then return {'sale_paused', '', tostring(remaining)} end
  if now < startsAt then return {'sale_not_started', '', tostring(remaining)} end

  local quantity = tonumber(quantityArg)
  if quantity < 1 or quantity > perUserLimit then
    return {'invalid_quantity', '', tostring(remaining)}
  end
  if remaining < quantity then
    return {'sold_out', '', tostring(remaining)}
  end
  if room then
    local ticket, expires = string.match(admission, '^([^|]+)|(%d+)$')
    local record = ticket and redis.call('HGET', KEYS[6], ticket)
    -- Every refusal is 403 admission_invalid to the buyer; the outcome says why, for the service's metrics.
    local refusal
    if not record then refusal = 'admission_unknown'
    elseif string.sub(record, 2) ~= user then refusal = 'admission_invalid'
    elseif string.sub(record, 1, 1) == 'u' then refusal = 'admission_used'
    elseif now >= tonumber(expires) then refusal = 'admission_expired' end
    if refusal then return {refusal, '', tostring(remaining)} end
    redis.call('HSET', KEYS[6], ticket, 'u' .. user)
    used = used + 1
  end

  remaining = remaining - quantity
  taken = taken + quantity
  local token = made == 0 and claimKey or claimKey .. tostring(made + 1)
  tokens[user] = token
  tokenWrites[#tokenWrites + 1] = user
  tokenWrites[#tokenWrites + 1] = token
  recordWrites[#recordWrites + 1] = claimKey
  recordWrites[#recordWrites + 1] = user .. '|' .. quantityArg .. '|' .. (now - startsAt) .. '|' .. paymentMethod
  -- One field (Pool/QueueEntry.cs): the claim key's 16 bytes; its record is in the claims hash, written below.
  redis.call('XADD', KEYS[5], '*', 'e', claimKey)
  if holdMs > 0 then
    return {'admitted', claimKey, tostring(remaining), tostring(now + holdMs)}
  end
  return {'admitted', claimKey, tostring(remaining)}
end

for i = 1, count do
  local b = (i - 1) * 5
  results[i] = admit(ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5])
end
if taken > 0 then
  redis.call('HSET', KEYS[3], unpack(tokenWrites))
  redis.call('HSET', KEYS[4], unpack(recordWrites))
  redis.call('DECRBY', KEYS[2], taken)
  redis.call('HINCRBY', KEYS[1], 'admitted', taken)
end
if used > 0 then
  redis.call('HINCRBY', KEYS[7], 'used', used)
end
return results
