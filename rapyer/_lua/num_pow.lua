-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] exponent; ARGV[3] "i" (int result) or "f".
-- Raises the number at the path to a power, writes and returns the result as JSON text.
-- include: _number
local v = number_at(KEYS[1], ARGV[1])
if v == nil then return nil end
local e = tonumber(ARGV[2])
local r
if ARGV[3] == 'i' then
  -- exact integer power by repeated squaring (exponent >= 0)
  r = 1
  local base = v
  local n = e
  while n > 0 do
    if n % 2 == 1 then r = r * base end
    base = base * base
    n = math.floor(n / 2)
  end
else
  r = v ^ e
end
return write_number(KEYS[1], ARGV[1], r, ARGV[3])
