-- wrk's script for bench/run.py ingest: POST a new Qovery delivery each time (a new payload id, so that
-- none is a duplicate), with the hook's secret from WRK_SECRET.
local sent = 0
local secret = os.getenv("WRK_SECRET")
local template = '{"created_at":"2026-11-27T10:15:00Z","event_type":"DEPLOYMENT_STARTED",'
  .. '"payload_type":"DEPLOYMENT","payload_id":"%s-%d","payload":{"deployment_id":"%s-%d",'
  .. '"organization":{"id":"o1","name":"Acme"},"project":{"id":"p1","name":"billing"},'
  .. '"environment":{"id":"e1","name":"production","mode":"PRODUCTION"},'
  .. '"applications":[{"id":"a1","name":"api"}]}}'
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("prefix", string.format("w%d-%d", threads, math.random(1000000000)))
end

request = function()
  sent = sent + 1
  local body = string.format(template, prefix, sent, prefix, sent)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Qovery-Secret"] = secret}, body)
end
