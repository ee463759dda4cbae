#!lua
-- circuit.lua - one circuit breaker shared by every replica (per venue, or venue + endpoint class).
-- KEYS[1]: the breaker hash
-- ARGV[1]: op: 'allow' | 'success' | 'failure' | 'peek'
-- ARGV[2]: failure threshold (consecutive)   ARGV[3]: recovery ms (open -> half-open)
-- ARGV[4]: probes allowed in half-open, across all replicas
-- ARGV[5]: successes needed to close        ARGV[6]: probe lease ms (a probe never reported expires)
-- ARGV[7]: rate rule window ms (0: off)     ARGV[8]: rate rule minimum calls   ARGV[9]: rate %
-- ARGV[10]: was the reported call a probe (1/0)
-- Returns {allowed, state, probe, retry_at_ms, failures, changed} with state 0 closed, 1 open,
-- 2 half-open; changed is 1 when this call moved the state (the caller publishes it).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local op = ARGV[1]
local threshold, recovery = tonumber(ARGV[2]), tonumber(ARGV[3])
local max_probes, to_close = tonumber(ARGV[4]), tonumber(ARGV[5])
local lease = tonumber(ARGV[6])
local rate_win, rate_min, rate_pct = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local was_probe = ARGV[10] == '1'
local h = redis.call('HMGET', KEYS[1], 'state', 'failures', 'opened', 'probes', 'probe_until',
  'successes', 'win_start', 'win_total', 'win_fail')
local state = tonumber(h[1]) or 0
local failures = tonumber(h[2]) or 0
local opened = tonumber(h[3]) or 0
local probes = tonumber(h[4]) or 0
local probe_until = tonumber(h[5]) or 0
local successes = tonumber(h[6]) or 0
local win_start = tonumber(h[7]) or now
local win_total = tonumber(h[8]) or 0
local win_fail = tonumber(h[9]) or 0
local before = state
local allowed, probe = 0, 0

local function open_now()
  state = 1; opened = now; probes = 0; successes = 0
end

-- open -> half-open once the recovery time has passed
if state == 1 and now >= opened + recovery then
  state = 2; probes = 0; successes = 0; probe_until = 0
end
-- probes that were never reported give their place back when their lease ends
if state == 2 and probes > 0 and now >= probe_until then probes = 0 end
if rate_win > 0 and now >= win_start + rate_win then
  win_start = now - ((now - win_start) % rate_win); win_total = 0; win_fail = 0
end

if op == 'allow' then
  if state == 0 then
    allowed = 1
  elseif state == 2 and probes < max_probes then
    allowed = 1; probe = 1; probes = probes + 1; probe_until = now + lease
  end
elseif op == 'success' then
  if state == 0 then
    failures = 0
  elseif state == 2 and was_probe then
    if probes > 0 then probes = probes - 1 end
    successes = successes + 1
    if successes >= to_close then state = 0; failures = 0; successes = 0; probes = 0 end
  end
  if rate_win > 0 then win_total = win_total + 1 end
elseif op == 'failure' then
  if state == 0 then
    failures = failures + 1
    if rate_win > 0 then win_total = win_total + 1; win_fail = win_fail + 1 end
    if failures >= threshold then
      open_now()
    elseif rate_win > 0 and win_total >= rate_min and win_fail * 100 >= rate_pct * win_total then
      open_now()
    end
  elseif state == 2 and was_probe then
    open_now(); failures = failures + 1
  end
end

redis.call('HSET', KEYS[1], 'state', state, 'failures', failures, 'opened', opened,
  'probes', probes, 'probe_until', probe_until, 'successes', successes,
  'win_start', win_start, 'win_total', win_total, 'win_fail', win_fail)
local retry_at = 0
if state == 1 then retry_at = opened + recovery end
local changed = 0
if state ~= before then changed = 1 end
return {allowed, state, probe, retry_at, failures, changed}
