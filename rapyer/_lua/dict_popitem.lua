-- KEYS[1] document key; ARGV[1] JSON path of a dict.
-- Removes the first key in JSON.OBJKEYS order; returns {key, reply of JSON.GET key p p}.
-- The same quoting as rapyer's quote_dict_key: never escaped, quoted with the quote the
-- key does not contain.
local function segment(s)
  if not string.find(s, '\\', 1, true) then
    if not string.find(s, '"', 1, true) then return '["' .. s .. '"]' end
    if not string.find(s, "'", 1, true) then return "['" .. s .. "']" end
  end
  return nil
end
local found = redis.call('JSON.OBJKEYS', KEYS[1], ARGV[1])
if type(found) ~= 'table' then return nil end
local names = found[1]
if type(names) ~= 'table' or #names == 0 then return nil end
local k = names[1]
local seg = segment(k)
if not seg then return redis.error_reply('ERR rapyer: the dict key cannot be addressed') end
local p = ARGV[1] .. seg
local raw = redis.call('JSON.GET', KEYS[1], p, p)
redis.call('JSON.DEL', KEYS[1], p)
return {k, raw}
