#!lua
-- inbound.lua - leases from one client's budget of `limit` calls per sliding `window`, for every
-- replica of api-edge. The budget is a sorted set of leases: member "<lease id>:<count>", score =
-- the time the lease's last call may happen (its end). A lease is counted until score + window,
-- so any call made while the lease was held is counted for a full window after it: in ANY window
-- of that length no more than `limit` calls happen across all replicas (never one more).
-- KEYS[1]: the client's leases (sorted set)   KEYS[2]: their running total (string)
-- ARGV[1]: op 'lease' | 'return'   ARGV[2]: limit   ARGV[3]: window ms   ARGV[4]: lease ms
-- ARGV[5]: lease id   ARGV[6]: lease: count wanted; return: count used   ARGV[7]: return: lease count
-- A returned lease keeps only the calls it made, counted from now (the last of them was no later).
-- lease returns {granted, remaining, reset_ms, retry_after_ms}; each call costs O(log n + expired).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, lease_ms = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local key, total_key = KEYS[1], KEYS[2]
local total = tonumber(redis.call('GET', total_key) or '0')
local function count_of(member) return tonumber(string.match(member, ':(%d+)$')) or 0 end
local expired = redis.call('ZRANGEBYSCORE', key, '-inf', now - window)
if #expired > 0 then
  for i = 1, #expired do total = total - count_of(expired[i]) end
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
end
if total < 0 or redis.call('ZCARD', key) == 0 then total = 0 end
local ttl = lease_ms + window + 1000
if ARGV[1] == 'return' then
  local id, used, count = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
  local removed = redis.call('ZREM', key, id .. ':' .. count)
  if removed == 1 then
    total = total - count
    if used > 0 then
      -- the calls made stay counted; the unused part of the lease is freed
      redis.call('ZADD', key, now, id .. ':' .. used)
      total = total + used
    end
  end
  redis.call('SET', total_key, total, 'PX', ttl)
  return removed
end
local want = tonumber(ARGV[6])
local free = limit - total
local granted = want
if granted > free then granted = free end
if granted < 0 then granted = 0 end
if granted > 0 then
  redis.call('ZADD', key, now + lease_ms, ARGV[5] .. ':' .. granted)
  total = total + granted
end
redis.call('SET', total_key, total, 'PX', ttl)
redis.call('PEXPIRE', key, ttl)
local reset = 0
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
if #oldest == 2 then reset = tonumber(oldest[2]) + window - now end
local retry = 0
if granted == 0 then retry = reset end
return {granted, free - granted, reset, retry}
