package storetest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/inkan-id/inkan/provider/store"
)

func testPutGet(t *testing.T, b store.Backend) {
	ctx := t.Context()
	put(t, b, "code", "k1", "v1")
	wantValue(t, b, "code", "k1", "v1")

	put(t, b, "code", "k1", "v2") // upsert
	wantValue(t, b, "code", "k1", "v2")

	// Every byte value must round-trip, and the empty value is a value.
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	put(t, b, "code", "bin", string(all))
	wantValue(t, b, "code", "bin", string(all))
	put(t, b, "code", "empty", "")
	got, err := b.Get(ctx, "code", "empty")
	if err != nil || len(got) != 0 {
		t.Fatalf("Get(empty) = %q, %v; want empty value", got, err)
	}

	// The backend must not keep the caller's slice nor hand out its own.
	in := []byte("original")
	if err := b.Put(ctx, "code", "alias", in, 0); err != nil {
		t.Fatal(err)
	}
	copy(in, "CHANGED!")
	out, err := b.Get(ctx, "code", "alias")
	if err != nil {
		t.Fatal(err)
	}
	copy(out, "CHANGED!")
	wantValue(t, b, "code", "alias", "original")
}

func testGetMissing(t *testing.T, b store.Backend) {
	wantMissing(t, b, "code", "nope")
	put(t, b, "code", "k", "v")
	wantMissing(t, b, "code", "nope")
	wantMissing(t, b, "never-used-ns", "k")
}

func testCreate(t *testing.T, b store.Backend) {
	ctx := t.Context()
	if err := b.Create(ctx, "tx", "k", []byte("first"), 0); err != nil {
		t.Fatalf("Create: %v", err)
	}
	wantValue(t, b, "tx", "k", "first")
	if err := b.Create(ctx, "tx", "k", []byte("second"), 0); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second Create = %v, want ErrExists", err)
	}
	wantValue(t, b, "tx", "k", "first")

	if err := b.Delete(ctx, "tx", "k"); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(ctx, "tx", "k", []byte("third"), 0); err != nil {
		t.Fatalf("Create after Delete: %v", err)
	}
	wantValue(t, b, "tx", "k", "third")
	put(t, b, "tx", "k", "fourth")
	wantValue(t, b, "tx", "k", "fourth")
}

func testTake(t *testing.T, b store.Backend) {
	ctx := t.Context()
	put(t, b, "code", "c1", "grant")
	got, err := b.Take(ctx, "code", "c1")
	if err != nil || string(got) != "grant" {
		t.Fatalf("Take = %q, %v; want grant", got, err)
	}
	wantMissing(t, b, "code", "c1")
	if got, err := b.Take(ctx, "code", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second Take = %q, %v; want ErrNotFound", got, err)
	}
	if _, err := b.Take(ctx, "code", "never"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Take(absent) = %v, want ErrNotFound", err)
	}
	if _, err := b.Take(ctx, "never-used-ns", "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Take(absent ns) = %v, want ErrNotFound", err)
	}
}

var errRefused = errors.New("storetest: fn refused")

