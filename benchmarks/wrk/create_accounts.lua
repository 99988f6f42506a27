-- Commands over HTTP without a natural limit: chamber staff (WRK_TOKEN)
-- creates auditor accounts, POST /api/v1/accounts; every request carries a
-- new e-mail address (WRK_RUN makes them unique across runs on one data
-- directory; the thread id and a counter within the run), so each one is a
-- valid, distinct command (an account, an invitation and its mail).
local common = dofile(os.getenv("WRK_DIR") .. "/common.lua")

local run = os.getenv("WRK_RUN") or tostring(os.time())
local n = 0

function init(args)
   headers = common.headers()
end

function request()
   n = n + 1
   local body = string.format(
      '{"role":"auditor","name":"Bench Auditor %d","email":"bench-%s-%d-%d@bench.example"}',
      n, run, tid, n)
   return wrk.format("POST", "/api/v1/accounts", headers, body)
end
