#!lua
-- lease_renew.lua - renew one market-feed stream lease while this replica still holds it.
-- KEYS[1]: coinbus:market:lease:<venue>:<symbol>   ARGV[1]: replica id   ARGV[2]: TTL ms
-- Returns 1 when renewed (PEXPIRE), 0 when another replica holds it (ours is lost), and 2 when
-- the key had vanished (Redis restarted or was flushed) and was set to us again: nobody holds a
-- stream without its key, so taking a vanished one back never makes two owners.
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
