-- Swap a rebuilt scope in, atomically for that scope (one cluster slot). Staging keys are named
-- by the staging registry and renamed to the live name (same hash tag: same slot).
-- KEYS[1] generation, KEYS[2] registry, KEYS[3] this rebuild's staging registry of the scope
-- (a list: staged key, expire-at or 0, ...)
-- ARGV[1] new generation, ARGV[2] JSON of the first period keys rebuilt ({"day": "2026-11-01", ...})
-- or '' for all, ARGV[3] the staging prefix ("bf:rb:"), ARGV[4] the live prefix ("bf:")
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
    redis.call('UNLINK', k)  -- freed in the background: a history of big sets must not hold the server
    if since ~= nil then redis.call('ZREM', KEYS[2], k) end
  end
end
if since == nil then redis.call('UNLINK', KEYS[2]) end
local staged = redis.call('LRANGE', KEYS[3], 0, -1)
local cut = #ARGV[3]
local registered = {}
local function register()
  if #registered > 0 then redis.call('ZADD', KEYS[2], unpack(registered)) end
  registered = {}
end
for i = 1, #staged, 2 do
  local stage, at = staged[i], staged[i + 1]
  local live = ARGV[4] .. string.sub(stage, cut + 1)
  if not redis.pcall('RENAME', stage, live).err then  -- gone only if its safety TTL ran out
    if at == '0' then  -- never expires (the staging TTL was a safety net)
      redis.call('PERSIST', live)
      at = '+inf'
    end
    registered[#registered + 1] = at
    registered[#registered + 1] = live
    if #registered >= 2000 then register() end
  end
end
register()
redis.call('UNLINK', KEYS[3])
redis.call('SET', KEYS[1], ARGV[1])
return #staged / 2
