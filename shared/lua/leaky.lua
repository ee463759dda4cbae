#!lua
-- leaky.lua - reserve cost on a decaying counter (leaky bucket), shared by every replica.
-- Used for Kraken's REST and trading counters, Kraken's ~1/s public limit and generic token buckets.
-- KEYS[1]: the counter (hash: level, ts)      KEYS[2]: the ban key (ban-until, microseconds)
-- ARGV[1]: max level, milli-units             ARGV[2]: decay, milli-units per second
-- ARGV[3]: cost, milli-units                  ARGV[4]: max wait the caller accepts, ms
-- ARGV[5] (optional): '1' for a dry run: the same decision, but nothing is reserved or written.
-- Units: the level is kept in nano-units, so a decay of D milli-units/s is exactly D nano-units per
-- microsecond (integers only; every value stays below 2^53). Time is Redis's own clock, one for all.
-- Returns {admitted (0/1), wait_ms, level_after_milli, max_milli}. Admitted means the cost is reserved:
-- the caller goes after wait_ms. Refused means nothing was reserved (the wait exceeds max wait).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max = tonumber(ARGV[1]) * 1000000
local decay = tonumber(ARGV[2])
local cost = tonumber(ARGV[3]) * 1000000
local max_wait_us = tonumber(ARGV[4]) * 1000
local state = redis.call('HMGET', KEYS[1], 'level', 'ts')
local level = tonumber(state[1]) or 0
local ts = tonumber(state[2]) or now
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
if decay > 0 and elapsed > 0 then
  local full = math.ceil(level / decay)
  if elapsed > full then elapsed = full end
  level = level - decay * elapsed
  if level < 0 then level = 0 end
end
local after = level + cost
local wait_us = 0
if after > max then
  if decay <= 0 then
    wait_us = max_wait_us + 1
  else
    wait_us = math.ceil((after - max) / decay)
  end
end
local ban = tonumber(redis.call('GET', KEYS[2]) or '0')
if ban > now and ban - now > wait_us then wait_us = ban - now end
local admitted = 0
if wait_us <= max_wait_us then
  admitted = 1
  level = after
end
if ARGV[5] == '1' then
  return {admitted, math.ceil(wait_us / 1000), math.floor(level / 1000000), tonumber(ARGV[1])}
end
redis.call('HSET', KEYS[1], 'level', string.format('%.0f', level), 'ts', string.format('%.0f', now))
local ttl = 60000
if decay > 0 then ttl = math.ceil(level / decay / 1000) + 60000 end
redis.call('PEXPIRE', KEYS[1], ttl)
return {admitted, math.ceil(wait_us / 1000), math.floor(level / 1000000), tonumber(ARGV[1])}
