-- wrk script for bench/events-pg: every request is one full widget batch,
-- POST /v1/events with 10 events (2 of each kind) for the demo campaign,
-- sent as text/plain like the widget's sendBeacon.
local kinds = { "impression", "click", "snooze_later", "snooze_close", "snooze_supporting" }
local events = {}
for i = 1, 10 do
   local kind = kinds[(i - 1) % #kinds + 1]
   events[i] = '{"kind":"' .. kind .. '","campaign":"demo-2026","variant":"a"}'
end

wrk.method = "POST"
wrk.body = '{"events":[' .. table.concat(events, ",") .. ']}'
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
