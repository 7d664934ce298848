-- read_docs: the JSON documents at KEYS as one reply (trusted reads, rapyer/_trusted.py).
-- KEYS      the document keys (one class, one batch)
-- Returns the documents' JSON texts joined by "\n" ("null" for a key without a document):
-- one bulk string instead of one per document, which the client parses much faster.
-- RedisJSON prints documents compactly, so a document's text holds no raw newline.
local unpack = unpack or table.unpack
local out = {}
local n = #KEYS
for first = 1, n, 500 do
  local last = math.min(first + 499, n)
  local args = {}
  for i = first, last do
    args[#args + 1] = KEYS[i]
  end
  args[#args + 1] = '.'
  local docs = redis.call('JSON.MGET', unpack(args))
  for i = 1, last - first + 1 do
    local doc = docs[i]
    if not doc then
      doc = 'null'
    end
    out[#out + 1] = doc
  end
end
return table.concat(out, '\n')
