-- A read of a model's document with its TTL refresh in one step, as MULTI/EXEC would run it:
-- JSON.GET, then EXPIRE even when the read failed (the commands of
-- rapyer._commands.document_read_args, sent as one script instead of a transaction).
-- KEYS[1]: the document. ARGV[1]: the TTL in seconds.
-- Returns the document (nil when the key is missing), or the first error.
local document = redis.pcall('JSON.GET', KEYS[1], '.')
local expired = redis.pcall('EXPIRE', KEYS[1], ARGV[1])
if type(document) == 'table' and document.err then
  return document
end
if type(expired) == 'table' and expired.err then
  return expired
end
return document
