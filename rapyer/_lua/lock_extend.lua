-- Extend a rapyer lock: while KEYS[1] holds the token ARGV[1], set its expiry to ARGV[2]
-- milliseconds (PERSIST when ARGV[2] is 0: a lock without a lease).
-- Returns 1 when extended, 0 when the token was gone.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
local ms = tonumber(ARGV[2])
if ms and ms > 0 then
  redis.call('PEXPIRE', KEYS[1], ms)
else
  redis.call('PERSIST', KEYS[1])
end
return 1
