-- Bulk writes of a rebuild: many keys of one scope (one slot) per call. The keys are named in
-- the document rather than in KEYS (they share KEYS[1]'s hash tag, hence its slot): a rebuild
-- writes hundreds of thousands of keys, and naming each twice would double what is sent.
-- KEYS[1] the staging registry of this rebuild in the scope (a list: staged key, expire-at, ...)
-- ARGV[1] records "key\tkind\texpire-at\tpayload" joined by "\n", each payload a JSON array; kinds:
--   'H' hash, payload [field, value, ...], staged (a new key, registered for the swap: the rebuild
--       removes the leftovers of an unfinished one before it starts)
--   'Z' sorted set, payload [score, member, ...], staged likewise
--   'B' bitmap, payload [offset, ...], bits set over the live key (not staged)
-- ARGV[2] seconds a staged key without expiry may wait for its swap
local CHUNK = 2000  -- tokens per command: below Lua's stack limit for unpack
local function each_chunk(payload, fn)
  local parts = cjson.decode(payload)  -- C speed: far faster than splitting the text in Lua
  for first = 1, #parts, CHUNK do fn(unpack(parts, first, math.min(first + CHUNK - 1, #parts))) end
end
local count = 0
for line in string.gmatch(ARGV[1], '[^\n]+') do
  local key, kind, at, payload = string.match(line, '^([^\t]+)\t(%a)\t(%d+)\t(.*)$')
  if kind == 'B' then
    for _, offset in ipairs(cjson.decode(payload)) do redis.call('SETBIT', key, offset, 1) end
  else
    local command = kind == 'H' and 'HSET' or 'ZADD'
    each_chunk(payload, function(...) redis.call(command, key, ...) end)
    redis.call('RPUSH', KEYS[1], key, at)
  end
  if at ~= '0' then
    redis.call('EXPIREAT', key, at)
  elseif kind ~= 'B' then
    redis.call('EXPIRE', key, ARGV[2])  -- a crashed rebuild's leftovers go; the swap persists it
  end
  count = count + 1
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return count
