// Package bridgetest runs a real bridge server for tests of agents: the
// provider/bridge Service on an embedded bolt store, behind an
// httptest.Server, verifying with a test-mode verifier that trusts a
// JPKI-EMU test CA, and a recording Completer. It also issues virtual
// cards from that CA.
package bridgetest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// PINs of the cards Card issues.
const (
	AuthPIN      = "1234"
	SignPassword = "ABC123"
)

// Holder is the synthetic person on the cards.
var Holder = testca.Holder{Name: "山田\u3000花子", Birthdate: "1990-01-02", Address: "東京都千代田区千代田１－１", Gender: "2"}

// RelyingParty is the service Create names.
var RelyingParty = protocol.RelyingParty{ClientID: "demo-bank", Name: "デモ銀行"}

// The CA and one card are made once per test binary: RSA key generation
// dominates the cost of these tests.
var shared = sync.OnceValues(func() (*fixture, error) {
	issued := time.Now().Add(-time.Hour)
	ca, err := testca.New(issued.Add(-24 * time.Hour))
	if err != nil {
		return nil, err
	}
	f, err := vcard.Issue(ca, vcard.Spec{AuthPIN: AuthPIN, SignPassword: SignPassword, Holder: Holder}, issued)
	if err != nil {
		return nil, err
	}
	return &fixture{ca: ca, card: f}, nil
})

type fixture struct {
	ca   *testca.CA
	card *vcard.File
}

func fx(t testing.TB) *fixture {
	t.Helper()
	f, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// CA returns the shared test CA.
func CA(t testing.TB) *testca.CA { return fx(t).ca }

// Card returns a copy of the shared card file (auth PIN AuthPIN, sign
// password SignPassword, full counters).
func Card(t testing.TB) *vcard.File { return fx(t).card.Clone() }

// Server is a running bridge.
type Server struct {
	*httptest.Server
	// Service is the bridge service; its issuer is Server.URL.
	Service *bridge.Service
	// Store is its backend.
	Store *bolt.Store
	// Revocation answers the verifier's revocation checks (Good unless set).
	Revocation *revocation.Static
	// Completer records verified logins.
	Completer *Recorder

	offset atomic.Int64
}

// New starts a server; mod may change the config before the Service is
// made. Everything is closed when the test ends.
func New(t testing.TB, mod func(*bridge.Config)) *Server {
	t.Helper()
	s := &Server{Revocation: revocation.NewStatic(revocation.Good), Completer: &Recorder{}}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "inkan.db"), &bolt.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s.Store = db
	s.Completer.db = db
	roots := verify.NewRoots(verify.Test)
	for _, k := range []testca.Kind{testca.Auth, testca.Sign} {
		if err := roots.AddTestRoot(CA(t).Root(k)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := verify.New(verify.Config{Roots: roots, Revocation: s.Revocation})
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewUnstartedServer(nil)
	s.Server.Start()
	t.Cleanup(s.Server.Close)
	cfg := bridge.Config{
		Backend:   db,
		Verifier:  v,
		Issuer:    s.URL,
		Completer: s.Completer,
		Now:       func() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) },
		Log:       slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	if s.Service, err = bridge.New(cfg); err != nil {
		t.Fatal(err)
	}
	s.Config.Handler = s.Service.Handler()
	return s
}

// Advance moves the service's clock forward (the verifier keeps real time).
func (s *Server) Advance(d time.Duration) { s.offset.Add(int64(d)) }

// Create starts a transaction for purpose bound to binding "authreq-1".
func (s *Server) Create(t testing.TB, purpose protocol.Purpose) *bridge.Created {
	t.Helper()
	c, err := s.Service.Create(context.Background(), "authreq-1", purpose, RelyingParty)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// State returns the transaction's state as the page sees it.
func (s *Server) State(t testing.TB, c *bridge.Created) protocol.State {
	t.Helper()
	st, err := s.Service.Status(context.Background(), c.ID, c.BrowserToken)
	if err != nil {
		t.Fatal(err)
	}
	return st.State
}

// Recorder is a Completer that records its calls.
type Recorder struct {
	mu    sync.Mutex
	db    store.Backend // where the bridge's own writes are applied
	calls []bridge.CardLogin
}

// CompleteCardLogin applies the bridge's writes and records login.
func (r *Recorder) CompleteCardLogin(ctx context.Context, _ string, login bridge.CardLogin, also ...store.Op) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := store.Apply(ctx, r.db, also...); err != nil {
		return err
	}
	r.calls = append(r.calls, login)
	return nil
}

// Calls returns the logins recorded so far.
func (r *Recorder) Calls() []bridge.CardLogin {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bridge.CardLogin(nil), r.calls...)
}
