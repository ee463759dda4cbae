#!lua
-- window.lua - reserve on several fixed-window counters at once (Binance REQUEST_WEIGHT per minute,
-- ORDERS per 10 s and per day, RAW_REQUESTS per 5 min), for every replica, on Redis's clock.
-- KEYS[1]: the ban key (ban-until, microseconds); KEYS[1+i]: the base key of limit i
-- ARGV[1]: max wait, ms; then for each limit i: ARGV[2+3(i-1)] limit, [3+..] window ms, [4+..] cost
-- ARGV[2+3n] (optional): '1' for a dry run: the same decision, nothing reserved (used as if it were).
-- Windows are aligned like the venue's (epoch multiples of the window). The call goes in the first
-- instant T >= now (and past any ban) at which every limit's window holding T has room; the cost is
-- then added to those windows. Returns {admitted, wait_ms, used_1, used_2, ...} (used after this
-- call when admitted, before it when refused); a cost above its limit can never fit: error.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max_wait = tonumber(ARGV[1])
local n = #KEYS - 1
local limits, wins, costs = {}, {}, {}
for i = 1, n do
  limits[i] = tonumber(ARGV[2 + 3 * (i - 1)])
  wins[i] = tonumber(ARGV[3 + 3 * (i - 1)])
  costs[i] = tonumber(ARGV[4 + 3 * (i - 1)])
  if costs[i] > limits[i] then
    return redis.error_reply('ERR cost ' .. costs[i] .. ' exceeds limit ' .. limits[i])
  end
end
local at = now
local ban = tonumber(redis.call('GET', KEYS[1]) or '0')
local ban_ms = math.ceil(ban / 1000)
if ban_ms > at then at = ban_ms end
local used = {}
for iter = 1, 64 do
  local later = at
  for i = 1, n do
    local ws = at - (at % wins[i])
    local cnt = tonumber(redis.call('GET', KEYS[1 + i] .. ':' .. ws) or '0')
    used[i] = cnt
    if costs[i] > 0 and cnt + costs[i] > limits[i] and ws + wins[i] > later then
      later = ws + wins[i]
    end
  end
  if later == at then break end
  at = later
  if at - now > max_wait then break end
end
local wait = at - now
local reply = {0, wait}
if wait <= max_wait and ARGV[2 + 3 * n] == '1' then
  reply[1] = 1
  for i = 1, n do used[i] = used[i] + costs[i] end
elseif wait <= max_wait then
  reply[1] = 1
  for i = 1, n do
    local ws = at - (at % wins[i])
    local key = KEYS[1 + i] .. ':' .. ws
    used[i] = redis.call('INCRBY', key, costs[i])
    redis.call('PEXPIRE', key, ws + 2 * wins[i] - now)
  end
end
for i = 1, n do reply[2 + i] = used[i] end
return reply
