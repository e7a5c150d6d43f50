-- wrk script: every request is a new buyer taking a waiting-room ticket (POST /sales/{id}/queue).
--   STOREFRONT_KEY (default dev-storefront-key), RUN_TAG (keeps buyers of separate runs apart)
local key = os.getenv("STOREFRONT_KEY") or "dev-storefront-key"
local tag = os.getenv("RUN_TAG") or tostring(os.time())
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  prefix = "wrk-" .. tag .. "-" .. tid .. "-"
  counter = 0
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
end

function request()
  counter = counter + 1
  return wrk.format("POST", nil, headers, '{"userId":"' .. prefix .. counter .. '"}')
end
