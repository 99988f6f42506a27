-- Commands with a natural limit (a record per contract and period; submit
-- and approve once per record): the driver writes one request per line to
-- WRK_ITEMS as METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY; thread k of WRK_THREADS
-- sends the lines k, k + n, k + 2n, ... once each. A connection with
-- nothing left to send stays idle (an empty request); when every request of
-- the thread has its answer the thread stops. Requests/s is then answers
-- over the time from the first request to the last answer (not -d).
local common = dofile(os.getenv("WRK_DIR") .. "/common.lua")
common.bounded = true

local items = {}
local next_item = 1
local answered = 0
-- wrk 4.1 calls request() once on thread 0's state before the run to check
-- the script (the request is not sent): that call must not use up an item.
-- (Should a wrk not do so, item 1 goes out twice and shows as a non-2xx.)
local verify_pending = false

function init(args)
   local i = 0
   for line in io.lines(os.getenv("WRK_ITEMS")) do
      if i % common.threads == tid then
         local method, path, token, body = string.match(line, "^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
         local h = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
         table.insert(items, wrk.format(method, path, h, body))
      end
      i = i + 1
   end
   verify_pending = (tid == 0)
end

function request()
   if verify_pending then
      verify_pending = false
      return items[1]
   end
   local r = items[next_item]
   if r == nil then
      return ""
   end
   if next_item == 1 then
      first_sent = common.now()
   end
   next_item = next_item + 1
   return r
end

local count = response
function response(status, headers, body)
   count(status, headers, body)
   answered = answered + 1
   if answered == #items then
      last_answered = common.now()
      wrk.thread:stop()
   end
end
