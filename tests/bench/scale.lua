-- wrk: Autoconfig for a random one of the synthetic dataset's domains.
math.randomseed(os.time())
local domains = tonumber(os.getenv("AUTOMX_BENCH_DOMAINS") or "100000")
request = function()
    return wrk.format("GET", "/mail/config-v1.1.xml?emailaddress=u@d"
                      .. math.random(0, domains - 1) .. ".example")
end
