package bridge

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/inkan-id/inkan/internal/syncbuf"

	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

const (
	authPIN      = "1234"
	signPassword = "ABC123"
)

var bg = context.Background()

var holder = testca.Holder{Name: "山田\u3000花子", Birthdate: "1990-01-02", Address: "東京都千代田区千代田１－１", Gender: "2"}

var rp = protocol.RelyingParty{ClientID: "demo-bank", Name: "デモ銀行"}

// Cards are expensive (RSA key generation), so tests share them.
var shared = sync.OnceValues(func() (*fixtures, error) {
	issued := time.Now().Add(-time.Hour)
	ca, err := testca.New(issued.Add(-24 * time.Hour))
	if err != nil {
		return nil, err
	}
	f := &fixtures{ca: ca}
	spec := vcard.Spec{AuthPIN: authPIN, SignPassword: signPassword, Holder: holder}
	if f.a, err = vcard.Issue(ca, spec, issued); err != nil {
		return nil, err
	}
	if f.b, err = vcard.Issue(ca, spec, issued); err != nil {
		return nil, err
	}
	return f, nil
})

type fixtures struct {
	ca   *testca.CA
	a, b *vcard.File // two cards of the same holder
}

func fx(t testing.TB) *fixtures {
	t.Helper()
	f, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// recorder is a Completer that records its calls and fails on demand.
type recorder struct {
	mu    sync.Mutex
	db    store.Backend // where the bridge's own writes are applied
	calls []call
	done  int             // calls that completed: the bridge's writes applied
	fail  []error         // returned by the next calls, in order
	bound map[string]bool // bindings completed: refused again, as the OIDC core does
}

type call struct {
	binding string
	login   CardLogin
}

// CompleteCardLogin records the call, then fails on demand, refuses a
// binding it completed before, or applies the bridge's writes.
func (r *recorder) CompleteCardLogin(ctx context.Context, binding string, login CardLogin, also ...store.Op) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call{binding, login})
	if len(r.fail) > 0 {
		err := r.fail[0]
		r.fail = r.fail[1:]
		return err
	}
	if r.bound[binding] {
		return ErrBindingDone
	}
	if err := store.Apply(ctx, r.db, also...); err != nil {
		return err
	}
	if r.bound == nil {
		r.bound = map[string]bool{}
	}
	r.bound[binding] = true
	r.done++
	return nil
}

// completed counts the calls that applied the bridge's writes.
func (r *recorder) completed() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// env is a provider's bridge on a real bolt store behind a real HTTP
// server, with a verifier trusting the test CA.
type env struct {
	t      testing.TB
	svc    *Service
	srv    *httptest.Server
	db     *bolt.Store
	rev    *revocation.Static
	comp   *recorder
	offset atomic.Int64 // added to the service clock
	logs   *syncbuf.Buffer
	agent  string // the claim token of the test's agent
}

func newEnv(t testing.TB, mod func(*Config)) *env {
	t.Helper()
	f := fx(t)
	e := &env{t: t, rev: revocation.NewStatic(revocation.Good), comp: &recorder{}, logs: &syncbuf.Buffer{}, agent: protocol.NewClaimToken()}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "inkan.db"), &bolt.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	e.comp.db = db
	roots := verify.NewRoots(verify.Test)
	for _, k := range []testca.Kind{testca.Auth, testca.Sign} {
		if err := roots.AddTestRoot(f.ca.Root(k)); err != nil {
			t.Fatal(err)
		}
	}
	v, err := verify.New(verify.Config{Roots: roots, Revocation: e.rev})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = http.NotFoundHandler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	cfg := Config{
		Backend:   db,
		Verifier:  v,
		Issuer:    e.srv.URL,
		Completer: e.comp,
		Now:       func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) },
		Log:       slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if mod != nil {
		mod(&cfg)
	}
	if e.svc, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	h = e.svc.Handler()
	return e
}

// create starts a transaction and parses its link.
func (e *env) create(p protocol.Purpose) (*Created, *protocol.Link) {
	e.t.Helper()
	c, err := e.svc.Create(bg, "authreq-1", p, rp, "openid")
	if err != nil {
		e.t.Fatal(err)
	}
	l, err := protocol.ParseLink(c.Link)
	if err != nil {
		e.t.Fatal(err)
	}
	return c, l
}

// do sends a request as the test's agent with an optional bearer token
// and returns the status, the body and the response headers.
func (e *env) do(method, url, bearer, contentType string, body []byte) (int, []byte, http.Header) {
	e.t.Helper()
	return e.doAs(e.agent, method, url, bearer, contentType, body)
}

// doAs is do with the claim token agent ("" sends no claim header).
func (e *env) doAs(agent, method, url, bearer, contentType string, body []byte) (int, []byte, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if agent != "" {
		req.Header.Set(protocol.ClaimHeader, agent)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		e.t.Errorf("%s %s: Cache-Control %q", method, url, cc)
	}
	return resp.StatusCode, b, resp.Header
}

