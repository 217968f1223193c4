-- Swap a rebuilt scope in, atomically for that scope (one cluster slot).
-- KEYS[1] generation, KEYS[2] registry, KEYS[3..] pairs (staging key, live key)
-- ARGV[1] new generation, ARGV[2] JSON of the first period keys rebuilt ({"day": "2026-11-01", ...})
-- or '' for all, ARGV[3..] expire-at (0: none) of each pair
local since = nil
if ARGV[2] ~= '' then since = cjson.decode(ARGV[2]) end
local function rebuilt(key)
  if since == nil or string.sub(key, -6) == ':total' then return true end
  local period, pkey = string.match(key, ':(%a+):([^:]+)$')
  return period ~= nil and since[period] ~= nil and pkey >= since[period]
end
-- The live keys of the rebuilt periods go, including those of events after the snapshot:
-- the caller re-applies those under the new generation.
for _, k in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if rebuilt(k) then
    redis.call('DEL', k)
    redis.call('ZREM', KEYS[2], k)
  end
end
for i = 3, #KEYS, 2 do
  local at = ARGV[(i - 1) / 2 + 2]
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('RENAME', KEYS[i], KEYS[i + 1])
    redis.call('ZADD', KEYS[2], at == '0' and '+inf' or at, KEYS[i + 1])
  end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
