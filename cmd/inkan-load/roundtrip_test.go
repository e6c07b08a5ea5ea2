package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/app/apptest"
	"github.com/inkan-id/inkan/provider/config"
	"github.com/inkan-id/inkan/provider/store"
)

// countingBackend counts the store calls made while each request of a
// login is served, by method, under the label of that request (set by
// labelRequests). It passes on the store's Swapper, Batcher and
// MultiGetter.
type countingBackend struct {
	store.Backend
	mu     sync.Mutex
	label  string
	counts map[string]map[string]int // label → method → calls
}

func (c *countingBackend) count(method string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.counts[c.label]
	if m == nil {
		m = map[string]int{}
		c.counts[c.label] = m
	}
	m[method]++
}

func (c *countingBackend) setLabel(l string) {
	c.mu.Lock()
	c.label = l
	c.mu.Unlock()
}

func (c *countingBackend) Put(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	c.count("Put")
	return c.Backend.Put(ctx, ns, key, val, ttl)
}

func (c *countingBackend) Create(ctx context.Context, ns, key string, val []byte, ttl time.Duration) error {
	c.count("Create")
	return c.Backend.Create(ctx, ns, key, val, ttl)
}

func (c *countingBackend) Get(ctx context.Context, ns, key string) ([]byte, error) {
	c.count("Get")
	return c.Backend.Get(ctx, ns, key)
}

func (c *countingBackend) Take(ctx context.Context, ns, key string) ([]byte, error) {
	c.count("Take")
	return c.Backend.Take(ctx, ns, key)
}

func (c *countingBackend) Update(ctx context.Context, ns, key string, fn func(old []byte) ([]byte, error)) error {
	c.count("Update")
	return c.Backend.Update(ctx, ns, key, fn)
}

func (c *countingBackend) Delete(ctx context.Context, ns, key string) error {
	c.count("Delete")
	return c.Backend.Delete(ctx, ns, key)
}

func (c *countingBackend) AddMember(ctx context.Context, ns, set, member string, ttl time.Duration) error {
	c.count("AddMember")
	return c.Backend.AddMember(ctx, ns, set, member, ttl)
}

func (c *countingBackend) Members(ctx context.Context, ns, set string) ([]string, error) {
	c.count("Members")
	return c.Backend.Members(ctx, ns, set)
}

func (c *countingBackend) DeleteSet(ctx context.Context, ns, set string) error {
	c.count("DeleteSet")
	return c.Backend.DeleteSet(ctx, ns, set)
}

func (c *countingBackend) Swap(ctx context.Context, ns, key string, old, val []byte) error {
	c.count("Swap")
	return c.Backend.(store.Swapper).Swap(ctx, ns, key, old, val)
}

func (c *countingBackend) Batch(ctx context.Context, ops []store.Op) error {
	c.count("Batch")
	return c.Backend.(store.Batcher).Batch(ctx, ops)
}

func (c *countingBackend) GetMany(ctx context.Context, keys []store.Key) ([][]byte, error) {
	c.count("GetMany")
	return c.Backend.(store.MultiGetter).GetMany(ctx, keys)
}

// roundTrips is what the calls cost on Redis: Update is a GET and a
// compare-and-swap script, every other call one command or script.
func roundTrips(m map[string]int) int {
	n := 0
	for method, calls := range m {
		if method == "Update" {
			calls *= 2
		}
		n += calls
	}
	return n
}

// loginStep names the step of a login a request is, numbered by the
// login it belongs to (each login starts at /authorize); "" for anything
// else (discovery, keys).
func loginStep(r *http.Request, login *int) string {
	p := r.URL.Path
	var step string
	switch {
	case r.Method == http.MethodGet && p == "/authorize":
		*login++
		step = "authorize"
	case r.Method == http.MethodGet && p == "/login":
		step = "login page"
	case strings.HasPrefix(p, "/bridge/v1/tx/") && !strings.Contains(strings.TrimPrefix(p, "/bridge/v1/tx/"), "/"):
		step = "bridge fetch"
		if r.Method == http.MethodPost {
			step = "bridge answer"
		}
	case r.Method == http.MethodGet && p == "/authorize/callback":
		step = "callback"
	case r.Method == http.MethodPost && p == "/token":
		step = "token"
	case p == "/userinfo":
		step = "userinfo"
	default:
		return ""
	}
	return fmt.Sprintf("%d %s", *login, step)
}

