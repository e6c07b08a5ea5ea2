package storetest

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

const (
	// shortTTL is long enough that a loaded CI machine still sees a record
	// before it expires, short enough that the suite stays quick.
	shortTTL = 1200 * time.Millisecond
	// clockSlack covers clock granularity (Redis expires at millisecond
	// resolution), not speed: checks that depend on time are skipped within
	// it.
	clockSlack = 50 * time.Millisecond
	// expiryDeadline bounds how long expired entries may stay visible; it
	// only turns a hang into a failure.
	expiryDeadline = 20 * time.Second
)

func appendFn(s string) func([]byte) ([]byte, error) {
	return func(old []byte) ([]byte, error) { return append(old, s...), nil }
}

func testExpiry(t *testing.T, b store.Backend) {
	ctx := t.Context()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v := []byte("v")
	start := time.Now() // before every write, so time.Since(start) bounds every record's age
	must(b.Put(ctx, "exp", "put", v, shortTTL))
	must(b.Create(ctx, "exp", "create", v, shortTTL))
	must(b.Put(ctx, "exp", "upd", v, shortTTL))
	must(b.Update(ctx, "exp", "upd", appendFn("+u"))) // must keep the short TTL
	must(b.Put(ctx, "exp", "persist", v, 0))
	must(b.Update(ctx, "exp", "persist", appendFn("+u"))) // must not gain one
	must(b.Put(ctx, "exp", "long", v, time.Hour))
	must(b.Put(ctx, "exp", "reput", v, shortTTL))
	must(b.Put(ctx, "exp", "reput", v, 0)) // Put replaces the expiry
	must(b.AddMember(ctx, "exp", "s-short", "a", shortTTL))
	must(b.AddMember(ctx, "exp", "s-ext", "a", shortTTL)) // extended by the next add
	must(b.AddMember(ctx, "exp", "s-ext", "b", time.Hour))
	must(b.AddMember(ctx, "exp", "s-keep", "a", time.Hour)) // never shortened
	must(b.AddMember(ctx, "exp", "s-keep", "b", shortTTL))
	must(b.AddMember(ctx, "exp", "s-persist", "a", shortTTL)) // ttl 0 lifts the expiry
	must(b.AddMember(ctx, "exp", "s-persist", "b", 0))
	must(b.AddMember(ctx, "exp", "s-zero", "a", 0)) // and keeps it lifted
	must(b.AddMember(ctx, "exp", "s-zero", "b", shortTTL))
	// Through store.Apply: the backend's batch where it has one.
	must(store.Apply(ctx, b, store.Create("exp", "bcreate", v, shortTTL), store.Put("exp", "bput", v, shortTTL)))
	short := []string{"put", "create", "upd", "bcreate", "bput"}

	// Short-lived entries are visible while young. A miss only counts when
	// the read finished before the TTL could have run out.
	young := func() bool { return time.Since(start) < shortTTL-clockSlack }
	for _, k := range short {
		got, err := b.Get(ctx, "exp", k)
		if err != nil && young() {
			t.Fatalf("Get(%s) right after writing with ttl %v: %v", k, shortTTL, err)
		}
		if err == nil && k == "upd" && string(got) != "v+u" {
			t.Fatalf("Get(upd) = %q, want v+u", got)
		}
	}
	if m, err := b.Members(ctx, "exp", "s-short"); err != nil || (len(m) != 1 && young()) {
		t.Fatalf("Members(s-short) right after AddMember = %q, %v", m, err)
	}

	// Poll until every short-lived entry is gone.
	for {
		var visible []string
		for _, k := range short {
			_, err := b.Get(ctx, "exp", k)
			switch {
			case err == nil:
				visible = append(visible, "record "+k)
			case !errors.Is(err, store.ErrNotFound):
				t.Fatalf("Get(%s): %v", k, err)
			}
		}
		m, err := b.Members(ctx, "exp", "s-short")
		if err != nil {
			t.Fatalf("Members(s-short): %v", err)
		}
		if len(m) != 0 {
			visible = append(visible, "set s-short")
		}
		if len(visible) < len(short)+1 && young() {
			t.Fatalf("an entry with ttl %v expired after less than %v", shortTTL, time.Since(start))
		}
		if len(visible) == 0 {
			break
		}
		if time.Since(start) > shortTTL+expiryDeadline {
			t.Fatalf("%q with ttl %v still visible after %v", visible, shortTTL, time.Since(start))
		}
		time.Sleep(25 * time.Millisecond)
	}

	// Expired records are absent to every method.
	if _, err := b.Take(ctx, "exp", "upd"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Take(expired) = %v, want ErrNotFound", err)
	}
	if err := b.Update(ctx, "exp", "put", appendFn("x")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update(expired) = %v, want ErrNotFound", err)
	}
	if err := b.Create(ctx, "exp", "create", []byte("again"), 0); err != nil {
		t.Errorf("Create over an expired record = %v, want nil", err)
	}
	wantValue(t, b, "exp", "create", "again")
	// An expired set's members do not come back when it is reused.
	must(b.AddMember(ctx, "exp", "s-short", "c", 0))
	wantMembers(t, b, "exp", "s-short", "c")

	// A TTL near the largest Duration is a very long life, not an
	// overflow to "already expired".
	huge := time.Duration(math.MaxInt64)
	must(b.AddMember(ctx, "exp", "s-huge", "m", huge))
	wantMembers(t, b, "exp", "s-huge", "m")
	must(b.Put(ctx, "exp", "huge", []byte("v"), huge))
	wantValue(t, b, "exp", "huge", "v")

	// Everything else outlived the short TTL.
	wantValue(t, b, "exp", "persist", "v+u")
	wantValue(t, b, "exp", "long", "v")
	wantValue(t, b, "exp", "reput", "v")
	wantMembers(t, b, "exp", "s-ext", "a", "b")
	wantMembers(t, b, "exp", "s-keep", "a", "b")
	wantMembers(t, b, "exp", "s-persist", "a", "b")
	wantMembers(t, b, "exp", "s-zero", "a", "b")
}
