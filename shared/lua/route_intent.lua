#!lua
-- route_intent.lua - write an order's intent to the order-router ledger, unless its client order id exists.
-- KEYS[1]: coinbus:orders:{<account>}:order:<clid> (hash, the current state)
-- KEYS[2]: coinbus:orders:{<account>}:log:<clid> (stream, every state change)
-- KEYS[3]: coinbus:orders:{<account>}:index (zset clid by created ms)
-- KEYS[4]: coinbus:orders:{<account>}:pending (set: clids in pending or unknown)
-- KEYS[5]: coinbus:account:{<account>}:balances (the account service's cache of the venue's balances: dropped)
-- KEYS[6]: coinbus:account:{<account>}:epoch (incremented: a balances read in flight is not cached)
-- ARGV[1]: the fields, "name\31value\31" repeated   ARGV[2]: clid   ARGV[3]: created ms
-- Returns {1} when written, {0, {name, value, ...}} with the existing order otherwise. The hash tag
-- puts all six keys in one Redis Cluster slot.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {0, redis.call('HGETALL', KEYS[1])}
end
local flat = {}
for k, v in string.gmatch(ARGV[1], '([^\31]*)\31([^\31]*)\31') do
  flat[#flat + 1] = k
  flat[#flat + 1] = v
end
redis.call('HSET', KEYS[1], unpack(flat))
redis.call('XADD', KEYS[2], '*', 'event', 'intent', unpack(flat))
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[2])
redis.call('DEL', KEYS[5])
redis.call('INCR', KEYS[6])
return {1}
