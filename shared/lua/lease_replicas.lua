#!lua
-- lease_replicas.lua - one market-feed replica's heartbeat; counts the replicas alive.
-- KEYS[1]: coinbus:market:replicas, a sorted set of replica ids scored by expiry (Redis ms)
-- ARGV[1]: replica id   ARGV[2]: TTL ms
-- Drops the entries past their expiry, adds or refreshes ours, and returns {alive, had_me}:
-- alive counts the replicas (us included), had_me is 1 when our entry was still there (0 on
-- our first beat, and after Redis lost its data or we were silent for longer than the TTL).
-- Redis's own clock scores every entry, so replicas' clocks never need to agree.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local had_me = 0
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  had_me = 1
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
return {redis.call('ZCARD', KEYS[1]), had_me}
