package storetest

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// testSwap checks store.Swapper: a swap from the current value lands and
// keeps the TTL, one from any other value or on a missing record changes
// nothing, and of concurrent swaps from one value exactly one wins.
func testSwap(t *testing.T, b store.Backend) {
	s, ok := b.(store.Swapper)
	if !ok {
		t.Skip("backend has no Swapper")
	}
	ctx := t.Context()
	put(t, b, "sw", "k", "v1")
	if err := s.Swap(ctx, "sw", "k", []byte("v1"), []byte("v2")); err != nil {
		t.Fatalf("Swap from the current value: %v", err)
	}
	wantValue(t, b, "sw", "k", "v2")
	if err := s.Swap(ctx, "sw", "k", []byte("v1"), []byte("v3")); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Swap from a stale value: %v, want ErrConflict", err)
	}
	wantValue(t, b, "sw", "k", "v2")
	if err := s.Swap(ctx, "sw", "absent", []byte("v1"), []byte("v3")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Swap of a missing record: %v, want ErrNotFound", err)
	}
	wantMissing(t, b, "sw", "absent")
	if err := s.Swap(ctx, "sw", "", []byte("v2"), []byte("v3")); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Swap of an empty key: %v, want ErrInvalid", err)
	}
	if err := s.Swap(ctx, "sw", "k", make([]byte, store.MaxValueLen+1), []byte("v3")); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Swap from an oversized value: %v, want ErrInvalid", err)
	}
	wantValue(t, b, "sw", "k", "v2")

	// The record keeps its expiry: swapped just before it, it still goes.
	if err := b.Put(ctx, "sw", "ttl", []byte("a"), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.Swap(ctx, "sw", "ttl", []byte("a"), []byte("b")); err != nil {
		t.Fatal(err)
	}
	waitMissing(t, b, "sw", "ttl", 5*time.Second)

	// One winner.
	put(t, b, "sw", "race", "0")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := range 16 {
		wg.Go(func() {
			err := s.Swap(ctx, "sw", "race", []byte("0"), []byte{byte('a' + i)})
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("Swap: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent swaps from one value won, want 1", wins)
	}

	// UpdateFrom with a stale value falls back to Update on the fresh one.
	put(t, b, "sw", "from", "fresh")
	var saw []string
	err := store.UpdateFrom(ctx, b, "sw", "from", []byte("stale"), func(old []byte) ([]byte, error) {
		saw = append(saw, string(old))
		return append(old, '!'), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "sw", "from", "fresh!")
	if len(saw) != 2 || saw[0] != "stale" || saw[1] != "fresh" {
		t.Fatalf("UpdateFrom ran fn on %q, want stale then fresh", saw)
	}
}

// testBatch checks store.Batcher: the ops land in order, as the single
// calls would leave them, and a batch with a failing op leaves nothing.
func testBatch(t *testing.T, b store.Backend) {
	bb, ok := b.(store.Batcher)
	if !ok {
		t.Skip("backend has no Batcher")
	}
	ctx := t.Context()
	put(t, b, "bt", "gone", "x")
	err := bb.Batch(ctx, []store.Op{
		store.Put("bt", "a", []byte("1"), 0),
		store.Create("bt", "b", []byte("2"), time.Hour),
		store.Delete("bt", "gone"),
		store.Delete("bt", "never"),
		store.AddMember("bs", "set", "m1", time.Hour),
		store.AddMember("bs", "set", "m2", 0),
		store.Put("bt", "a", []byte("1b"), 0), // later ops see earlier ones
	})
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	wantValue(t, b, "bt", "a", "1b")
	wantValue(t, b, "bt", "b", "2")
	wantMissing(t, b, "bt", "gone")
	wantMembers(t, b, "bs", "set", "m1", "m2")

	// All or nothing: a Create of a taken key fails the whole batch.
	err = bb.Batch(ctx, []store.Op{
		store.Put("bt", "c", []byte("3"), 0),
		store.AddMember("bs", "set", "m3", 0),
		store.Delete("bt", "a"),
		store.Create("bt", "b", []byte("again"), 0),
	})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("Batch with a taken Create: %v, want ErrExists", err)
	}
	wantMissing(t, b, "bt", "c")
	wantValue(t, b, "bt", "a", "1b")
	wantValue(t, b, "bt", "b", "2")
	wantMembers(t, b, "bs", "set", "m1", "m2")

	// A Create sees the batch's own earlier writes and deletes.
	err = bb.Batch(ctx, []store.Op{store.Put("bt", "d", []byte("4"), 0), store.Create("bt", "d", []byte("5"), 0)})
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("Create after a Put of the same key: %v, want ErrExists", err)
	}
	wantMissing(t, b, "bt", "d")
	if err := bb.Batch(ctx, []store.Op{store.Delete("bt", "b"), store.Create("bt", "b", []byte("6"), 0)}); err != nil {
		t.Fatalf("Create after a Delete of the same key: %v", err)
	}
	wantValue(t, b, "bt", "b", "6")

	// Invalid ops are refused before anything is written.
	err = bb.Batch(ctx, []store.Op{store.Put("bt", "e", []byte("7"), 0), store.Put("bt", "", []byte("8"), 0)})
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Batch with an empty key: %v, want ErrInvalid", err)
	}
	if err := bb.Batch(ctx, []store.Op{{Kind: 99, NS: "bt", Key: "e"}}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Batch with an unknown op: %v, want ErrInvalid", err)
	}
	wantMissing(t, b, "bt", "e")
	if err := bb.Batch(ctx, nil); err != nil {
		t.Fatalf("empty Batch: %v", err)
	}

	// TTLs apply as in Put.
	if err := bb.Batch(ctx, []store.Op{store.Put("bt", "short", []byte("s"), 300*time.Millisecond), store.Put("bt", "long", []byte("l"), time.Hour)}); err != nil {
		t.Fatal(err)
	}
	waitMissing(t, b, "bt", "short", 5*time.Second)
	wantValue(t, b, "bt", "long", "l")

	if err := bb.Batch(cancelled(), []store.Op{store.Put("bt", "g", []byte("8"), 0)}); err == nil {
		t.Fatal("Batch with a cancelled context succeeded")
	}
	wantMissing(t, b, "bt", "g")
}

