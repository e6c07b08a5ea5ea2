package storetest

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/inkan-id/inkan/provider/store"
)

const (
	racers = 50  // concurrent Takes / Creates of one record
	rounds = 10  // records raced over, to give a broken backend many chances to fail
	incrs  = 100 // concurrent Update increments of one counter
)

// race runs fn(i) for i in [0, n) on n goroutines released together, and
// returns the errors in order.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return errs
}

func testTakeSingleWinner(t *testing.T, b store.Backend) {
	ctx := t.Context()
	for r := range rounds {
		key := "c" + strconv.Itoa(r)
		put(t, b, "code", key, "grant-"+key)
		var mu sync.Mutex
		var won [][]byte
		errs := race(racers, func(int) error {
			v, err := b.Take(ctx, "code", key)
			if err == nil {
				mu.Lock()
				won = append(won, v)
				mu.Unlock()
			}
			return err
		})
		for _, err := range errs {
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("round %d: losing Take = %v, want ErrNotFound", r, err)
			}
		}
		if len(won) != 1 {
			t.Fatalf("round %d: %d of %d concurrent Takes won, want exactly 1", r, len(won), racers)
		}
		if string(won[0]) != "grant-"+key {
			t.Fatalf("round %d: winner got %q", r, won[0])
		}
		wantMissing(t, b, "code", key)
	}
}

func testCreateSingleWinner(t *testing.T, b store.Backend) {
	ctx := t.Context()
	for r := range rounds {
		key := "tx" + strconv.Itoa(r)
		errs := race(racers, func(i int) error {
			return b.Create(ctx, "tx", key, []byte(strconv.Itoa(i)), 0)
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Fatalf("round %d: Creates %d and %d both succeeded", r, winner, i)
			case err == nil:
				winner = i
			case !errors.Is(err, store.ErrExists):
				t.Fatalf("round %d: losing Create = %v, want ErrExists", r, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no Create succeeded", r)
		}
		wantValue(t, b, "tx", key, strconv.Itoa(winner))
	}
}

func testUpdateConcurrent(t *testing.T, b store.Backend) {
	ctx := t.Context()
	put(t, b, "ctr", "n", "0")
	errs := race(incrs, func(int) error {
		return b.Update(ctx, "ctr", "n", func(old []byte) ([]byte, error) {
			n, err := strconv.Atoi(string(old))
			if err != nil {
				return nil, fmt.Errorf("counter holds %q: %w", old, err)
			}
			return strconv.AppendInt(old[:0], int64(n+1), 10), nil
		})
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Update %d: %v", i, err)
		}
	}
	wantValue(t, b, "ctr", "n", strconv.Itoa(incrs))
}

func testSetsConcurrent(t *testing.T, b store.Backend) {
	ctx := t.Context()
	want := make([]string, racers)
	errs := race(racers, func(i int) error {
		want[i] = "m" + strconv.Itoa(i)
		return b.AddMember(ctx, "fam", "f", want[i], 0)
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("AddMember %d: %v", i, err)
		}
	}
	wantMembers(t, b, "fam", "f", want...)
}
