-- KEYS[1] document key; ARGV[1] JSON path of an int field; ARGV[2] the amount; ARGV[3] and
-- ARGV[4] (optional, '' for none) the smallest and largest int the field accepts.
-- JSON.NUMINCRBY, unless the path holds a number with a fraction (1.5: a value no int field
-- can hold) or the result falls outside the bounds (the field's Field(ge=..., le=...)): then
-- an error reply and nothing changed. A float without a fraction (2.0, what fakeredis stores
-- after an increment) is an int to pydantic and is incremented. A missing key or path gets
-- JSON.NUMINCRBY's own reply.
local low = ARGV[3] ~= nil and ARGV[3] ~= '' and tonumber(ARGV[3]) or nil
local high = ARGV[4] ~= nil and ARGV[4] ~= '' and tonumber(ARGV[4]) or nil
local kind = redis.call('JSON.TYPE', KEYS[1], ARGV[1])
kind = type(kind) == 'table' and kind[1] or nil
if kind == 'number' or (kind == 'integer' and (low or high)) then
  local raw = redis.call('JSON.GET', KEYS[1], ARGV[1])
  local v = raw and tonumber(string.match(raw, '^%[%s*([^,%[%]{}"]+)%s*%]$'))
  if not v or v ~= math.floor(v) then
    return redis.error_reply('ERR rapyer: the stored number is not an int')
  end
  local result = v + tonumber(ARGV[2])
  if (low and result < low) or (high and result > high) then
    return redis.error_reply('ERR rapyer: the result is outside the bounds of the field')
  end
end
return redis.call('JSON.NUMINCRBY', KEYS[1], ARGV[1], ARGV[2])
