package bolt

import (
	"bytes"
	"context"
	"time"

	"go.etcd.io/bbolt"

	"github.com/inkan-id/inkan/provider/store"
)

// setHeader returns "ns:set", the key of a set's expiry header in
// ":sets". Its members follow it in key order as "ns:set\x00member": NUL
// sorts first and no name contains it, so a prefix scan finds exactly them.
func setHeader(ns, set string) []byte {
	k := make([]byte, 0, len(ns)+1+len(set)+1)
	k = append(k, ns...)
	k = append(k, ':')
	return append(k, set...)
}

// memberPrefix turns a header key into the prefix of its members' keys.
func memberPrefix(header []byte) []byte {
	return append(header[:len(header):len(header)], 0)
}

// AddMember implements store.Backend.
func (s *Store) AddMember(ctx context.Context, ns, set, member string, ttl time.Duration) error {
	if err := store.ValidateMember(ns, set, member); err != nil {
		return err
	}
	if err := store.ValidateTTL(ttl); err != nil {
		return err
	}
	return s.update(ctx, func(tx *bbolt.Tx, now time.Time) error {
		return addMember(tx, now, ns, set, member, ttl)
	})
}

// addMember is AddMember's body; errNoop if nothing changes.
func addMember(tx *bbolt.Tx, now time.Time, ns, set, member string, ttl time.Duration) error {
	hk := setHeader(ns, set)
	mk := append(memberPrefix(hk), member...)
	sb := tx.Bucket(setsBucket)
	hdr := sb.Get(hk)
	ok, err := live(hdr, now.UnixNano())
	if err != nil {
		return err
	}
	exp := expiresAt(now, ttl)
	switch {
	case ok:
		// Extend, never shorten; 0 (never) wins over any instant.
		if cur := expiry(hdr); cur == 0 || (exp != 0 && cur >= exp) {
			exp = cur
		}
		if exp == expiry(hdr) && sb.Get(mk) != nil {
			return errNoop
		}
	case hdr != nil:
		// Expired but not swept yet: its members must not come back.
		if err := deleteSet(sb, hk); err != nil {
			return err
		}
	}
	if err := sb.Put(hk, encode(exp, nil)); err != nil {
		return unavailable(err)
	}
	return putErr(sb.Put(mk, []byte{}))
}

// Members implements store.Backend. Members come back sorted by byte value,
// which callers must not rely on (Redis does not sort).
func (s *Store) Members(ctx context.Context, ns, set string) ([]string, error) {
	if err := store.ValidateSet(ns, set); err != nil {
		return nil, err
	}
	hk := setHeader(ns, set)
	var out []string
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		sb := tx.Bucket(setsBucket)
		ok, err := live(sb.Get(hk), s.now().UnixNano())
		if err != nil || !ok {
			return err
		}
		prefix := memberPrefix(hk)
		c := sb.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out = append(out, string(k[len(prefix):]))
		}
		return nil
	})
	return out, err
}

// DeleteSet implements store.Backend.
func (s *Store) DeleteSet(ctx context.Context, ns, set string) error {
	if err := store.ValidateSet(ns, set); err != nil {
		return err
	}
	hk := setHeader(ns, set)
	return s.update(ctx, func(tx *bbolt.Tx, _ time.Time) error {
		sb := tx.Bucket(setsBucket)
		if sb.Get(hk) == nil {
			return errNoop // members never exist without their header
		}
		return deleteSet(sb, hk)
	})
}

// deleteSet removes a set's header and members. Keys are collected first:
// deleting under a live cursor can make it skip entries.
func deleteSet(sb *bbolt.Bucket, hk []byte) error {
	prefix := memberPrefix(hk)
	keys := [][]byte{bytes.Clone(hk)}
	c := sb.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := sb.Delete(k); err != nil {
			return unavailable(err)
		}
	}
	return nil
}
