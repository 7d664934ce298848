-- Release a rapyer lock: delete KEYS[1] only while it holds the token ARGV[1].
-- Returns 1 when the lock was deleted, 0 when the token was gone.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
