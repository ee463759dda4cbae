#!lua
-- acct_cache_put.lua - store a venue's balances in the account service's cache, unless an order changed since they were asked for.
-- KEYS[1]: coinbus:account:{<venue>}:balances   KEYS[2]: coinbus:account:{<venue>}:epoch (the order-router's ledger writes count it)
-- ARGV[1]: the epoch read before the venue was asked ('' when there was none)   ARGV[2]: the balances text   ARGV[3]: TTL ms
-- Returns 1 when stored, 0 when the epoch moved (the balances may predate an order: not cached).
local epoch = redis.call('GET', KEYS[2]) or ''
if epoch ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
