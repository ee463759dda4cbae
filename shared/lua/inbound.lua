-- inbound.lua - leases from one client's budget of `limit` calls per sliding `window`, for every
-- replica of api-edge. The budget is a sorted set of leases: member "<lease id>:<count>", score =
-- the time the lease's last call may happen (its end). A lease is counted until score + window,
-- so any call made while the lease was held is counted for a full window after it: in ANY window
-- of that length no more than `limit` calls happen across all replicas (never one more).
-- KEYS[1]: the client's budget
-- ARGV[1]: op 'lease' | 'return'   ARGV[2]: limit   ARGV[3]: window ms   ARGV[4]: lease ms
-- ARGV[5]: lease id   ARGV[6]: lease: count wanted; return: count used   ARGV[7]: return: lease count
-- A returned lease keeps only the calls it made, counted from now (the last of them was no later).
-- lease returns {granted, remaining, reset_ms, retry_after_ms, lease_end_ms}
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, lease_ms = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if ARGV[1] == 'return' then
  local id, used, count = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
  local removed = redis.call('ZREM', key, id .. ':' .. count)
  if removed == 1 and used > 0 then
    -- the calls made stay counted; the unused part of the lease is freed
    redis.call('ZADD', key, now, id .. ':' .. used)
  end
  return removed
end
local members = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local used = 0
local oldest = nil
for i = 1, #members, 2 do
  local c = tonumber(string.match(members[i], ':(%d+)$')) or 0
  used = used + c
  local s = tonumber(members[i + 1])
  if oldest == nil or s < oldest then oldest = s end
end
local want = tonumber(ARGV[6])
local free = limit - used
local granted = want
if granted > free then granted = free end
if granted < 0 then granted = 0 end
local lease_end = now + lease_ms
if granted > 0 then
  redis.call('ZADD', key, lease_end, ARGV[5] .. ':' .. granted)
  if oldest == nil or lease_end < oldest then oldest = lease_end end
end
redis.call('PEXPIRE', key, lease_ms + window + 1000)
local reset = 0
if oldest ~= nil then reset = oldest + window - now end
local retry = 0
if granted == 0 then retry = reset end
return {granted, free - granted, reset, retry, lease_end}
