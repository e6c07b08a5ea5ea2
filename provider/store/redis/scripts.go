package redis

import goredis "github.com/redis/go-redis/v9"

// Results of casScript.
const (
	casGone     = 0 // the record is absent or expired
	casDone     = 1 // swapped
	casConflict = 2 // someone else changed it; try again
)

// casScript is Update's compare-and-set. KEYS[1] record, ARGV[1] the value
// fn saw, ARGV[2] the new value. KEEPTTL (Redis >= 6.0) leaves the remaining
// TTL alone. Scripts run atomically on the server.
var casScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if cur ~= ARGV[1] then return 2 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1
`)

// addMemberScript is AddMember: KEYS[1] set, ARGV[1] member, ARGV[2] TTL in
// ms (0 = never expires). It extends the set's expiry, never shortens it.
// PEXPIRE's GT flag cannot do this alone: it treats a key without TTL as
// infinite, so a brand-new set would never get one.
var addMemberScript = goredis.NewScript(`
local ttl = tonumber(ARGV[2])
local cur = redis.call('PTTL', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
if ttl == 0 then
	if cur >= 0 then redis.call('PERSIST', KEYS[1]) end
elseif cur == -2 or (cur >= 0 and cur < ttl) then
	redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
`)
