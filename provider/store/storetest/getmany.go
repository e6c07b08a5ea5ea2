package storetest

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// plain hides every optional capability of the Backend it holds, so that
// the store package's fallbacks run instead.
type plain struct{ store.Backend }

// testGetMany checks store.MultiGetter.
func testGetMany(t *testing.T, b store.Backend) {
	m, ok := b.(store.MultiGetter)
	if !ok {
		t.Skip("backend has no MultiGetter")
	}
	checkGetMany(t, b, m.GetMany)
}

// testGetManyFallback checks store.GetMany on a backend without
// MultiGetter: one Get per key, with the same results.
func testGetManyFallback(t *testing.T, b store.Backend) {
	p := plain{b}
	checkGetMany(t, b, func(ctx context.Context, keys []store.Key) ([][]byte, error) {
		return store.GetMany(ctx, p, keys...)
	})
}

// checkGetMany checks that getMany, reading b, answers every key in order,
// nil for an absent or expired record, and refuses bad keys and a
// cancelled context as a whole.
func checkGetMany(t *testing.T, b store.Backend, getMany func(context.Context, []store.Key) ([][]byte, error)) {
	ctx := t.Context()
	if err := b.Put(ctx, "gm", "exp", []byte("soon gone"), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	put(t, b, "gm", "a", "1")
	put(t, b, "gm", "empty", "")
	put(t, b, "gm2", "a", "2")
	if err := b.AddMember(ctx, "gm", "set", "m", 0); err != nil { // a set is no record
		t.Fatal(err)
	}
	waitMissing(t, b, "gm", "exp", 5*time.Second)

	got, err := getMany(ctx, []store.Key{
		{NS: "gm", Key: "empty"},
		{NS: "gm", Key: "absent"},
		{NS: "gm2", Key: "a"},
		{NS: "gm", Key: "a"},
		{NS: "gm", Key: "exp"},
		{NS: "never-used-ns", Key: "a"},
		{NS: "gm", Key: "set"},
		{NS: "gm", Key: "a"},
	})
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	if s, want := show(got), `["" nil "2" "1" nil nil nil "1"]`; s != want {
		t.Fatalf("GetMany = %s, want %s", s, want)
	}
	// Each value is the caller's own, even for a key asked for twice.
	got[3][0] = 'X'
	if string(got[7]) != "1" {
		t.Fatalf("writing to one value of GetMany changed another to %q", got[7])
	}
	wantValue(t, b, "gm", "a", "1")

	// Order holds over many keys, present and absent interleaved.
	var keys []store.Key
	var want []string
	for i := 59; i >= 0; i-- {
		k := "k" + strconv.Itoa(i)
		keys = append(keys, store.Key{NS: "gm", Key: k})
		if i%3 == 0 {
			want = append(want, "nil")
			continue
		}
		put(t, b, "gm", k, "v"+strconv.Itoa(i))
		want = append(want, strconv.Quote("v"+strconv.Itoa(i)))
	}
	got, err = getMany(ctx, keys)
	if err != nil {
		t.Fatalf("GetMany of %d keys: %v", len(keys), err)
	}
	if s, want := show(got), "["+strings.Join(want, " ")+"]"; s != want {
		t.Fatalf("GetMany of %d keys = %s, want %s", len(keys), s, want)
	}

	for _, keys := range [][]store.Key{nil, {}} {
		got, err := getMany(ctx, keys)
		if err != nil || len(got) != 0 {
			t.Fatalf("GetMany(%#v) = %s, %v; want an empty result", keys, show(got), err)
		}
	}

	// One bad key refuses the whole call.
	long := strings.Repeat("k", store.MaxNameLen+1)
	for _, bad := range []store.Key{{NS: "gm", Key: ""}, {NS: "g:m", Key: "a"}, {NS: "", Key: "a"}, {NS: "gm", Key: long}} {
		got, err := getMany(ctx, []store.Key{{NS: "gm", Key: "a"}, bad})
		var ie *store.InvalidError
		if !errors.As(err, &ie) || !errors.Is(err, store.ErrInvalid) {
			t.Errorf("GetMany with key %q/%.10q = %s, %v; want *store.InvalidError", bad.NS, bad.Key, show(got), err)
		}
	}

	if got, err := getMany(cancelled(), []store.Key{{NS: "gm", Key: "a"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetMany with a cancelled context = %s, %v; want context.Canceled", show(got), err)
	}
}

// show renders a result of GetMany: each value quoted, an absent one nil.
func show(vals [][]byte) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		if v == nil {
			parts[i] = "nil"
		} else {
			parts[i] = strconv.Quote(string(v))
		}
	}
	return "[" + strings.Join(parts, " ") + "]"
}
