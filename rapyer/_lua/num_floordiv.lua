-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] divisor; ARGV[3] "i" (int result) or "f".
-- Python floor division (CPython's float algorithm), writes and returns the result as JSON text.
-- include: _number
local vx = number_at(KEYS[1], ARGV[1])
if vx == nil then return nil end
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
return write_number(KEYS[1], ARGV[1], floordiv, ARGV[3])