// waitMissing polls until ns/key is gone, failing after within.
func waitMissing(t *testing.T, b store.Backend, ns, key string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, err := b.Get(t.Context(), ns, key)
		if errors.Is(err, store.ErrNotFound) {
			return
		}
		if err != nil {
			t.Fatalf("Get(%s, %s): %v", ns, key, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/%s still there %v after its TTL", ns, key, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testBatchCompare checks a batch's OpSwap and OpDeleteIf: they compare
// byte for byte against the record as the ops before them leave it, Swap
// keeps the TTL, and one that finds its record absent (ErrNotFound) or
// changed (ErrConflict) leaves every op of the batch unapplied.
func testBatchCompare(t *testing.T, b store.Backend) {
	bb, ok := b.(store.Batcher)
	if !ok {
		t.Skip("backend has no Batcher")
	}
	ctx := t.Context()
	batch := func(ops ...store.Op) error { return bb.Batch(ctx, ops) }

	put(t, b, "bc", "s", "old")
	put(t, b, "bc", "d", "bye")
	put(t, b, "bc", "e", "")
	err := batch(
		store.Swap("bc", "s", []byte("old"), []byte("new")),
		store.DeleteIf("bc", "d", []byte("bye")),
		store.DeleteIf("bc", "e", nil), // the empty value is a value
		store.Put("bc", "p", []byte("x"), 0),
	)
	if err != nil {
		t.Fatalf("Batch of matching Swap and DeleteIf: %v", err)
	}
	wantValue(t, b, "bc", "s", "new")
	wantMissing(t, b, "bc", "d")
	wantMissing(t, b, "bc", "e")
	wantValue(t, b, "bc", "p", "x")

	// A failing compare anywhere leaves every op out, before it and after.
	if err := b.Put(ctx, "bc", "exp", []byte("cur"), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	put(t, b, "bc", "cur", "cur")
	put(t, b, "bc", "keep", "k")
	waitMissing(t, b, "bc", "exp", 5*time.Second)
	failing := []struct {
		name string
		op   store.Op
		want error
	}{
		{"Swap from another value", store.Swap("bc", "cur", []byte("stale"), []byte("new")), store.ErrConflict},
		{"Swap from a prefix of the value", store.Swap("bc", "cur", []byte("cu"), []byte("new")), store.ErrConflict},
		{"Swap from the empty value", store.Swap("bc", "cur", nil, []byte("new")), store.ErrConflict},
		{"DeleteIf of another value", store.DeleteIf("bc", "cur", []byte("cur!")), store.ErrConflict},
		{"Swap of an absent record", store.Swap("bc", "absent", []byte("cur"), []byte("new")), store.ErrNotFound},
		{"DeleteIf of an absent record", store.DeleteIf("bc", "absent", []byte("cur")), store.ErrNotFound},
		{"Swap of an expired record", store.Swap("bc", "exp", []byte("cur"), []byte("new")), store.ErrNotFound},
		{"DeleteIf of an expired record", store.DeleteIf("bc", "exp", []byte("cur")), store.ErrNotFound},
		{"Swap of a set", store.Swap("bcs", "set", nil, []byte("new")), store.ErrNotFound},
	}
	for _, f := range failing {
		err := batch(
			store.Put("bc", "before", []byte("1"), 0),
			store.Delete("bc", "keep"),
			store.AddMember("bcs", "set", "m", 0),
			store.Swap("bc", "s", []byte("new"), []byte("newer")),
			store.DeleteIf("bc", "p", []byte("x")),
			f.op,
			store.Put("bc", "after", []byte("2"), 0),
			store.Create("bc", "created", []byte("3"), 0),
		)
		if !errors.Is(err, f.want) {
			t.Fatalf("Batch with a %s: %v, want %v", f.name, err, f.want)
		}
		wantMissing(t, b, "bc", "before")
		wantValue(t, b, "bc", "keep", "k")
		wantMembers(t, b, "bcs", "set")
		wantValue(t, b, "bc", "s", "new")
		wantValue(t, b, "bc", "p", "x")
		wantValue(t, b, "bc", "cur", "cur")
		wantMissing(t, b, "bc", "after")
		wantMissing(t, b, "bc", "created")
		wantMissing(t, b, "bc", "absent")
		wantMissing(t, b, "bc", "exp")
	}

	// Ops see the ops before them: a Swap after a Put compares against
	// the Put's value, not the stored one.
	put(t, b, "bc", "seq", "stored")
	err = batch(store.Put("bc", "seq", []byte("put"), 0), store.Swap("bc", "seq", []byte("stored"), []byte("x")))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Swap from the stored value after a Put of another: %v, want ErrConflict", err)
	}
	wantValue(t, b, "bc", "seq", "stored")
	if err := batch(store.Put("bc", "seq", []byte("put"), 0), store.Swap("bc", "seq", []byte("put"), []byte("swapped"))); err != nil {
		t.Fatalf("Swap from the value of a Put before it: %v", err)
	}
	wantValue(t, b, "bc", "seq", "swapped")
	err = batch(
		store.Swap("bc", "seq", []byte("swapped"), []byte("s2")),
		store.Swap("bc", "seq", []byte("s2"), []byte("s3")),
		store.DeleteIf("bc", "seq", []byte("s3")),
	)
	if err != nil {
		t.Fatalf("Swap, Swap, DeleteIf in a chain: %v", err)
	}
	wantMissing(t, b, "bc", "seq")
	put(t, b, "bc", "seq", "v")
	if err := batch(store.Delete("bc", "seq"), store.Swap("bc", "seq", []byte("v"), []byte("w"))); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Swap after a Delete: %v, want ErrNotFound", err)
	}
	if err := batch(store.DeleteIf("bc", "seq", []byte("v")), store.DeleteIf("bc", "seq", []byte("v"))); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteIf after a DeleteIf: %v, want ErrNotFound", err)
	}
	wantValue(t, b, "bc", "seq", "v")
	if err := batch(store.DeleteIf("bc", "seq", []byte("v")), store.Create("bc", "seq", []byte("new"), 0)); err != nil {
		t.Fatalf("Create after a DeleteIf: %v", err)
	}
	wantValue(t, b, "bc", "seq", "new")
	if err := batch(store.Swap("bc", "seq", []byte("new"), []byte("newer")), store.Create("bc", "seq", []byte("x"), 0)); !errors.Is(err, store.ErrExists) {
		t.Fatalf("Create after a Swap: %v, want ErrExists", err)
	}
	wantValue(t, b, "bc", "seq", "new")
	if err := batch(store.Create("bc", "fresh", []byte("c"), 0), store.Swap("bc", "fresh", []byte("c"), []byte("d"))); err != nil {
		t.Fatalf("Swap after a Create: %v", err)
	}
	wantValue(t, b, "bc", "fresh", "d")

	// Swap keeps the record's TTL, the stored one or that of a Put before
	// it in the batch: swapped while young, the record still expires.
	if err := b.Put(ctx, "bc", "ttl", []byte("a"), shortTTL); err != nil {
		t.Fatal(err)
	}
	err = batch(
		store.Swap("bc", "ttl", []byte("a"), []byte("b")),
		store.Put("bc", "pttl", []byte("a"), shortTTL),
		store.Swap("bc", "pttl", []byte("a"), []byte("b")),
	)
	if err != nil {
		t.Fatalf("Batch swapping records with a TTL: %v", err)
	}
	for _, k := range []string{"ttl", "pttl"} {
		if v, err := b.Get(ctx, "bc", k); err == nil && string(v) != "b" {
			t.Fatalf("Get(%s) after the swap = %q, want b", k, v)
		}
		waitMissing(t, b, "bc", k, expiryDeadline)
	}

	// Bad ops are refused before anything is written.
	big := make([]byte, store.MaxValueLen+1)
	for i, op := range []store.Op{
		store.Swap("bc", "cur", big, []byte("x")),
		store.Swap("bc", "cur", []byte("cur"), big),
		store.Swap("bc", "", []byte("cur"), nil),
		store.DeleteIf("bc", "cur", big),
		store.DeleteIf("b:c", "cur", []byte("cur")),
	} {
		if err := batch(store.Put("bc", "v", []byte("v"), 0), op); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("Batch with invalid op %d: %v, want ErrInvalid", i, err)
		}
	}
	wantMissing(t, b, "bc", "v")
	wantValue(t, b, "bc", "cur", "cur")
}

