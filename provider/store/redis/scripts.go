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

// delIfScript is a batch's OpDeleteIf where the batch goes op by op (see
// Store.Batch): KEYS[1] record, ARGV[1] the value it must hold. It answers
// as casScript does.
var delIfScript = goredis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then return 0 end
if cur ~= ARGV[1] then return 2 end
redis.call('DEL', KEYS[1])
return 1
`)

// batchScript is Batch. Op i works on KEYS[i] with ARGV[3i-2] its kind and
// two arguments that depend on it:
//
//	"p" put, "c" create    ARGV[3i-1] the value, ARGV[3i] the TTL in ms (0 = never expires)
//	"d" delete             both unused
//	"m" add member         ARGV[3i-1] the member, ARGV[3i] the TTL in ms
//	"s" swap               ARGV[3i-1] the new value, ARGV[3i] the value it must hold
//	"x" delete if          ARGV[3i-1] unused, ARGV[3i] the value it must hold
//
// It first checks every create, swap and delete-if against the records as
// the ops before it would leave them (state: nil = untouched so far, false
// = deleted, else the value written), and, having written nothing, returns
// i if op i finds its record in the wrong state for existence (a create's
// taken, a swap's or delete-if's absent) and -i if a swap or delete-if
// finds another value. Otherwise it applies all ops and returns 0. Swap
// keeps the TTL (KEEPTTL) as casScript does; add member is
// addMemberScript's rule. A script sees no key expire while it runs, so
// the checks hold for the writes.
var batchScript = goredis.NewScript(`
local state = {}
for i = 1, #KEYS do
	local kind, k = ARGV[3*i-2], KEYS[i]
	if kind == 'c' then
		local w = state[k]
		if w or (w == nil and redis.call('EXISTS', k) == 1) then return i end
		state[k] = ARGV[3*i-1]
	elseif kind == 's' or kind == 'x' then
		local cur = state[k]
		if cur == nil then cur = redis.call('GET', k) end
		if not cur then return i end
		if cur ~= ARGV[3*i] then return -i end
		if kind == 's' then state[k] = ARGV[3*i-1] else state[k] = false end
	elseif kind == 'p' then
		state[k] = ARGV[3*i-1]
	elseif kind == 'd' then
		state[k] = false
	end
end
for i = 1, #KEYS do
	local kind, k, v = ARGV[3*i-2], KEYS[i], ARGV[3*i-1]
	if kind == 'p' or kind == 'c' then
		local ttl = tonumber(ARGV[3*i])
		if ttl > 0 then redis.call('SET', k, v, 'PX', ttl) else redis.call('SET', k, v) end
	elseif kind == 's' then
		redis.call('SET', k, v, 'KEEPTTL')
	elseif kind == 'd' or kind == 'x' then
		redis.call('DEL', k)
	elseif kind == 'm' then
		local ttl = tonumber(ARGV[3*i])
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
