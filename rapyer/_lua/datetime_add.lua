-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] days; ARGV[3] microseconds (0 <= us < 1 day).
-- Adds a timedelta to the ISO 8601 datetime at the path, keeping microseconds and the UTC
-- offset text; writes and returns the new value as JSON text.
local DAY_US = 86400000000
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = math.floor((153 * mp + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524) - math.floor(doe / 146096)) / 365)
  local y = yoe + era * 400
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local d = doy - math.floor((153 * mp + 2) / 5) + 1
  local m = mp + 3
  if m > 12 then m = m - 12 end
  if m <= 2 then y = y + 1 end
  return y, m, d
end
local raw = redis.call('JSON.GET', KEYS[1], ARGV[1])
if not raw then return nil end
local v = string.match(raw, '^%[%s*"([^"]*)"%s*%]$')
if not v then return nil end
local y, mo, d, h, mi, s, rest = string.match(v, '^(%d+)%-(%d+)%-(%d+)[T ](%d+):(%d+):(%d+)(.*)$')
if not y then return redis.error_reply('ERR rapyer: not an ISO 8601 datetime') end
local us = 0
local frac, suffix = string.match(rest, '^%.(%d+)(.*)$')
if frac then
  frac = string.sub(frac .. '000000', 1, 6)
  us = tonumber(frac)
else
  suffix = rest
end
local days = days_from_civil(tonumber(y), tonumber(mo), tonumber(d)) + tonumber(ARGV[2])
local tod = ((tonumber(h) * 60 + tonumber(mi)) * 60 + tonumber(s)) * 1000000 + us + tonumber(ARGV[3])
days = days + math.floor(tod / DAY_US)
tod = tod % DAY_US
local ny, nm, nd = civil_from_days(days)
local nus = tod % 1000000
local secs = (tod - nus) / 1000000
local ns = secs % 60
local nmi = ((secs - ns) / 60) % 60
local nh = (secs - ns - nmi * 60) / 3600
local text = string.format('%04d-%02d-%02dT%02d:%02d:%02d', ny, nm, nd, nh, nmi, ns)
if nus ~= 0 then text = text .. string.format('.%06d', nus) end
text = text .. suffix
local out = '"' .. text .. '"'
redis.call('JSON.SET', KEYS[1], ARGV[1], out)
return out
