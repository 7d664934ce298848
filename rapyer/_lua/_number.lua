-- Shared by the num_* scripts (inlined where a script says "-- include: _number").
-- fmt: a number as JSON text; mode "i" gives an integer, anything else a float like Python's
-- repr (shortest text that reads back equal, always with a "." or exponent).
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
-- so the scripts also run on fakeredis). nil when the path holds no number.
local function number_at(key, path)
  local raw = redis.call('JSON.GET', key, path)
  if not raw then return nil end
  local inner = string.match(raw, '^%[%s*([^,%[%]{}"]+)%s*%]$')
  if not inner then return nil end
  local v = tonumber(inner)
  if type(v) ~= 'number' then return nil end
  return v
end
-- Write x at the path and return it as JSON text (an error reply when x is not finite).
local function write_number(key, path, x, mode)
  local out = fmt(x, mode)
  if not out then return redis.error_reply('ERR rapyer: result is not finite') end
  redis.call('JSON.SET', key, path, out)
  return out
end
