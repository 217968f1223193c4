-- Put one closed day's totals into a scope's list of closed days (newest first, one entry a day):
-- the day's entry is replaced when present (the roll and the nightly reconcile both write a day,
-- a catch-up may come late), else inserted in date order; then the list is trimmed.
-- KEYS[1] the list; ARGV[1] the date (YYYY-MM-DD), ARGV[2] the entry (JSON), ARGV[3] entries kept
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local placed = false
for i, raw in ipairs(items) do
  local d = cjson.decode(raw)['date']
  if d == ARGV[1] then
    redis.call('LSET', KEYS[1], i - 1, ARGV[2])
    placed = true
    break
  elseif d < ARGV[1] then
    redis.call('LINSERT', KEYS[1], 'BEFORE', raw, ARGV[2])
    placed = true
    break
  end
end
if not placed then redis.call('RPUSH', KEYS[1], ARGV[2]) end
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
-- a scope without a sale in the whole window keeps no list
for _, raw in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local e = cjson.decode(raw)
  if e['orders'] ~= 0 or e['amount_cents'] ~= 0 or e['units'] ~= 0 then return 1 end
end
redis.call('DEL', KEYS[1])
return 0
