-- KEYS[1] document key; ARGV[1] JSON path of a dict item.
-- Reads and deletes the item atomically. Returns the reply of JSON.GET with the path given
-- twice ({"<path>": [value]}, unambiguous on every server), or nil when it is missing.
local raw = redis.call('JSON.GET', KEYS[1], ARGV[1], ARGV[1])
if not raw then return nil end
if string.match(raw, ':%s*%[%s*%]%s*}%s*$') then return nil end
redis.call('JSON.DEL', KEYS[1], ARGV[1])
return raw
