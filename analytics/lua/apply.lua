-- Apply one outbox event to one scope (one cluster slot): dedupe first, then the writes.
-- KEYS[1] dedupe key, KEYS[2] the scope's generation, KEYS[3] its registry, KEYS[4..] the keys ops name
-- ARGV[1] dedupe TTL (s)
-- ARGV[2] mode: ''      live apply, once per event (SET NX), every op
--               'p'     an event a rebuild's snapshot already holds: SET NX, only ops on keys the
--                       rebuild does not replace
--               'r:GEN' after a rebuild swapped generation GEN in: skips scopes not swapped and events
--                       already re-applied; ops on replaced keys, and every op if never applied before
--               'i'     no dedupe: idempotent ops only (the rebuild's positions)
-- ARGV[3] JSON {"ops": [[op, key index, ...]], "keys": [[index, expire-at or 0, counted 0/1, replaced 0/1]],
--              "d": [KEYS indices of a group's further dedupe keys (live mode only)]}
-- ARGV[4] channel, ARGV[5] messages to publish, one a line ('' for none), ARGV[6] now (unix time)
local mode = ARGV[2]
local gen = redis.call('GET', KEYS[2]) or '0'
local spec = cjson.decode(ARGV[3])
local fresh = true
local group = spec.d or {}
if mode == '' and #group > 0 then
  -- a group (live only): all its events new, or nothing (-1: the caller applies them one by one)
  local dedupe = {KEYS[1]}
  for _, index in ipairs(group) do dedupe[#dedupe + 1] = KEYS[index] end
  local set = {}
  for _, key in ipairs(dedupe) do
    if redis.call('SET', key, gen, 'NX', 'EX', ARGV[1]) then set[#set + 1] = key end
  end
  if #set == 0 then return 0 end
  if #set < #dedupe then
    for _, key in ipairs(set) do redis.call('DEL', key) end
    return -1
  end
elseif mode == '' or mode == 'p' then
  if not redis.call('SET', KEYS[1], gen, 'NX', 'EX', ARGV[1]) then return 0 end
elseif mode ~= 'i' then
  local target = string.sub(mode, 3)
  if gen ~= target then return 0 end
  local done = redis.call('GET', KEYS[1])
  if done == target then return 0 end
  fresh = not done
  redis.call('SET', KEYS[1], target, 'EX', ARGV[1])
end
local replaced = {}
-- Expiry and registry entry are set by whoever creates a key (this script, the rebuild's fill and
-- swap, the reconcile), so only keys that do not exist yet need them: most applies create none.
local created = {}
for _, e in ipairs(spec.keys) do
  replaced[e[1]] = (e[4] == 1)
  created[e[1]] = redis.call('EXISTS', KEYS[e[1]]) == 0
end
local function wanted(index)
  if mode == 'p' then return not replaced[index] end
  if mode ~= '' and mode ~= 'i' then return fresh or replaced[index] end
  return true
end
for _, op in ipairs(spec.ops) do
  local c, k = op[1], KEYS[op[2]]
  if not wanted(op[2]) then
  elseif c == 'h' then
    redis.call('HINCRBY', k, op[3], op[4])
  elseif c == 'z' then
    -- a cancelled figure leaves the ranking (scores are whole fen or units, so 0 is exact)
    if tonumber(redis.call('ZINCRBY', k, op[4], op[3])) == 0 then redis.call('ZREM', k, op[3]) end
  elseif c == 'b' then
    redis.call('SETBIT', k, op[3], 1)
  elseif c == 'g' then
    -- {'g', geo, member, lng, lat, seen key index, unix time, positions hash index}: the newest
    -- position wins
    local seen = KEYS[op[6]]
    local last = redis.call('ZSCORE', seen, op[3])
    if not last or tonumber(last) <= tonumber(op[7]) then
      redis.call('GEOADD', k, op[4], op[5], op[3])
      redis.call('ZADD', seen, op[7], op[3])
      redis.call('HSET', KEYS[op[8]], op[3], op[4] .. ',' .. op[5] .. ',' .. op[7])
    end
  elseif c == 'l' then
    redis.call('LPUSH', k, op[3])
    redis.call('LTRIM', k, 0, tonumber(op[4]) - 1)
  end
end
local pruned = false
for _, e in ipairs(spec.keys) do
  local k = KEYS[e[1]]
  if created[e[1]] and wanted(e[1]) then
    if e[3] == 1 and not pruned then  -- entries of expired keys leave the registry
      redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[6])
      pruned = true
    end
    if e[2] ~= 0 then redis.call('EXPIREAT', k, e[2]) end
    if e[3] == 1 then redis.call('ZADD', KEYS[3], e[2] == 0 and '+inf' or e[2], k) end
  end
end
if mode == '' then
  for message in string.gmatch(ARGV[5], '[^\n]+') do redis.call('PUBLISH', ARGV[4], message) end
end
return 1
