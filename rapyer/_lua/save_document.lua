-- A save of a model's document with its TTL in one step, as MULTI/EXEC would run it: every
-- command runs even after an error, and the first error is the reply (the commands of
-- rapyer._commands.document_script_args, sent as one script instead of a transaction).
-- KEYS[1]: the document.
-- ARGV[1]: the TTL in seconds, or '' for no EXPIRE; ARGV[2]: 'NX' for EXPIRE ... NX, else ''.
-- ARGV[3]: the whole document. Then either nothing (JSON.SET KEYS[1] $ ARGV[3]), or 'NX'
-- followed by path, value pairs (JSON.SET KEYS[1] $ ARGV[3] NX, then JSON.SET KEYS[1] path
-- value for each pair). Returns 1, or the first error.
local first_error = nil
local function run(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err and first_error == nil then
    first_error = reply
  end
end
if ARGV[4] == 'NX' then
  run('JSON.SET', KEYS[1], '$', ARGV[3], 'NX')
  for i = 5, #ARGV, 2 do
    run('JSON.SET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
else
  run('JSON.SET', KEYS[1], '$', ARGV[3])
end
if ARGV[1] ~= '' then
  if ARGV[2] == 'NX' then
    run('EXPIRE', KEYS[1], ARGV[1], 'NX')
  else
    run('EXPIRE', KEYS[1], ARGV[1])
  end
end
if first_error ~= nil then
  return first_error
end
return 1
