package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store"
)

// clusterClient is a Cluster client whose every slot lives on the shared
// (non-cluster) server, so that the Store takes its Cluster paths: a
// Batch goes op by op, a GetMany through the Cluster pipeline.
func clusterClient() *goredis.ClusterClient {
	return goredis.NewClusterClient(&goredis.ClusterOptions{
		ClusterSlots: func(context.Context) ([]goredis.ClusterSlot, error) {
			return []goredis.ClusterSlot{{Start: 0, End: 16383, Nodes: []goredis.ClusterNode{{Addr: shared.Addr()}}}}, nil
		},
	})
}

// On a Cluster a batch goes op by op (see store.Batcher): each op is its
// single call, an OpSwap the compare-and-set script and an OpDeleteIf a
// compare-and-delete script, each one round trip and atomic on its own;
// the first failing op stops the batch, with the ops before it applied.
func TestClusterBatchOneByOne(t *testing.T) {
	needRedis(t)
	ctx := t.Context()
	c := clusterClient()
	var rt rtCounter
	c.AddHook(&rt)
	s := open(t, c, "cluster")
	want := func(key, val string) {
		t.Helper()
		v, err := s.Get(ctx, "bc", key)
		switch {
		case val == "" && !errors.Is(err, store.ErrNotFound):
			t.Fatalf("Get(%s) = %q, %v; want ErrNotFound", key, v, err)
		case val != "" && (err != nil || string(v) != val):
			t.Fatalf("Get(%s) = %q, %v; want %q", key, v, err, val)
		}
	}

	for _, k := range []string{"s", "d", "cur"} {
		if err := s.Put(ctx, "bc", k, []byte(k), 0); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Batch(ctx, []store.Op{
		store.Swap("bc", "s", []byte("s"), []byte("swapped")),
		store.DeleteIf("bc", "d", []byte("d")),
		store.Put("bc", "p", []byte("p"), 0),
	})
	if err != nil {
		t.Fatalf("Batch: %v", err)
	}
	want("s", "swapped")
	want("d", "")
	want("p", "p")

	failing := []struct {
		name string
		op   store.Op
		want error
	}{
		{"Swap from another value", store.Swap("bc", "cur", []byte("stale"), []byte("x")), store.ErrConflict},
		{"DeleteIf of another value", store.DeleteIf("bc", "cur", []byte("stale")), store.ErrConflict},
		{"Swap of an absent record", store.Swap("bc", "absent", []byte("cur"), []byte("x")), store.ErrNotFound},
		{"DeleteIf of an absent record", store.DeleteIf("bc", "absent", []byte("cur")), store.ErrNotFound},
	}
	for _, f := range failing {
		err := s.Batch(ctx, []store.Op{store.Put("bc", "before", []byte("1"), 0), f.op, store.Put("bc", "after", []byte("2"), 0)})
		if !errors.Is(err, f.want) {
			t.Fatalf("Batch with a %s: %v, want %v", f.name, err, f.want)
		}
		want("before", "1")
		want("after", "")
		want("cur", "cur")
		if err := s.Delete(ctx, "bc", "before"); err != nil {
			t.Fatal(err)
		}
	}

	// One round trip each, the scripts being cached by now: a DeleteIf is
	// not a GET and then a DEL, which another writer could come between.
	for _, op := range []store.Op{
		store.DeleteIf("bc", "cur", []byte("cur")),
		store.Swap("bc", "s", []byte("swapped"), []byte("again")),
	} {
		before := rt.n.Load()
		if err := s.Batch(ctx, []store.Op{op}); err != nil {
			t.Fatal(err)
		}
		if n := rt.n.Load() - before; n != 1 {
			t.Errorf("a batch of one op %d took %d round trips, want 1", op.Kind, n)
		}
	}
	want("cur", "")
	want("s", "again")
}

// GetMany works through a Cluster client's pipeline, which go-redis splits
// by node.
func TestClusterGetMany(t *testing.T) {
	needRedis(t)
	ctx := t.Context()
	s := open(t, clusterClient(), "clustergm")
	if err := s.Put(ctx, "gm", "a", []byte("1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "gm", "empty", nil, 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMany(ctx, []store.Key{{NS: "gm", Key: "absent"}, {NS: "gm", Key: "a"}, {NS: "gm", Key: "empty"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != nil || string(got[1]) != "1" || got[2] == nil || len(got[2]) != 0 {
		t.Fatalf("GetMany = %q, want [nil 1 \"\"] with the empty value non-nil", got)
	}
}