func testUpdate(t *testing.T, b store.Backend) {
	ctx := t.Context()
	put(t, b, "acct", "a", "v1")
	var seen []byte
	err := b.Update(ctx, "acct", "a", func(old []byte) ([]byte, error) {
		seen = append(seen[:0], old...)
		return append(old, "+v2"...), nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if string(seen) != "v1" {
		t.Fatalf("fn saw %q, want v1", seen)
	}
	wantValue(t, b, "acct", "a", "v1+v2")

	// fn's error comes back unchanged and nothing is written.
	err = b.Update(ctx, "acct", "a", func(old []byte) ([]byte, error) {
		copy(old, "XX") // scribbling on its copy must not leak either
		return []byte("bad"), errRefused
	})
	if err != errRefused {
		t.Fatalf("Update with failing fn = %v, want errRefused itself", err)
	}
	wantValue(t, b, "acct", "a", "v1+v2")

	// A new value that is too large is refused like a Put.
	err = b.Update(ctx, "acct", "a", func([]byte) ([]byte, error) {
		return make([]byte, store.MaxValueLen+1), nil
	})
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Update to oversize value = %v, want ErrInvalid", err)
	}
	wantValue(t, b, "acct", "a", "v1+v2")

	// Absent records: ErrNotFound, and fn never runs.
	called := false
	err = b.Update(ctx, "acct", "missing", func(old []byte) ([]byte, error) {
		called = true
		return old, nil
	})
	if !errors.Is(err, store.ErrNotFound) || called {
		t.Fatalf("Update(absent) = %v (fn called: %v), want ErrNotFound without calling fn", err, called)
	}
	wantMissing(t, b, "acct", "missing")
	if err := b.Update(ctx, "never-used-ns", "k", func(old []byte) ([]byte, error) { return old, nil }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Update(absent ns) = %v, want ErrNotFound", err)
	}

	// A nil result stores an empty value; it does not delete.
	if err := b.Update(ctx, "acct", "a", func([]byte) ([]byte, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Get(ctx, "acct", "a"); err != nil || len(got) != 0 {
		t.Fatalf("after Update to nil: Get = %q, %v; want empty value", got, err)
	}
}

func testDelete(t *testing.T, b store.Backend) {
	ctx := t.Context()
	put(t, b, "rt", "k", "v")
	put(t, b, "rt", "other", "v")
	if err := b.Delete(ctx, "rt", "k"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantMissing(t, b, "rt", "k")
	wantValue(t, b, "rt", "other", "v")
	if err := b.Delete(ctx, "rt", "k"); err != nil {
		t.Fatalf("Delete(absent) = %v, want nil", err)
	}
	if err := b.Delete(ctx, "never-used-ns", "k"); err != nil {
		t.Fatalf("Delete(absent ns) = %v, want nil", err)
	}
}

func testNamespaces(t *testing.T, b store.Backend) {
	ctx := t.Context()
	put(t, b, "a", "k", "in a")
	put(t, b, "b", "k", "in b")
	wantValue(t, b, "a", "k", "in a")
	wantValue(t, b, "b", "k", "in b")

	// A set and a record of the same name do not touch each other.
	if err := b.AddMember(ctx, "a", "k", "m", 0); err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "a", "k", "in a")
	wantMembers(t, b, "a", "k", "m")
	wantMembers(t, b, "b", "k")

	if err := b.Delete(ctx, "a", "k"); err != nil {
		t.Fatal(err)
	}
	wantMissing(t, b, "a", "k")
	wantValue(t, b, "b", "k", "in b")
	wantMembers(t, b, "a", "k", "m")

	if err := b.DeleteSet(ctx, "a", "k"); err != nil {
		t.Fatal(err)
	}
	wantMembers(t, b, "a", "k")
	wantValue(t, b, "b", "k", "in b")

	// Names that could collide in a naive key layout stay apart.
	put(t, b, "x", "y:z", "1")
	put(t, b, "x", "y", "2")
	put(t, b, "xy", "z", "3")
	if err := b.AddMember(ctx, "x", "y", "z", 0); err != nil {
		t.Fatal(err)
	}
	wantValue(t, b, "x", "y:z", "1")
	wantValue(t, b, "x", "y", "2")
	wantValue(t, b, "xy", "z", "3")
	wantMissing(t, b, "x", "y}:m")
}

func testLargeValues(t *testing.T, b store.Backend) {
	ctx := t.Context()
	big := make([]byte, store.MaxValueLen)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := b.Put(ctx, "big", "k", big, 0); err != nil {
		t.Fatalf("Put of MaxValueLen bytes: %v", err)
	}
	got, err := b.Get(ctx, "big", "k")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get of large value: %d bytes, %v", len(got), err)
	}
	err = b.Update(ctx, "big", "k", func(old []byte) ([]byte, error) {
		old[0]++
		return old, nil
	})
	if err != nil {
		t.Fatalf("Update of large value: %v", err)
	}
	got, err = b.Take(ctx, "big", "k")
	if err != nil || len(got) != len(big) || got[0] != big[0]+1 || !bytes.Equal(got[1:], big[1:]) {
		t.Fatalf("Take of large value: %d bytes, %v", len(got), err)
	}

	tooBig := make([]byte, store.MaxValueLen+1)
	if err := b.Put(ctx, "big", "k", tooBig, 0); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Put of MaxValueLen+1 bytes = %v, want ErrInvalid", err)
	}
	if err := b.Create(ctx, "big", "k", tooBig, 0); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("Create of MaxValueLen+1 bytes = %v, want ErrInvalid", err)
	}
	wantMissing(t, b, "big", "k")
}

func testPing(t *testing.T, b store.Backend) {
	if err := b.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
