#!lua
-- trueup.lua - raise our count of the current window to what the venue says it has used
-- (Binance X-MBX-USED-WEIGHT-1M, X-MBX-ORDER-COUNT-10S ...). Never lowers it: replicas' calls the
-- venue has not counted yet must stay counted.
-- KEYS[1]: the base key   ARGV[1]: window ms   ARGV[2]: used. Returns the count now stored.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = tonumber(ARGV[1])
local ws = now - (now % win)
local key = KEYS[1] .. ':' .. ws
local cur = tonumber(redis.call('GET', key) or '0')
local used = tonumber(ARGV[2])
if used > cur then
  redis.call('SET', key, used, 'PX', ws + 2 * win - now)
  return used
end
return cur
