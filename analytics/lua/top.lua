-- The top of a ranking plus every member tied with the last one (the caller breaks ties by id),
-- each with extra figures read from other keys of the same slot.
-- KEYS[1] ranking sorted set, KEYS[2..] extras; ARGV[1] limit;
-- ARGV[i] for KEYS[i]: 'z' reads ZSCORE member, any other text reads HGET member..text
local limit = tonumber(ARGV[1])
local top = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1, 'WITHSCORES')
if #top == 2 * limit then
  local last = top[#top]
  local seen = {}
  for i = 1, #top, 2 do seen[top[i]] = true end
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], last, last)) do
    if not seen[m] then top[#top + 1] = m; top[#top + 1] = last end
  end
end
local out = {}
for i = 1, #top, 2 do
  local m = top[i]
  out[#out + 1] = m
  out[#out + 1] = top[i + 1]
  for j = 2, #KEYS do
    local v
    if ARGV[j] == 'z' then v = redis.call('ZSCORE', KEYS[j], m) else v = redis.call('HGET', KEYS[j], m .. ARGV[j]) end
    out[#out + 1] = v or '0'
  end
end
return out
