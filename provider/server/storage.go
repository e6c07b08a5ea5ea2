package server

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// Store namespaces owned by this package (CONTRACTS.md: everything but
// tx, keys and client). Every record is JSON; every secret is keyed by its
// hashKey, never by its value.
const (
	nsAuthReq  = "authreq"  // auth request id → authRequest
	nsCode     = "code"     // hashKey(code) → codeRecord, TTL CodeTTL
	nsCodeUsed = "codeused" // hashKey(code) → usedCode, after redemption
	nsAccess   = "at"       // jti (JWT) or hashKey(token) (opaque) → accessRecord
	nsRefresh  = "rt"       // hashKey(refresh token) → refreshRecord
	nsFamily   = "rtfam"    // family id → family; set: family id → "at:…"/"rt:…" members
	nsSession  = "sess"     // hashKey(cookie) → session; set: public sid → family ids
	nsSID      = "sid"      // public sid → hashKey(cookie), for logout by id_token_hint
	nsAccount  = "acct"     // account id → account
	nsCard     = "card"     // identity.CardID.String() → account id
	nsConsent  = "consent"  // account id + " " + client id → consent
	nsAttrs    = "attrs"    // account id → sealed verified attributes
	nsJTI      = "jti"      // client id + " " + assertion jti → "", replay cache
)

// getJSON reads ns/key into v.
func getJSON(ctx context.Context, b store.Backend, ns, key string, v any) error {
	raw, err := b.Get(ctx, ns, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// takeJSON atomically reads and deletes ns/key into v.
func takeJSON(ctx context.Context, b store.Backend, ns, key string, v any) error {
	raw, err := b.Take(ctx, ns, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// putJSON stores v under ns/key.
func putJSON(ctx context.Context, b store.Backend, ns, key string, v any, ttl time.Duration) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(ctx, ns, key, raw, ttl)
}

// createJSON stores v under ns/key unless a live record is there.
func createJSON(ctx context.Context, b store.Backend, ns, key string, v any, ttl time.Duration) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Create(ctx, ns, key, raw, ttl)
}

// updateJSON is a compare-and-swap on a JSON record: fn edits a fresh copy
// and may run more than once.
func updateJSON[T any](ctx context.Context, b store.Backend, ns, key string, fn func(*T) error) error {
	return b.Update(ctx, ns, key, func(old []byte) ([]byte, error) {
		v := new(T)
		if err := json.Unmarshal(old, v); err != nil {
			return nil, err
		}
		if err := fn(v); err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
}

// notFound reports a missing or expired record. A key the store refuses
// as invalid (request input with a NUL, say) names no record either, and
// must read as "unknown", not as a server fault.
func notFound(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid)
}

// ttlUntil is the store TTL for a record that must live until t (at least
// one second, so a record never gets "no expiry" by rounding).
func ttlUntil(now, t time.Time) time.Duration {
	return max(t.Sub(now), time.Second)
}
