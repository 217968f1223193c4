-- Live positions of some drivers in one reply: "lng,lat,seen" per driver (in the ids' order, empty
-- when unknown), joined by ";" — one string instead of nested replies parsed member by member.
-- KEYS[1] drivers' GEO set, KEYS[2] their last-seen sorted set; ARGV[1] driver ids "1,2,3"
-- (one argument: cheaper to send than one per driver)
local ids = {}
for id in string.gmatch(ARGV[1], '%d+') do ids[#ids + 1] = id end
local positions = {}
for first = 1, #ids, 1000 do  -- unpack has a stack limit
  local part = redis.call('GEOPOS', KEYS[1], unpack(ids, first, math.min(first + 999, #ids)))
  for j, p in ipairs(part) do positions[first + j - 1] = p end
end
local out = {}
for i, id in ipairs(ids) do
  local p = positions[i]
  local seen = redis.call('ZSCORE', KEYS[2], id)
  if p and p[1] and seen then out[i] = p[1] .. ',' .. p[2] .. ',' .. seen else out[i] = '' end
end
return table.concat(out, ';')
