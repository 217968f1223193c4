-- Swap a rebuilt scope in, atomically for that scope (one cluster slot). Staging keys are named
-- by the staging registry and renamed to the live name (same hash tag: same slot).
-- KEYS[1] generation, KEYS[2] registry, KEYS[3] this rebuild's staging registry of the scope (a list)
-- ARGV[1] new generation, ARGV[2] JSON of the first period keys rebuilt ({"day": "2026-11-01", ...})
-- or '' for all, ARGV[3] the staging prefix ("bf:rb:"), ARGV[4] the live prefix ("bf:"), ARGV[5] now
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
local staged = redis.call('LRANGE', KEYS[3], 0, -1)
local cut = #ARGV[3]
for _, stage in ipairs(staged) do
  local live = ARGV[4] .. string.sub(stage, cut + 1)
  local ttl = redis.call('TTL', stage)
  if ttl > 0 then
    redis.call('RENAME', stage, live)
    if string.sub(live, -6) == ':total' then  -- all-time figures never expire (the TTL was a safety net)
      redis.call('PERSIST', live)
      redis.call('ZADD', KEYS[2], '+inf', live)
    else
      redis.call('ZADD', KEYS[2], tonumber(ARGV[5]) + ttl, live)
    end
  end
end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[1], ARGV[1])
return #staged
