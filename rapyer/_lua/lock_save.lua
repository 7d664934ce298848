-- Token-checked save of a locked model, then release, in one atomic step.
-- KEYS[1]: the lock; KEYS[2..]: the keys the commands write (declared, not read here).
-- ARGV[1]: the token; ARGV[2..]: the commands, each as its argument count then its arguments.
-- Nothing is written unless KEYS[1] holds the token. Returns 1 when saved, 0 when the token
-- was gone.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local unpack_args = unpack or table.unpack
local i = 2
local n = #ARGV
while i <= n do
  local argc = tonumber(ARGV[i])
  redis.call(unpack_args(ARGV, i + 1, i + argc))
  i = i + argc + 1
end
redis.call('DEL', KEYS[1])
return 1
