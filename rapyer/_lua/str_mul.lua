-- KEYS[1] document key; ARGV[1] JSON path; ARGV[2] repeat count.
-- Repeats the string at the path, writes and returns it as JSON text. The escaped JSON text
-- is repeated as is (each escape stands alone), so no decoding (and no cjson) is needed.
local raw = redis.call('JSON.GET', KEYS[1], ARGV[1])
if not raw then return nil end
local inner = string.match(raw, '^%[%s*"(.*)"%s*%]$')
if not inner then return nil end
local n = tonumber(ARGV[2])
local out = '""'
if n > 0 then out = '"' .. string.rep(inner, n) .. '"' end
redis.call('JSON.SET', KEYS[1], ARGV[1], out)
return out
