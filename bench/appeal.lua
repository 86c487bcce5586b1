-- wrk script for bench/appeal: every request is the same realistic
-- POST /v1/appeal, sent as text/plain like the widget sends it.
--   BENCH_BODY     file holding the request body (bench/appeal_data.py writes it)
--   BENCH_COUNTRY  value of the X-Country header (the proxy's country header)
local path = os.getenv("BENCH_BODY")
local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY " .. tostring(path))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
wrk.headers["X-Country"] = os.getenv("BENCH_COUNTRY") or "DE"
wrk.headers["Origin"] = "https://news.example"

-- BENCH_ADDRS (bench/appeal --postgresql): "host:port,host:port"; wrk's
-- threads are given these addresses in turn, so that with two threads and
-- two patron nodes each node gets one thread's connections, as behind a
-- balancer, with no proxy between wrk and patron.
local addrs = os.getenv("BENCH_ADDRS")
local targets = nil
local started = 0

function setup(thread)
   if addrs == nil or addrs == "" then
      return
   end
   if targets == nil then
      targets = {}
      for host, port in string.gmatch(addrs, "([^,:]+):(%d+)") do
         table.insert(targets, wrk.lookup(host, port)[1])
      end
   end
   started = started + 1
   thread.addr = targets[(started - 1) % #targets + 1]
end
