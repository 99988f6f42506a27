-- Shared by the wrk scripts of benchmarks/http_bench: counts responses by
-- status class in every thread and prints one machine-readable line at the
-- end ("HTTPBENCH {json}"), which the driver parses.
--
-- Environment: WRK_TOKEN (a bearer token; optional), WRK_THREADS (the -t
-- value, so every thread knows its share of a request list).

local common = {}

common.token = os.getenv("WRK_TOKEN") or ""
common.threads = tonumber(os.getenv("WRK_THREADS") or "1")

local all_threads = {}
local next_id = 0

-- Global callbacks; a script may wrap them.
function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(all_threads, thread)
end

ok2xx = 0
non2xx = 0
first_failure = ""

function response(status, headers, body)
   if status >= 200 and status < 300 then
      ok2xx = ok2xx + 1
   else
      non2xx = non2xx + 1
      if first_failure == "" then
         first_failure = tostring(status) .. " " .. string.sub(body or "", 1, 300)
      end
   end
end

local function json_string(s)
   s = string.gsub(s, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. s .. '"'
end

-- A monotonic clock in seconds (wrk's Lua is LuaJIT: ffi is there).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } http_bench_timespec;
int clock_gettime(int clock, http_bench_timespec* tp);
]]
local now_ts = ffi.new("http_bench_timespec")
function common.now()
   ffi.C.clock_gettime(1, now_ts) -- CLOCK_MONOTONIC
   return tonumber(now_ts.tv_sec) + tonumber(now_ts.tv_nsec) / 1e9
end

-- Scripts with a request list set `common.bounded = true` and, per thread,
-- the globals `first_sent` and `last_answered` (common.now() values): the
-- duration is then from the first request to the last answer, not -d.
common.bounded = false

function done(summary, latency, requests)
   local ok, bad, failure = 0, 0, ""
   local first, last = nil, nil
   for _, t in ipairs(all_threads) do
      local f, l = t:get("first_sent"), t:get("last_answered")
      if f ~= nil and (first == nil or f < first) then
         first = f
      end
      if l ~= nil and (last == nil or l > last) then
         last = l
      end
      ok = ok + (t:get("ok2xx") or 0)
      bad = bad + (t:get("non2xx") or 0)
      local f = t:get("first_failure") or ""
      if failure == "" then
         failure = f
      end
   end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   if common.bounded and first ~= nil and last ~= nil and last > first then
      seconds = last - first
   end
   io.write(string.format(
      'HTTPBENCH {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
      '"max_ms":%.3f,"ok2xx":%d,"non2xx":%d,"socket_errors":%d,"timeouts":%d,"first_failure":%s}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      ok, bad, e.connect + e.read + e.write, e.timeout, json_string(failure)))
end

function common.headers(extra)
   local h = { ["Content-Type"] = "application/json" }
   if common.token ~= "" then
      h["Authorization"] = "Bearer " .. common.token
   end
   for k, v in pairs(extra or {}) do
      h[k] = v
   end
   return h
end

return common
