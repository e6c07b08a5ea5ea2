package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
)

// fakeTxs prepares transactions as the bridge does, minus the bridge: a
// record in namespace "tx".
type fakeTxs struct {
	n      int
	secret string // of the last transaction
}

func (f *fakeTxs) Prepare(binding string, purpose protocol.Purpose, rp protocol.RelyingParty, scopes ...string) (*bridge.Created, store.Op, error) {
	f.n++
	id := protocol.EncodeBase64URL(bytes.Repeat([]byte{byte(f.n)}, protocol.IDBytes))
	f.secret = protocol.EncodeBase64URL(bytes.Repeat([]byte{0xA5}, protocol.SecretBytes))
	l, err := protocol.NewLink("http://127.0.0.1:1", id, f.secret)
	if err != nil {
		return nil, store.Op{}, err
	}
	rec, _ := json.Marshal(map[string]any{"binding": binding, "purpose": purpose, "rp": rp.Name})
	c := &bridge.Created{ID: id, Link: l.String(), AppLink: l.AppLink(),
		BrowserToken: "token-" + id, BindingCode: "AB12", ExpiresAt: time.Now().Add(3 * time.Minute).Truncate(time.Second)}
	return c, store.Create("tx", id, rec, 3*time.Minute), nil
}

// TestAuthorizeCreatesTransaction: with UseTransactions, /authorize
// stores a login's card transaction with the auth request, LoginInfo
// hands it out, and the record keeps its secrets sealed; a request the
// SSO session satisfies gets none.
func TestAuthorizeCreatesTransaction(t *testing.T) {
	e := newEnv(t)
	txs := &fakeTxs{}
	e.srv.UseTransactions(txs)
	b := e.browser()
	p := newPKCE()
	v := authParams("web", rpRedirect, p)
	v.Set("scope", "openid verified_claims")
	resp := b.authorize(v)
	id := location(resp).Query().Get("id")
	info, err := e.srv.LoginInfo(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if info.Tx == nil || txs.n != 1 {
		t.Fatalf("no transaction: %+v (prepared %d)", info.Tx, txs.n)
	}
	if info.Tx.BrowserToken != "token-"+info.Tx.ID || !strings.Contains(info.Tx.Link, txs.secret) || info.Tx.AppLink == "" || info.Tx.BindingCode != "AB12" {
		t.Errorf("transaction %+v", info.Tx)
	}
	raw, err := e.backend.Get(context.Background(), "tx", info.Tx.ID)
	if err != nil || !strings.Contains(string(raw), `"purpose":"sign"`) || !strings.Contains(string(raw), id) {
		t.Fatalf("transaction record %s, %v", raw, err)
	}
	ar, err := e.backend.Get(context.Background(), nsAuthReq, id)
	if err != nil || strings.Contains(string(ar), txs.secret) || strings.Contains(string(ar), "token-") {
		t.Fatalf("auth request %s (%v): secrets in the clear", ar, err)
	}

	// Log in, then a second request within the session needs no card.
	code, _ := b.login(authParams("web", rpRedirect, p), e.card())
	if code == "" {
		t.Fatal("no code")
	}
	before := txs.n
	resp = b.authorize(authParams("web", rpRedirect, newPKCE()))
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location(resp).Path, pathCallback) {
		t.Fatalf("SSO authorize: %d %v", resp.StatusCode, location(resp))
	}
	if txs.n != before {
		t.Error("a request the session satisfied got a card transaction")
	}
}

