-- wrk script for the ingest benchmark: a Shopify sample (TOPIC, BODY_FILE) with a valid signature,
-- a new X-Shopify-Webhook-Id per request. Run through `host/benches/ingest-wrk.sh`.
local counter = 0
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local body = file:read("*a")
file:close()
local signature = os.getenv("SIGNATURE")
local topic = os.getenv("TOPIC") or "disputes/create"
local thread_tag = tostring(math.random(1, 1e9))

request = function()
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Shopify-Topic"] = topic,
    ["X-Shopify-Hmac-Sha256"] = signature,
    ["X-Shopify-Shop-Domain"] = "bench.myshopify.com",
    ["X-Shopify-API-Version"] = "2026-07",
    ["X-Shopify-Webhook-Id"] = "wrk-" .. thread_tag .. "-" .. counter,
  }
  return wrk.format("POST", nil, headers, body)
end
