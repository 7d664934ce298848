-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] divisor; ARGV[3] "i" (int result) or "f".
-- Python floor division (CPython's float algorithm), writes and returns the result as JSON text.
local function fmt(x, mode)
  if x ~= x or x == math.huge or x == -math.huge then return nil end
  if mode == 'i' then return string.format('%d', x) end
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
local vx = tonumber(inner)
if type(vx) ~= 'number' then return nil end
local wx = tonumber(ARGV[2])
if wx == 0 then return redis.error_reply('ERR rapyer: division by zero') end
local mod = math.fmod(vx, wx)
local div = (vx - mod) / wx
if mod ~= 0 then
  if (wx < 0) ~= (mod < 0) then
    div = div - 1.0
  end
end
local floordiv
if div ~= 0 then
  floordiv = math.floor(div)
  if div - floordiv > 0.5 then floordiv = floordiv + 1.0 end
else
  floordiv = 0.0
  if (vx / wx) < 0 then floordiv = -0.0 end
end
local out = fmt(floordiv, ARGV[3])
if not out then return redis.error_reply('ERR rapyer: result is not finite') end
redis.call('JSON.SET', KEYS[1], ARGV[1], out)
return out
