-- Repair one scope's figures of one day, atomically for the scope (one cluster slot), but only if
-- its generation and every figure to repair still read as they did when the drift was measured
-- (an event applied meanwhile makes the caller measure again).
-- KEYS[1] the scope's generation, KEYS[2] its registry of counted keys, KEYS[3..] keys the spec names
-- ARGV[1] the generation read with the figures ('' for none)
-- ARGV[2] JSON {"checks": [[t, i, field, value]], "ops": [[t, i, field, delta]], "keys": [[i, expire-at or 0]]}
--         t: 'h' hash field, 'z' sorted-set member
-- ARGV[3] now (unix time)
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
local spec = cjson.decode(ARGV[2])
for _, c in ipairs(spec.checks) do
  local v
  if c[1] == 'h' then v = redis.call('HGET', KEYS[c[2]], c[3]) else v = redis.call('ZSCORE', KEYS[c[2]], c[3]) end
  if tonumber(v or '0') ~= tonumber(c[4]) then return 0 end
end
for _, op in ipairs(spec.ops) do
  local k = KEYS[op[2]]
  if op[1] == 'h' then
    redis.call('HINCRBY', k, op[3], op[4])
  elseif tonumber(redis.call('ZINCRBY', k, op[4], op[3])) == 0 then
    redis.call('ZREM', k, op[3])  -- as the apply does: a figure back at zero leaves the ranking
  end
end
if #spec.keys > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3]) end
for _, e in ipairs(spec.keys) do
  local k = KEYS[e[1]]
  if e[2] ~= 0 then redis.call('EXPIREAT', k, e[2]) end
  redis.call('ZADD', KEYS[2], e[2] == 0 and '+inf' or e[2], k)
end
return 1
