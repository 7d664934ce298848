-- KEYS[1] document key; ARGV[1] JSON path of an array; ARGV[2] start; ARGV[3] end.
-- Deletes items [start:end) with Python slice semantics against the stored length.
-- Returns the number of items removed.
local lens = redis.call('JSON.ARRLEN', KEYS[1], ARGV[1])
if type(lens) ~= 'table' then return 0 end
local n = lens[1]
if type(n) ~= 'number' then return 0 end
local function norm(i)
  if i < 0 then
    i = i + n
    if i < 0 then i = 0 end
  elseif i > n then
    i = n
  end
  return i
end
local s = norm(tonumber(ARGV[2]))
local e = norm(tonumber(ARGV[3]))
local count = e - s
if count <= 0 then return 0 end
for _ = 1, count do
  redis.call('JSON.ARRPOP', KEYS[1], ARGV[1], s)
end
return count
