-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] divisor; ARGV[3] "i" (int result) or "f".
-- Python modulo (the sign follows the divisor), writes and returns the result as JSON text.
-- include: _number
local vx = number_at(KEYS[1], ARGV[1])
if vx == nil then return nil end
local wx = tonumber(ARGV[2])
if wx == 0 then return redis.error_reply('ERR rapyer: modulo by zero') end
local mod = math.fmod(vx, wx)
if mod ~= 0 then
  if (wx < 0) ~= (mod < 0) then mod = mod + wx end
else
  mod = 0.0
end
return write_number(KEYS[1], ARGV[1], mod, ARGV[3])
