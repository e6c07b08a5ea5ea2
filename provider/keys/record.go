package keys

import (
	"encoding/json"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Store location of the key set.
const (
	namespace = "keys"
	setKey    = "set"
)

// formatVersion is stored in the set so that a future layout is refused
// rather than misread.
const formatVersion = 1

// State is where a key is in its lifecycle.
type State string

// Key states.
const (
	StatePending  State = "pending"
	StateActive   State = "active"
	StateRetiring State = "retiring"
	StateExpired  State = "expired"
)

// keySet is the one stored record.
type keySet struct {
	Version int       `json:"version"`
	Keys    []*record `json:"keys"`
}

// record is one key. The times are authoritative; State is what they meant
// when the record was last written, kept for people reading the store.
type record struct {
	KID   string                  `json:"kid"`
	Alg   jose.SignatureAlgorithm `json:"alg"`
	State State                   `json:"state"`
	// Created is when the key was generated.
	Created time.Time `json:"created"`
	// Activate is when it starts signing.
	Activate time.Time `json:"activate"`
	// Deactivate is when it stops signing (its successor's Activate);
	// zero while it has no successor.
	Deactivate time.Time `json:"deactivate,omitzero"`
	// Retire is when it stops being published: Deactivate + MaxTokenTTL.
	Retire time.Time `json:"retire,omitzero"`
	// Public is the public JWK, as served in the JWKS.
	Public json.RawMessage `json:"public"`
	// Sealed is nonce || AES-256-GCM(PKCS#8 private key).
	Sealed []byte `json:"sealed"`
}

// stateAt derives the state at now from the times.
func (r *record) stateAt(now time.Time) State {
	switch {
	case now.Before(r.Activate):
		return StatePending
	case r.Deactivate.IsZero() || now.Before(r.Deactivate):
		return StateActive
	case now.Before(r.Retire):
		return StateRetiring
	}
	return StateExpired
}

// published reports whether r belongs in the JWKS at now.
func (r *record) published(now time.Time) bool {
	return r.stateAt(now) != StateExpired
}

func decodeSet(b []byte) (*keySet, error) {
	var s keySet
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if s.Version != formatVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads %d", ErrCorrupt, s.Version, formatVersion)
	}
	for i, r := range s.Keys {
		if r == nil || r.KID == "" || checkAlg(r.Alg) != nil || len(r.Public) == 0 || len(r.Sealed) == 0 {
			return nil, fmt.Errorf("%w: entry %d is incomplete", ErrCorrupt, i)
		}
	}
	return &s, nil
}

// encode stamps every record's State as of now and marshals the set.
func (s *keySet) encode(now time.Time) ([]byte, error) {
	s.Version = formatVersion
	for _, r := range s.Keys {
		r.State = r.stateAt(now)
	}
	return json.Marshal(s)
}

// current returns the key of alg that signs at now, and any key of alg
// still waiting to sign.
func (s *keySet) current(alg jose.SignatureAlgorithm, now time.Time) (active, pending *record) {
	for _, r := range s.Keys {
		if r.Alg != alg {
			continue
		}
		switch r.stateAt(now) {
		case StateActive:
			active = r
		case StatePending:
			pending = r
		}
	}
	return active, pending
}

// dropExpired removes keys past their retire time and reports how many.
func (s *keySet) dropExpired(now time.Time) int {
	n := len(s.Keys)
	kept := s.Keys[:0]
	for _, r := range s.Keys {
		if r.published(now) {
			kept = append(kept, r)
		}
	}
	clear(s.Keys[len(kept):])
	s.Keys = kept
	return n - len(kept)
}
