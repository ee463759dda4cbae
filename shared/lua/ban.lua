#!lua
-- ban.lua - every replica waits: the venue said stop (HTTP 429/418 with Retry-After).
-- KEYS[1]: the ban key   ARGV[1]: how long, ms
-- Stores ban-until (Redis clock, microseconds), never shortening a longer ban. Returns ban-until.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ms = tonumber(ARGV[1])
local untl = now + ms * 1000
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if cur > untl then return cur end
redis.call('SET', KEYS[1], string.format('%.0f', untl), 'PX', ms)
return untl
