package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
)

const testName = "山田　太郎"

// signCard is a sign-purpose card login with the basic four attributes.
func (e *env) signCard() bridge.CardLogin {
	e.t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cert, err := e.ca.Issue(testca.Sign, &key.PublicKey, testca.Holder{
		Name: testName, Birthdate: "1990-01-02", Address: "東京都千代田区千代田１－１", Gender: "1",
	}, e.clock.Now(), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	id, _ := identity.CardIDOf(cert)
	a, err := identity.Extract(cert)
	if err != nil {
		e.t.Fatal(err)
	}
	return bridge.CardLogin{TxID: "tx", Purpose: protocol.PurposeSign, Card: id, Certificate: cert.Raw,
		Attributes: &a, VerifiedAt: e.clock.Now()}
}

func (e *env) userinfo(at string) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.issuer+pathUserinfo, nil)
	req.Header.Set("Authorization", "Bearer "+at)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	if resp.Header.Get("Cache-Control") != "no-store" {
		e.t.Error("userinfo answer cacheable")
	}
	return resp.StatusCode, m
}

func TestUserinfoVerifiedClaims(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	p := newPKCE()
	v := authParams("web", rpRedirect, p)
	v.Set("scope", "openid verified_claims")
	loc := location(b.authorize(v))
	id := loc.Query().Get("id")
	info, _ := e.srv.LoginInfo(ctx, id)
	if !info.SignatureRequired || !info.ConsentRequired {
		t.Fatalf("LoginInfo %+v: verified_claims needs a signature and consent", info)
	}
	sc := e.signCard()
	if err := e.srv.CompleteCardLogin(ctx, id, sc); err != nil {
		t.Fatal(err)
	}
	red, err := e.srv.Consent(ctx, id, true)
	if err != nil {
		t.Fatal(err)
	}
	code := location(b.get(red)).Query().Get("code")
	st, body := e.exchange(code, rpRedirect, p.verifier)
	if st != 200 {
		t.Fatal(st, body)
	}
	st, ui := e.userinfo(body["access_token"].(string))
	if st != 200 {
		t.Fatal(st, ui)
	}
	_, idt := parseJWT(t, body["id_token"].(string))
	if ui["sub"] != idt["sub"] {
		t.Errorf("userinfo sub %v, ID token sub %v", ui["sub"], idt["sub"])
	}
	vc, _ := ui["verified_claims"].(map[string]any)
	claims, _ := vc["claims"].(map[string]any)
	verification, _ := vc["verification"].(map[string]any)
	if claims["name"] != testName || claims["birthdate"] != "1990-01-02" || verification["trust_framework"] != "jp_aml" {
		t.Fatalf("verified_claims %v", vc)
	}
	ev, _ := verification["evidence"].([]any)
	if len(ev) != 1 || ev[0].(map[string]any)["type"] != "electronic_signature" {
		t.Errorf("evidence %v", ev)
	}

	// Encrypted at rest.
	acct, err := e.backend.Get(ctx, nsCard, sc.Card.String())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.backend.Get(ctx, nsAttrs, string(acct))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "山田") || strings.Contains(string(raw), "1990-01-02") {
		t.Error("attributes stored in the clear")
	}
	if strings.Contains(e.logs.String(), "山田") {
		t.Error("attributes in the logs")
	}

	// Without the scope, or for another client, only sub.
	p2 := newPKCE()
	code, _ = b.login(authParams("web", rpRedirect, p2), e.signCard())
	_, body = e.exchange(code, rpRedirect, p2.verifier)
	if _, ui := e.userinfo(body["access_token"].(string)); ui["verified_claims"] != nil {
		t.Errorf("verified_claims without the scope: %v", ui)
	}
}

// TestAccessJWTMatchedToRecord: a JWT access token is honoured only as
// the exact token its record was issued with. Another token naming the
// same jti (a forged payload, a wrong signature, or our own valid token
// re-signed) is refused; a record from before token hashes falls back to
// the signature check.
func TestAccessJWTMatchedToRecord(t *testing.T) {
	e := newEnv(t)
	at := e.tokens("web", "web-secret")["access_token"].(string)
	if st, _ := e.userinfo(at); st != http.StatusOK {
		t.Fatalf("genuine token: %d", st)
	}
	parts := strings.Split(at, ".")
	_, claims := parseJWT(t, at)
	claims["sub"] = "someone-else"
	forgedPayload, _ := json.Marshal(claims)
	sig := []byte(parts[2])
	sig[5] ^= 1
	for name, tok := range map[string]string{
		"forged payload": parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedPayload) + "." + parts[2],
		"bad signature":  parts[0] + "." + parts[1] + "." + string(sig),
		"no signature":   parts[0] + "." + parts[1] + ".",
		"garbage jti":    parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"jti":"\u0000"}`)) + "." + parts[2],
		"not json":       parts[0] + ".bm90IGpzb24." + parts[2],
	} {
		if st, _ := e.userinfo(tok); st != http.StatusUnauthorized {
			t.Errorf("%s: %d", name, st)
		}
	}

	// A record without the hash: the signature decides.
	jti := claims["jti"].(string)
	raw, err := e.backend.Get(context.Background(), nsAccess, jti)
	if err != nil {
		t.Fatal(err)
	}
	var rec accessRecord
	if err := json.Unmarshal(raw, &rec); err != nil || rec.TokenHash == "" {
		t.Fatalf("record %s: %v", raw, err)
	}
	rec.TokenHash = ""
	if err := putJSON(context.Background(), e.backend, nsAccess, jti, rec, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st, _ := e.userinfo(at); st != http.StatusOK {
		t.Errorf("genuine token, record without hash: %d", st)
	}
	if st, _ := e.userinfo(parts[0] + "." + parts[1] + "." + string(sig)); st != http.StatusUnauthorized {
		t.Errorf("bad signature, record without hash: %d", st)
	}
}

// A sign login whose completion fails leaves the account's attributes as
// they were: they are written in the completion's batch.
func TestFailedCompletionKeepsAttributes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sc := e.signCard()
	v := authParams("web", rpRedirect, newPKCE())
	v.Set("scope", "openid verified_claims")
	first := location(e.browser().authorize(v)).Query().Get("id")
	if err := e.srv.CompleteCardLogin(ctx, first, sc); err != nil {
		t.Fatal(err)
	}
	acct, err := e.backend.Get(ctx, nsCard, sc.Card.String())
	if err != nil {
		t.Fatal(err)
	}
	before, err := e.backend.Get(ctx, nsAttrs, string(acct))
	if err != nil || before == nil {
		t.Fatalf("attributes after the first login: %v", err)
	}

	// The same card again, on a new request, but the bridge's own write
	// in the batch fails (its transaction changed meanwhile).
	e.clock.Advance(time.Minute)
	second := location(e.browser().authorize(v)).Query().Get("id")
	sc.VerifiedAt = e.clock.Now()
	conflict := store.Swap("tx", "no-such-tx", []byte("old"), []byte("new"))
	if err := e.srv.CompleteCardLogin(ctx, second, sc, conflict); err == nil {
		t.Fatal("completion with a failing write succeeded")
	}
	after, err := e.backend.Get(ctx, nsAttrs, string(acct))
	if err != nil || !bytes.Equal(after, before) {
		t.Errorf("a login that did not complete rewrote the attributes (%v)", err)
	}
}