// testApplyEach checks store.ApplyEach, store.Apply's fallback for a
// backend without Batcher, on the backend itself (OpSwap through its
// Swapper) and with every capability hidden (store.Apply, OpSwap through
// Update): OpSwap and OpDeleteIf compare as in a batch, and a failing op
// returns its error with the ops before it applied and those after not.
func testApplyEach(t *testing.T, b store.Backend) {
	ctx := t.Context()
	for _, tc := range []struct {
		name  string
		apply func(ops ...store.Op) error
	}{
		{"backend", func(ops ...store.Op) error { return store.ApplyEach(ctx, b, ops) }},
		{"plain", func(ops ...store.Op) error { return store.Apply(ctx, plain{b}, ops...) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns, apply := "ae-"+tc.name, tc.apply
			put(t, b, ns, "s", "old")
			put(t, b, ns, "d", "bye")
			err := apply(
				store.Swap(ns, "s", []byte("old"), []byte("new")),
				store.DeleteIf(ns, "d", []byte("bye")),
				store.Put(ns, "q", []byte("put"), 0),
				store.Swap(ns, "q", []byte("put"), []byte("swapped")),
			)
			if err != nil {
				t.Fatalf("matching Swap and DeleteIf: %v", err)
			}
			wantValue(t, b, ns, "s", "new")
			wantMissing(t, b, ns, "d")
			wantValue(t, b, ns, "q", "swapped")

			// Single use holds op by op: of concurrent DeleteIfs of one
			// record (a code redeemed twice at once), exactly one wins.
			for round := range 20 {
				key := "once" + strconv.Itoa(round)
				put(t, b, ns, key, "code")
				var wg sync.WaitGroup
				var mu sync.Mutex
				won := 0
				for range 4 {
					wg.Go(func() {
						if apply(store.DeleteIf(ns, key, []byte("code"))) == nil {
							mu.Lock()
							won++
							mu.Unlock()
						}
					})
				}
				wg.Wait()
				if won != 1 {
					t.Fatalf("round %d: %d concurrent DeleteIfs succeeded, want 1", round, won)
				}
			}

			put(t, b, ns, "cur", "cur")
			failing := []struct {
				name string
				op   store.Op
				want error
			}{
				{"Swap from another value", store.Swap(ns, "cur", []byte("stale"), []byte("new")), store.ErrConflict},
				{"DeleteIf of another value", store.DeleteIf(ns, "cur", []byte("stale")), store.ErrConflict},
				{"Swap of an absent record", store.Swap(ns, "absent", []byte("cur"), []byte("new")), store.ErrNotFound},
				{"DeleteIf of an absent record", store.DeleteIf(ns, "absent", []byte("cur")), store.ErrNotFound},
				{"Swap from an oversize value", store.Swap(ns, "cur", make([]byte, store.MaxValueLen+1), nil), store.ErrInvalid},
				{"DeleteIf of an oversize value", store.DeleteIf(ns, "cur", make([]byte, store.MaxValueLen+1)), store.ErrInvalid},
			}
			for i, f := range failing {
				before, after := "before"+strconv.Itoa(i), "after"+strconv.Itoa(i)
				err := apply(store.Put(ns, before, []byte("1"), 0), f.op, store.Put(ns, after, []byte("2"), 0))
				if !errors.Is(err, f.want) {
					t.Fatalf("%s: %v, want %v", f.name, err, f.want)
				}
				wantValue(t, b, ns, before, "1") // not atomic: what came before stays
				wantMissing(t, b, ns, after)
				if f.op.Kind == store.OpDeleteIf && f.want == store.ErrConflict {
					// A Take then a comparison: a changed record fails
					// closed, already consumed.
					wantMissing(t, b, ns, "cur")
					put(t, b, ns, "cur", "cur")
				}
				wantValue(t, b, ns, "cur", "cur")
				wantMissing(t, b, ns, "absent")
			}

			// Swap keeps the TTL here too.
			if err := b.Put(ctx, ns, "ttl", []byte("a"), shortTTL); err != nil {
				t.Fatal(err)
			}
			if err := apply(store.Swap(ns, "ttl", []byte("a"), []byte("b"))); err != nil {
				t.Fatalf("Swap of a record with a TTL: %v", err)
			}
			waitMissing(t, b, ns, "ttl", expiryDeadline)
		})
	}
}
