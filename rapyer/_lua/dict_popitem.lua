-- KEYS[1] document key; ARGV[1] JSON path of a dict.
-- Removes the first key in JSON.OBJKEYS order; returns {key, JSON text of the match list}.
local function enc(s)
  local out = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    return string.format('\\u%04x', string.byte(c))
  end)
  return '"' .. out .. '"'
end
local found = redis.call('JSON.OBJKEYS', KEYS[1], ARGV[1])
if type(found) ~= 'table' then return nil end
local names = found[1]
if type(names) ~= 'table' or #names == 0 then return nil end
local k = names[1]
local p = ARGV[1] .. '[' .. enc(k) .. ']'
local raw = redis.call('JSON.GET', KEYS[1], p)
redis.call('JSON.DEL', KEYS[1], p)
return {k, raw}
