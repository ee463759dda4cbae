#!lua
-- lease_release.lua - give one market-feed stream lease back (compare-and-delete).
-- KEYS[1]: coinbus:market:lease:<venue>:<symbol>   ARGV[1]: replica id
-- Returns 1 when the key held our id and was deleted, 0 when it was someone else's or gone.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
