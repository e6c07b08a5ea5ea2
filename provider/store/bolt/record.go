package bolt

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
)

// headerLen is the size of the expiry header in front of every value and
// set header: big-endian Unix nanoseconds, 0 = never expires.
const headerLen = 8

// errCorrupt means a stored value is shorter than its header, which only
// outside tampering or a bug can cause.
var errCorrupt = errors.New("store: bolt: corrupt record (shorter than its expiry header)")

// expiresAt turns a TTL into an absolute expiry; 0 stays 0 (never). TTLs
// that would overflow int64 nanoseconds (past the year 2262) saturate.
func expiresAt(now time.Time, ttl time.Duration) int64 {
	if ttl == 0 {
		return 0
	}
	n := now.UnixNano()
	if n > math.MaxInt64-int64(ttl) {
		return math.MaxInt64
	}
	return n + int64(ttl)
}

// encode returns a fresh header+value buffer; bbolt needs the value to stay
// untouched until commit, so it must not alias the caller's slice.
func encode(exp int64, val []byte) []byte {
	rec := make([]byte, headerLen+len(val))
	binary.BigEndian.PutUint64(rec, uint64(exp))
	copy(rec[headerLen:], val)
	return rec
}

func expiry(rec []byte) int64 { return int64(binary.BigEndian.Uint64(rec)) }

// live reports whether a stored record exists and has not expired at now
// (Unix nanoseconds). An entry is expired from its expiry instant on.
func live(rec []byte, now int64) (bool, error) {
	if rec == nil {
		return false, nil
	}
	if len(rec) < headerLen {
		return false, errCorrupt
	}
	exp := expiry(rec)
	return exp == 0 || now < exp, nil
}

// value returns the caller's own copy of a stored record's value: bbolt's
// slices point into the read-only memory map and die with the transaction.
func value(rec []byte) []byte {
	v := make([]byte, len(rec)-headerLen)
	copy(v, rec[headerLen:])
	return v
}
