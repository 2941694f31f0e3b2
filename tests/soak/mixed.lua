-- wrk: the soak run's mix of good and bad requests for all three protocols.
-- wrk cannot tell which request a response belongs to, so every thread
-- counts replies per status and soak.py compares the totals with the share
-- each status has in this list.
local ns = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
local xml = "text/xml; charset=utf-8"
local function ad(body)
    return { method = "POST", path = "/autodiscover/autodiscover.xml",
             headers = { ["Content-Type"] = xml }, body = body }
end
local function get(path)
    return { method = "GET", path = path }
end

mix = {
    { 200, get("/mail/config-v1.1.xml?emailaddress=a@example.com") },
    { 200, get("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=B@EXAMPLE.ORG") },
    { 204, get("/mail/config-v1.1.xml?emailaddress=a@unknown.invalid") },
    { 400, get("/mail/config-v1.1.xml?emailaddress=a%00b@example.com") },
    { 400, get("/mail/config-v1.1.xml?emailaddress=x@example.com&emailaddress=y@example.com") },
    { 400, get("/mail/config-v1.1.xml?emailaddress=" .. string.rep("l", 1000) .. "@example.com") },
    { 200, ad('<Autodiscover xmlns="' .. ns .. '"><Request><EMailAddress>a@example.com'
              .. '</EMailAddress></Request></Autodiscover>') },
    { 400, ad('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
              .. '<Autodiscover xmlns="' .. ns .. '"><Request><EMailAddress>&x;'
              .. '</EMailAddress></Request></Autodiscover>') },
    { 400, ad('<Autodiscover xmlns="' .. ns .. '"><Request><EMailAddress>a@exa') },
    { 400, ad('<Autodiscover xmlns="' .. ns .. '"><Request><EMailAddress>\255\254@example.com'
              .. '</EMailAddress></Request></Autodiscover>') },
    { 200, get("/autodiscover/autodiscover.json?Email=a@example.com&Protocol=AutodiscoverV1") },
    { 200, get("/mobileconfig/?emailaddress=a@example.com&name=Soak%20Test") },
    { 400, get("/mobileconfig/?emailaddress=a@serverless.tld") },
    { 400, get("/mobileconfig/") },
    { 200, get("/") },
    { 405, get("/autodiscover/autodiscover.xml") },
}

-- Formatted in init(): wrk knows the Host header only once the script is loaded.
local requests = {}

local threads = {}
function setup(thread)
    table.insert(threads, thread)
end

-- wrk's thread:get() copies only numbers and strings out of a thread, so
-- each status has its own global counter ("c200") and "seen" lists them.
seen = ""
local next_request = 0
function init(args)
    for i, m in ipairs(mix) do
        local r = m[2]
        requests[i] = wrk.format(r.method, r.path, r.headers, r.body)
    end
    next_request = math.random(0, #requests - 1)
end

function request()
    next_request = next_request % #requests + 1
    return requests[next_request]
end

function response(status, headers, body)
    local key = "c" .. status
    local n = _G[key]
    if n == nil then
        seen = seen .. status .. ","
        n = 0
    end
    _G[key] = n + 1
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        for status in string.gmatch(t:get("seen"), "(%d+),") do
            local n = t:get("c" .. status)
            total[status] = (total[status] or 0) + n
        end
    end
    for status, n in pairs(total) do
        io.write(string.format("STATUS %s %d\n", status, n))
    end
    for _, m in ipairs(mix) do
        io.write(string.format("EXPECT %d\n", m[1]))
    end
end