// fetch GETs the transaction as the test's agent.
func (e *env) fetch(l *protocol.Link) (*protocol.Transaction, *protocol.Error) {
	e.t.Helper()
	return e.fetchAs(e.agent, l)
}

// fetchAs GETs the transaction as the agent with claim token agent.
func (e *env) fetchAs(agent string, l *protocol.Link) (*protocol.Transaction, *protocol.Error) {
	e.t.Helper()
	status, body, _ := e.doAs(agent, "GET", l.TxURL(), l.Secret, "", nil)
	if status != http.StatusOK {
		return nil, errorBody(e.t, status, body)
	}
	tx, err := protocol.DecodeTransaction(body)
	if err != nil {
		e.t.Fatalf("GET: %v\n%s", err, body)
	}
	return tx, nil
}

// clientData is what an honest agent builds for tx reached through l.
func clientData(t testing.TB, l *protocol.Link, tx *protocol.Transaction, mod func(*clientdata.ClientData)) []byte {
	t.Helper()
	nonce, err := tx.NonceBytes()
	if err != nil {
		t.Fatal(err)
	}
	cd := clientdata.ClientData{Type: clientdata.TypeAuth, Origin: l.Origin(), TransactionID: tx.ID, Nonce: nonce, Time: time.Now()}
	if tx.Purpose == protocol.PurposeSign {
		cd.Type = clientdata.TypeSign
	}
	if mod != nil {
		mod(&cd)
	}
	b, err := cd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign has card f sign msg with key k, over the APDU interface.
func sign(t testing.TB, f *vcard.File, k jpki.KeyKind, msg []byte) protocol.Response {
	t.Helper()
	pin := authPIN
	if k == jpki.SignKey {
		pin = signPassword
	}
	res, err := jpki.New(vcard.New(f), nil).Login(bg, jpki.LoginRequest{Key: k, PIN: pin, Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	return protocol.Response{ClientData: msg, Certificate: res.Certificate, Signature: res.Signature}
}

// goodAnswer fetches tx and has card a answer it honestly.
func (e *env) goodAnswer(l *protocol.Link) protocol.Response {
	e.t.Helper()
	tx, perr := e.fetch(l)
	if perr != nil {
		e.t.Fatalf("GET: %v", perr)
	}
	k := jpki.AuthKey
	if tx.Purpose == protocol.PurposeSign {
		k = jpki.SignKey
	}
	return sign(e.t, fx(e.t).a, k, clientData(e.t, l, tx, nil))
}

// post sends an answer; it returns nil on 200 done.
func (e *env) post(l *protocol.Link, secret string, resp protocol.Response) *protocol.Error {
	e.t.Helper()
	b, err := json.Marshal(resp)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.postRaw(l, secret, protocol.MediaType, b)
}

func (e *env) postRaw(l *protocol.Link, secret, contentType string, body []byte) *protocol.Error {
	e.t.Helper()
	return e.postRawAs(e.agent, l, secret, contentType, body)
}

// postAs sends an answer as the agent with claim token agent.
func (e *env) postAs(agent string, l *protocol.Link, resp protocol.Response) *protocol.Error {
	e.t.Helper()
	b, err := json.Marshal(resp)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.postRawAs(agent, l, l.Secret, protocol.MediaType, b)
}

func (e *env) postRawAs(agent string, l *protocol.Link, secret, contentType string, body []byte) *protocol.Error {
	e.t.Helper()
	status, b, _ := e.doAs(agent, "POST", l.TxURL(), secret, contentType, body)
	if status == http.StatusOK {
		var r protocol.Result
		if err := json.Unmarshal(b, &r); err != nil || r.Status != protocol.ResultDone {
			e.t.Fatalf("POST 200 with %s", b)
		}
		return nil
	}
	return errorBody(e.t, status, b)
}

func errorBody(t testing.TB, status int, body []byte) *protocol.Error {
	t.Helper()
	pe := protocol.DecodeErrorBody(body, status)
	if pe == nil {
		t.Fatalf("status %d without an error body: %s", status, body)
	}
	if pe.Code.HTTPStatus() != status {
		t.Errorf("code %s sent with status %d", pe.Code, status)
	}
	return pe
}

// wantCode fails unless perr has code.
func wantCode(t testing.TB, perr *protocol.Error, code protocol.Code) {
	t.Helper()
	if perr == nil {
		t.Fatalf("succeeded, want %s", code)
	}
	if perr.Code != code {
		t.Fatalf("got %s (%s), want %s", perr.Code, perr.Message, code)
	}
}

func (e *env) status(c *Created) protocol.Status {
	e.t.Helper()
	st, err := e.svc.Status(bg, c.ID, c.BrowserToken)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func cardID(t testing.TB, f *vcard.File) string {
	t.Helper()
	c, err := x509.ParseCertificate(f.Auth.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.CardIDOf(c)
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}
