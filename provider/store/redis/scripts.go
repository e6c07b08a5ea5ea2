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

// batchScript is Batch. Op i works on KEYS[i] with ARGV[3i-2] its kind
// ("p" put, "c" create, "d" delete, "m" add member), ARGV[3i-1] the value
// or member and ARGV[3i] the TTL in ms (0 = never expires). It first
// checks every create against the keys as the ops before it would leave
// them and, if one is taken, returns its index having written nothing;
// otherwise it applies all ops and returns 0. Add member is
// addMemberScript's rule.
var batchScript = goredis.NewScript(`
local written = {}
for i = 1, #KEYS do
	local kind, k = ARGV[3*i-2], KEYS[i]
	if kind == 'c' then
		local w = written[k]
		if w == 'w' or (w == nil and redis.call('EXISTS', k) == 1) then return i end
	end
	if kind == 'p' or kind == 'c' then written[k] = 'w' elseif kind == 'd' then written[k] = 'd' end
end
for i = 1, #KEYS do
	local kind, k, v, ttl = ARGV[3*i-2], KEYS[i], ARGV[3*i-1], tonumber(ARGV[3*i])
	if kind == 'p' or kind == 'c' then
		if ttl > 0 then redis.call('SET', k, v, 'PX', ttl) else redis.call('SET', k, v) end
	elseif kind == 'd' then
		redis.call('DEL', k)
	elseif kind == 'm' then
		local cur = redis.call('PTTL', k)
		redis.call('SADD', k, v)
		if ttl == 0 then
			if cur >= 0 then redis.call('PERSIST', k) end
		elseif cur == -2 or (cur >= 0 and cur < ttl) then
			redis.call('PEXPIRE', k, ttl)
		end
	end
end
return 0
`)