// TestTokensNameTheirFamily: refresh tokens, opaque access tokens and
// JWT access token ids name their family in front, so one read fetches
// both; what counts is still the family in the token's record.
func TestTokensNameTheirFamily(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first := e.tokens("web", "web-secret")
	rt := first["refresh_token"].(string)
	fam := familyOf(rt)
	if fam == "" {
		t.Fatalf("refresh token %q names no family", rt)
	}
	_, at := parseJWT(t, first["access_token"].(string))
	if jti, _ := at["jti"].(string); familyOf(jti) != fam {
		t.Errorf("jti %q, family %q", jti, fam)
	}

	// A token from before (no family in front) still works, through its
	// record's family.
	raw, err := e.backend.Get(ctx, nsRefresh, hashKey(rt))
	if err != nil {
		t.Fatal(err)
	}
	legacy := newSecret()
	if err := e.backend.Put(ctx, nsRefresh, hashKey(legacy), raw, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st, body := e.refresh(legacy, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("token without family: %d %v", st, body)
	}

	// A token whose front names another, live family is judged by the
	// family its record names: once that is revoked, it is refused.
	other := familyOf(e.tokens("web", "web-secret")["refresh_token"].(string))
	misnamed := other + "." + newSecret()
	if err := e.backend.Put(ctx, nsRefresh, hashKey(misnamed), raw, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st, body := e.refresh(misnamed, "web", "web-secret"); st != http.StatusOK {
		t.Fatalf("misnamed token before revocation: %d %v", st, body)
	}
	if err := e.srv.revokeFamily(ctx, fam); err != nil {
		t.Fatal(err)
	}
	if st, body := e.refresh(misnamed, "web", "web-secret"); st != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("misnamed token of a revoked family: %d %v", st, body)
	}
	if got := e.introspect(first["access_token"].(string)); got["active"] != false {
		t.Errorf("access token of a revoked family: %v", got)
	}
}

// TestRenewTxReplacesTransaction: "start again" gives the request a new
// transaction in the batch that creates it, and from then on only that one
// completes the request; the one given up is refused as gone.
func TestRenewTxReplacesTransaction(t *testing.T) {
	e := newEnv(t)
	txs := &fakeTxs{}
	e.srv.UseTransactions(txs)
	ctx := context.Background()
	id := location(e.browser().authorize(authParams("web", rpRedirect, newPKCE()))).Query().Get("id")
	info, err := e.srv.LoginInfo(ctx, id)
	if err != nil || info.Tx == nil {
		t.Fatalf("LoginInfo: %+v, %v", info, err)
	}
	old := info.Tx.ID
	renewed, err := e.srv.RenewTx(ctx, id)
	if err != nil || renewed.ID == old || txs.n != 2 {
		t.Fatalf("RenewTx: %+v, %v (prepared %d)", renewed, err, txs.n)
	}
	if raw, err := e.backend.Get(ctx, "tx", renewed.ID); err != nil || raw == nil {
		t.Fatalf("the new transaction was not stored: %v", err)
	}
	if info, err = e.srv.LoginInfo(ctx, id); err != nil || info.Tx == nil || info.Tx.ID != renewed.ID || info.Tx.Link != renewed.Link {
		t.Fatalf("LoginInfo after RenewTx: %+v, %v", info.Tx, err)
	}

	cl := e.card()
	cl.TxID = old
	if err := e.srv.CompleteCardLogin(ctx, id, cl); !errors.Is(err, ErrTxReplaced) || !errors.Is(err, bridge.ErrBindingGone) {
		t.Fatalf("completing with the replaced transaction: %v", err)
	}
	if info, _ = e.srv.LoginInfo(ctx, id); info.Done {
		t.Fatal("the replaced transaction completed the request")
	}
	cl.TxID = renewed.ID
	if err := e.srv.CompleteCardLogin(ctx, id, cl); err != nil {
		t.Fatalf("completing with the current transaction: %v", err)
	}
	if _, err := e.srv.RenewTx(ctx, id); !errors.Is(err, ErrAlreadyCompleted) {
		t.Errorf("RenewTx of a completed request: %v", err)
	}
	if _, err := e.srv.RenewTx(ctx, "no-such-request"); !errors.Is(err, ErrUnknownRequest) {
		t.Errorf("RenewTx of an unknown request: %v", err)
	}
}
