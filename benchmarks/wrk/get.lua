-- GET of the URL's path with the bearer token WRK_TOKEN (a read).
local common = dofile(os.getenv("WRK_DIR") .. "/common.lua")

function init(args)
   req = wrk.format("GET", nil, common.headers())
end

function request()
   return req
end
