-- KEYS[1] document key; ARGV[1] JSON path of a dict item.
-- Reads and deletes the item atomically; returns the JSON text of the match list, or nil.
local raw = redis.call('JSON.GET', KEYS[1], ARGV[1])
if not raw then return nil end
if #cjson.decode(raw) == 0 then return nil end
redis.call('JSON.DEL', KEYS[1], ARGV[1])
return raw
