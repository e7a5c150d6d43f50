-- wrk script: polls waiting-room tickets round robin (GET /sales/{id}/queue/{ticketId}), the request every waiting
-- buyer repeats. The URL given to wrk is the queue's (http://host/sales/{id}/queue).
--   TICKETS (comma-separated ticket ids), STOREFRONT_KEY (default dev-storefront-key)
local key = os.getenv("STOREFRONT_KEY") or "dev-storefront-key"
local tickets = {}
for t in string.gmatch(os.getenv("TICKETS") or "", "[^,]+") do tickets[#tickets + 1] = t end
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  counter = tid
  headers = { ["Authorization"] = "Bearer " .. key }
end

function request()
  counter = counter + 1
  return wrk.format("GET", wrk.path .. "/" .. tickets[(counter % #tickets) + 1], headers)
end
