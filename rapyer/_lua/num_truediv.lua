-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] divisor (non-zero).
-- Divides the number at the path (always a float result), writes and returns it as JSON text.
-- include: _number
local v = number_at(KEYS[1], ARGV[1])
if v == nil then return nil end
local w = tonumber(ARGV[2])
if w == 0 then return redis.error_reply('ERR rapyer: division by zero') end
return write_number(KEYS[1], ARGV[1], v / w, 'f')
