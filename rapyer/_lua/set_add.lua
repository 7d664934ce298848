-- SADD to a set field, only while its document exists (no orphan set key for a deleted model).
-- KEYS[1]: the document; KEYS[2]: the set field's key. ARGV: the members (JSON texts).
-- Returns the number of members added; a missing document is an error reply.
if redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply("could not perform this operation on a key that doesn't exist")
end
local added = 0
local chunk = {}
for i = 1, #ARGV do
  chunk[#chunk + 1] = ARGV[i]
  if #chunk == 1000 or i == #ARGV then
    added = added + redis.call('SADD', KEYS[2], unpack(chunk))
    chunk = {}
  end
end
return added