// TestRoundTripsPerLogin runs the tool's own login flow, one login after
// another, against a bolt provider in this process whose store counts its
// calls per request, and holds a warm login (the account exists) to the
// store calls, and so Redis round trips, each step may make. A change that
// adds a store call to a step fails here; lower the figures when a step
// needs fewer. Counts, never timings.
func TestRoundTripsPerLogin(t *testing.T) {
	cb := &countingBackend{counts: map[string]map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ocspAddr := freeAddr(t)
	cfg := config.Default(true)
	apptest.SetDataDir(cfg, t.TempDir())
	cfg.Addr = ln.Addr().String()
	cfg.Issuer = "http://" + cfg.Addr
	cfg.JPKI.Revocation.OCSP.URL = "http://" + ocspAddr + "/"
	cfg.Clients = append(cfg.Clients, loadClient())
	a, err := app.New(context.Background(), cfg, app.Options{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		WrapBackend: func(b store.Backend) store.Backend {
			_, swaps := b.(store.Swapper)
			_, batches := b.(store.Batcher)
			if !swaps || !batches {
				t.Fatalf("the bolt store is no Swapper (%v) or Batcher (%v)", swaps, batches)
			}
			cb.Backend = b
			return cb
		},
	})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	var login int
	h := a.Handler()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// One request at a time (--concurrency 1): the label is the step's.
		cb.setLabel(loginStep(r, &login))
		defer cb.setLabel("")
		h.ServeHTTP(w, r)
	}))
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() { srv.Close(); a.Close() })

	const logins = 3
	rep, code := runJSON(t, []string{
		"--issuer", cfg.Issuer, "--data", cfg.DataDir, "--ocsp", ocspAddr,
		"--client-id", "load", "--client-secret", testSecret, "--redirect-uri", testRedirect,
		"--json", "--timeout", "20s", "--cards", "1", "--concurrency", "1",
		"--logins", fmt.Sprint(logins), "--duration", "1m",
	})
	if code != 0 || rep.Succeeded != logins {
		t.Fatalf("exit %d, %d of %d logins succeeded, failures %v", code, rep.Succeeded, logins, rep.Failures)
	}

	// The store calls of each step of a warm login; on Redis each is one
	// round trip: 11 in all. History (docs/load.md): 30, 22, 24 with
	// agent claims, 21, then 12 once the transaction came with the auth
	// request, the page's script went straight to the callback (no
	// Continue request), reads went together (GetMany) and consuming a
	// record joined the batch of what follows from it; 11 once /authorize
	// answered with the login page itself.
	want := []struct {
		step  string
		calls map[string]int
	}{
		// Batch: the auth request and its card transaction. The login page
		// in the same answer uses the request as created: no read.
		{"authorize", map[string]int{"Batch": 1}},
		// GET tx; claim it by a swap from the record just read.
		{"bridge fetch", map[string]int{"Get": 1, "Swap": 1}},
		// GET tx; verify; GetMany (authreq, card); batch (sess, sid,
		// swap authreq, swap tx to done).
		{"bridge answer", map[string]int{"Get": 1, "GetMany": 1, "Batch": 1}},
		// GET authreq; batch (delete exactly it, create the code). No
		// read of an old session: the browser's cookie was minted at
		// /authorize.
		{"callback", map[string]int{"Get": 1, "Batch": 1}},
		// GetMany (code, its session's sid record); batch (the session
		// still there, delete exactly the code, code-used, family,
		// session member, refresh token, family member, access token).
		{"token", map[string]int{"GetMany": 1, "Batch": 1}},
		// GetMany (access token, its family).
		{"userinfo", map[string]int{"GetMany": 1}},
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	total, wantTotal := 0, 0
	// The last login is warm: the card's account exists.
	for _, w := range want {
		got := cb.counts[fmt.Sprintf("%d %s", logins, w.step)]
		total += roundTrips(got)
		wantTotal += roundTrips(w.calls)
		if fmt.Sprint(got) != fmt.Sprint(w.calls) {
			t.Errorf("%s: store calls %v, want %v", w.step, got, w.calls)
		}
	}
	t.Logf("warm login: %d store round trips (Update counted as 2)", total)
	if total != wantTotal {
		t.Errorf("warm login: %d round trips, want %d", total, wantTotal)
	}
}
