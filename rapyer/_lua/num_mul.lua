-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] operand; ARGV[3] "i" (int result) or "f".
-- Multiplies the number at the path, writes and returns the result as JSON text.
-- include: _number
local v = number_at(KEYS[1], ARGV[1])
if v == nil then return nil end
return write_number(KEYS[1], ARGV[1], v * tonumber(ARGV[2]), ARGV[3])
