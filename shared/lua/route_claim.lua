#!lua
-- route_claim.lua - take the lease of one pending or unknown order-router ledger entry to resolve it.
-- KEYS[1]: coinbus:orders:{<account>}:order:<clid>   KEYS[2]: ...:pending
-- ARGV[1]: replica id   ARGV[2]: now ms   ARGV[3]: lease ms   ARGV[4]: ms before this entry is tried again   ARGV[5]: clid
-- ARGV[6]: '1' to renew before a send (the entry is due whatever its next try; next_try is kept)
-- Returns 1 when this replica holds the lease now (it held it, or its holder let it expire: a dead
-- replica) and the entry is due, 0 otherwise. An entry no longer pending or unknown leaves the set.
local v = redis.call('HMGET', KEYS[1], 'status', 'owner', 'lease_until', 'next_try')
if v[1] == false then
  redis.call('SREM', KEYS[2], ARGV[5])
  return 0
end
if v[1] ~= 'pending' and v[1] ~= 'unknown' then
  redis.call('SREM', KEYS[2], ARGV[5])
  return 0
end
local now = tonumber(ARGV[2])
if v[2] ~= ARGV[1] and tonumber(v[3] or '0') > now then
  return 0
end
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'lease_until', tostring(now + tonumber(ARGV[3])))
  return 1
end
if tonumber(v[4] or '0') > now then
  return 0
end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'lease_until', tostring(now + tonumber(ARGV[3])),
           'next_try', tostring(now + tonumber(ARGV[4])))
return 1
