-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] repeat count.
-- Repeats the string at the path, writes and returns it as JSON text.
local function enc(s)
  local out = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == '\\' then return '\\\\' end
    return string.format('\\u%04x', string.byte(c))
  end)
  return '"' .. out .. '"'
end
local raw = redis.call('JSON.GET', KEYS[1], ARGV[1])
if not raw then return nil end
local v = cjson.decode(raw)[1]
if type(v) ~= 'string' then return nil end
local n = tonumber(ARGV[2])
local r = ''
if n > 0 then r = string.rep(v, n) end
local out = enc(r)
redis.call('JSON.SET', KEYS[1], ARGV[1], out)
return out
