-- KEYS[1] document key; ARGV[1] JSON path of an int field; ARGV[2] the amount.
-- JSON.NUMINCRBY, unless the path holds a number with a fraction (1.5: a value no int field
-- can hold): then an error reply and nothing changed. A float without a fraction (2.0, what
-- fakeredis stores after an increment) is an int to pydantic and is incremented. A missing
-- key or path gets JSON.NUMINCRBY's own reply.
local kind = redis.call('JSON.TYPE', KEYS[1], ARGV[1])
if type(kind) == 'table' and kind[1] == 'number' then
  local raw = redis.call('JSON.GET', KEYS[1], ARGV[1])
  local v = raw and tonumber(string.match(raw, '^%[%s*([^,%[%]{}"]+)%s*%]$'))
  if not v or v ~= math.floor(v) then
    return redis.error_reply('ERR rapyer: the stored number is not an int')
  end
end
return redis.call('JSON.NUMINCRBY', KEYS[1], ARGV[1], ARGV[2])
