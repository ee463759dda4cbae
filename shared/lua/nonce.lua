#!lua
-- nonce.lua - the next nonce of one API key, strictly increasing across every replica.
-- KEYS[1]: the key's nonce counter (coinbus:nonce:<venue>:<key fingerprint>)
-- ARGV[1]: the caller's clock in the nonce's unit (e.g. microseconds), as a decimal string
-- Returns max(ARGV[1], last + 1) as an integer and stores it. Both values stay far below
-- 2^53, so Lua's number comparison is exact; the increment itself is Redis's 64-bit INCR.
local last = redis.call('GET', KEYS[1])
local now = ARGV[1]
if not string.match(now, '^%d+$') then
  return redis.error_reply('ERR nonce clock must be a non-negative integer')
end
if last == false or tonumber(now) > tonumber(last) then
  redis.call('SET', KEYS[1], now)
  return tonumber(now)
end
return redis.call('INCR', KEYS[1])
