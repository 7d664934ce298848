-- get_or_create: atomically return the stored document or create it.
-- KEYS[1]   the model key; KEYS[2..] its special-field keys (TTL targets)
-- ARGV[1]   the document JSON to create
-- ARGV[2]   TTL in seconds, or "" for none
-- ARGV[3]   "NX" when the creation EXPIRE must not override an existing TTL, else ""
-- ARGV[4]   "1" when a found document gets its TTL refreshed
-- ARGV[5..] two command lists, each "<count>" then per command "<argc>" and its arguments:
--           the commands that store the special fields (run before JSON.SET), then the
--           commands that read them (run when found). No cjson needed.
-- Returns {1, document, {special replies}} when found, {0} when created.
local unpack = unpack or table.unpack
local pos = 5
local function command_list()
  local count = tonumber(ARGV[pos])
  pos = pos + 1
  local commands = {}
  for i = 1, count do
    local argc = tonumber(ARGV[pos])
    pos = pos + 1
    local command = {}
    for j = 1, argc do
      command[j] = ARGV[pos]
      pos = pos + 1
    end
    commands[i] = command
  end
  return commands
end
local writes = command_list()
local reads = command_list()
local key = KEYS[1]
local ttl = ARGV[2]
if redis.call('EXISTS', key) == 1 then
  local doc = redis.call('JSON.GET', key, '.')
  local out = {}
  for i, command in ipairs(reads) do
    out[i] = redis.call(unpack(command))
  end
  if ttl ~= '' and ARGV[4] == '1' then
    for i = 1, #KEYS do
      redis.call('EXPIRE', KEYS[i], ttl)
    end
  end
  return {1, doc, out}
end
for _, command in ipairs(writes) do
  redis.call(unpack(command))
end
redis.call('JSON.SET', key, '$', ARGV[1])
if ttl ~= '' then
  for i = 1, #KEYS do
    if ARGV[3] == 'NX' then
      redis.call('EXPIRE', KEYS[i], ttl, 'NX')
    else
      redis.call('EXPIRE', KEYS[i], ttl)
    end
  end
end
return {0}
