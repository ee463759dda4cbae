#!lua
-- clock.lua - keep the best recent measurement of a venue's clock offset, for every replica.
-- KEYS[1]: the venue's clock hash   ARGV[1]: offset ms   ARGV[2]: round trip ms
-- ARGV[3]: how long a measurement stays preferred, ms
-- A new measurement replaces the stored one when that one is stale or had a longer round trip
-- (a shorter round trip bounds the offset's error more tightly). Returns {offset, rtt, age_ms}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local offset, rtt, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'offset', 'rtt', 'at')
local at = tonumber(h[3])
if at == nil or now - at > keep or rtt <= tonumber(h[2]) then
  redis.call('HSET', KEYS[1], 'offset', offset, 'rtt', rtt, 'at', now)
  redis.call('PEXPIRE', KEYS[1], keep * 10)
  return {offset, rtt, 0}
end
return {tonumber(h[1]), tonumber(h[2]), now - at}
