-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] divisor (non-zero).
-- Divides the number at the path (always a float result), writes and returns it as JSON text.
local function fmt(x)
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  local s = string.format('%.17g', x)
  for _, p in ipairs({'%.15g', '%.16g'}) do
    local t = string.format(p, x)
    if tonumber(t) == x then s = t break end
  end
  if not string.find(s, '[%.eEn]') then s = s .. '.0' end
  return s
end
-- The number at the path: JSON.GET with a $ path replies "[<number>]" (no cjson needed,
-- so the script also runs on fakeredis).
local raw = redis.call('JSON.GET', KEYS[1], ARGV[1])
if not raw then return nil end
local inner = string.match(raw, '^%[%s*([^,%[%]{}"]+)%s*%]$')
if not inner then return nil end
local v = tonumber(inner)
if type(v) ~= 'number' then return nil end
local w = tonumber(ARGV[2])
if w == 0 then return redis.error_reply('ERR rapyer: division by zero') end
local out = fmt(v / w)
if not out then return redis.error_reply('ERR rapyer: result is not finite') end
redis.call('JSON.SET', KEYS[1], ARGV[1], out)
return out
