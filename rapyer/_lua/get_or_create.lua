-- get_or_create: atomically return the stored document or create it.
-- KEYS[1]   the model key; KEYS[2..] its special-field keys (TTL targets)
-- ARGV[1]   the document JSON to create
-- ARGV[2]   JSON list of commands that store the special fields (run before JSON.SET)
-- ARGV[3]   JSON list of commands that read the special fields (run when found)
-- ARGV[4]   TTL in seconds, or "" for none
-- ARGV[5]   "NX" when the creation EXPIRE must not override an existing TTL, else ""
-- ARGV[6]   "1" when a found document gets its TTL refreshed
-- Returns {1, document, {special replies}} when found, {0} when created.
local unpack = unpack or table.unpack
local key = KEYS[1]
local ttl = ARGV[4]
if redis.call('EXISTS', key) == 1 then
  local doc = redis.call('JSON.GET', key, '.')
  local out = {}
  for i, cmd in ipairs(cjson.decode(ARGV[3])) do
    out[i] = redis.call(unpack(cmd))
  end
  if ttl ~= '' and ARGV[6] == '1' then
    for i = 1, #KEYS do
      redis.call('EXPIRE', KEYS[i], ttl)
    end
  end
  return {1, doc, out}
end
for _, cmd in ipairs(cjson.decode(ARGV[2])) do
  redis.call(unpack(cmd))
end
redis.call('JSON.SET', key, '$', ARGV[1])
if ttl ~= '' then
  for i = 1, #KEYS do
    if ARGV[5] == 'NX' then
      redis.call('EXPIRE', KEYS[i], ttl, 'NX')
    else
      redis.call('EXPIRE', KEYS[i], ttl)
    end
  end
end
return {0}
