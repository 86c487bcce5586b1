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
