package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/provider/store"
)

func testValidation(t *testing.T, b store.Backend) {
	ctx := t.Context()
	long := strings.Repeat("x", store.MaxNameLen+1)
	keep := func(old []byte) ([]byte, error) { return old, nil }

	// Every method refuses every bad name before touching storage.
	badNames := []struct{ name, ns, key string }{
		{"empty ns", "", "k"},
		{"empty key", "v", ""},
		{"long ns", long, "k"},
		{"long key", "v", long},
		{"NUL in ns", "v\x00", "k"},
		{"NUL in key", "v", "k\x00"},
		{"colon in ns", "v:w", "k"},
		{"brace in ns", "v{", "k"},
		{"close brace in ns", "v}", "k"},
	}
	for _, bn := range badNames {
		calls := []struct {
			op  string
			err error
		}{
			{"Put", b.Put(ctx, bn.ns, bn.key, []byte("v"), 0)},
			{"Create", b.Create(ctx, bn.ns, bn.key, []byte("v"), 0)},
			{"Get", second(b.Get(ctx, bn.ns, bn.key))},
			{"Take", second(b.Take(ctx, bn.ns, bn.key))},
			{"Update", b.Update(ctx, bn.ns, bn.key, keep)},
			{"Delete", b.Delete(ctx, bn.ns, bn.key)},
			{"AddMember", b.AddMember(ctx, bn.ns, bn.key, "m", 0)},
			{"Members", second(b.Members(ctx, bn.ns, bn.key))},
			{"DeleteSet", b.DeleteSet(ctx, bn.ns, bn.key)},
		}
		if bn.ns == "v" { // the name is a bad key, so also a bad member
			calls = append(calls, struct {
				op  string
				err error
			}{"AddMember(member)", b.AddMember(ctx, "v", "s", bn.key, 0)})
		}
		for _, c := range calls {
			var ie *store.InvalidError
			if !errors.Is(c.err, store.ErrInvalid) || !errors.As(c.err, &ie) {
				t.Errorf("%s with %s = %v, want *store.InvalidError", c.op, bn.name, c.err)
			}
		}
	}
	wantMembers(t, b, "v", "s")

	// Bad values and TTLs: refused, nothing written.
	if err := b.Put(ctx, "v", "k", []byte("x"), -1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Put with negative ttl = %v, want ErrInvalid", err)
	}
	if err := b.Create(ctx, "v", "k", []byte("x"), -1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Create with negative ttl = %v, want ErrInvalid", err)
	}
	if err := b.AddMember(ctx, "v", "s", "m", -1); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("AddMember with negative ttl = %v, want ErrInvalid", err)
	}
	if err := b.Put(ctx, "v", "k", make([]byte, store.MaxValueLen+1), 0); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Put with oversize value = %v, want ErrInvalid", err)
	}
	wantMissing(t, b, "v", "k")
	wantMembers(t, b, "v", "s")
	if err := b.Update(ctx, "v", "k", nil); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Update with nil fn = %v, want ErrInvalid", err)
	}

	// The limits themselves are accepted.
	maxNS := strings.Repeat("n", store.MaxNameLen)
	maxKey := strings.Repeat("k", store.MaxNameLen)
	put(t, b, maxNS, maxKey, "edge")
	wantValue(t, b, maxNS, maxKey, "edge")
	if err := b.AddMember(ctx, maxNS, maxKey, maxKey, 0); err != nil {
		t.Fatalf("AddMember at the name limits: %v", err)
	}
	wantMembers(t, b, maxNS, maxKey, maxKey)
	// Keys are bytes: separators, braces and non-UTF-8 are fine in keys.
	odd := "a:{b}\xff\n "
	put(t, b, "v", odd, "odd")
	wantValue(t, b, "v", odd, "odd")
}

func second[T any](_ T, err error) error { return err }
