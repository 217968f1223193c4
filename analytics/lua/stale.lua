-- Drop drivers whose last position is older than a cutoff from the live map, atomically:
-- a position applied meanwhile either lands before (newer score, kept) or after (re-added).
-- KEYS[1] drivers GEO set, KEYS[2] drivers' last-seen sorted set, KEYS[3] their positions hash
-- (same slot)
-- ARGV[1] cutoff (unix time, exclusive), ARGV[2] at most this many per call
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  redis.call('ZREM', KEYS[2], unpack(gone))
  redis.call('HDEL', KEYS[3], unpack(gone))
end
return #gone
