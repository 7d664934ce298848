-- Token-checked save of a locked model's document, then release, in one atomic step: the
-- commands of lock_save.lua when they are a document save (rapyer._lock.document_save_args),
-- sent with fewer arguments.
-- KEYS[1]: the lock; KEYS[2]: the document.
-- ARGV[1]: the token; ARGV[2]: the whole document. Then either nothing (JSON.SET KEYS[2] $
-- ARGV[2]), or 'NX' followed by path, value pairs (JSON.SET KEYS[2] $ ARGV[2] NX, then
-- JSON.SET KEYS[2] path value for each pair).
-- Nothing is written unless KEYS[1] holds the token. Returns 1 when saved, 0 when the token
-- was gone.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[3] == 'NX' then
  redis.call('JSON.SET', KEYS[2], '$', ARGV[2], 'NX')
  for i = 4, #ARGV, 2 do
    redis.call('JSON.SET', KEYS[2], ARGV[i], ARGV[i + 1])
  end
else
  redis.call('JSON.SET', KEYS[2], '$', ARGV[2])
end
redis.call('DEL', KEYS[1])
return 1
