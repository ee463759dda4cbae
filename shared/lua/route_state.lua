#!lua
-- route_state.lua - append one state change of an order to the order-router ledger and update its hash, atomically.
-- KEYS[1]: coinbus:orders:{<account>}:order:<clid>   KEYS[2]: ...:log:<clid>   KEYS[3]: ...:pending
-- KEYS[4]: coinbus:account:{<account>}:balances (the account service's cache of the venue's balances: dropped)
-- KEYS[5]: coinbus:account:{<account>}:epoch (incremented: a balances read in flight is not cached)
-- ARGV[1]: the changed fields, "name\31value\31" repeated   ARGV[2]: event name   ARGV[3]: clid
-- Returns 1, or an error when the order has no intent (a state change never creates an order).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('ERR no such order in the ledger')
end
local flat = {}
for k, v in string.gmatch(ARGV[1], '([^\31]*)\31([^\31]*)\31') do
  flat[#flat + 1] = k
  flat[#flat + 1] = v
end
redis.call('HSET', KEYS[1], unpack(flat))
redis.call('XADD', KEYS[2], '*', 'event', ARGV[2], unpack(flat))
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'pending' or status == 'unknown' then
  redis.call('SADD', KEYS[3], ARGV[3])
else
  redis.call('SREM', KEYS[3], ARGV[3])
end
redis.call('DEL', KEYS[4])
redis.call('INCR', KEYS[5])
return 1
