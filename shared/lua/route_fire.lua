#!lua
-- route_fire.lua - take one due order-router dead-man's timer, so exactly one replica fires it.
-- KEYS[1]: coinbus:orders:{<account>}:cancel_after (its trigger time in ms)   ARGV[1]: the value read
-- Returns 1 to the one caller that removed it, 0 when it changed (re-armed, disarmed or fired).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
