package mobilebridge_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge/bridgetest"
)

// TestFetchClaims: Fetch claims the transaction for this device and
// surfaces the binding code the page shows; the same process may fetch
// again; another device can neither fetch nor answer; the claiming
// session completes.
func TestFetchClaims(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	var (
		mu   sync.Mutex
		seen []string
	)
	srv.Config.Handler = func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen = append(seen, r.Method+" "+r.Header.Get(protocol.ClaimHeader))
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	}(srv.Config.Handler)

	s, err := mobilebridge.Fetch(bg, c.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.BindingCode() != c.BindingCode || s.Transaction.BindingCode != c.BindingCode || c.BindingCode == "" {
		t.Fatalf("binding code %q, page %q", s.BindingCode(), c.BindingCode)
	}
	if s.Transaction.Origin != s.Link.Origin() {
		t.Fatalf("origin %q, link %q", s.Transaction.Origin, s.Link.Origin())
	}
	st, err := srv.Service.Status(bg, c.ID, c.BrowserToken)
	if err != nil || !st.DeviceConnected {
		t.Fatalf("status %+v %v", st, err)
	}
	// Fetching again in this process (the inkan:// form, say) is the
	// same device.
	again, err := mobilebridge.Fetch(bg, c.AppLink, nil)
	if err != nil {
		t.Fatalf("second fetch from the same process: %v", err)
	}
	// Another device, even with the link and its secret, is refused.
	other := &mobilebridge.Options{ClaimToken: protocol.NewClaimToken()}
	if _, err := mobilebridge.Fetch(bg, c.Link, other); !errors.Is(err, protocol.NewError(protocol.CodeClaimedByAnotherDevice)) {
		t.Fatalf("other device: %v", err)
	}
	card := vcard.New(bridgetest.Card(t))
	if _, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, other); !errors.Is(err, protocol.NewError(protocol.CodeClaimedByAnotherDevice)) {
		t.Fatalf("other device's Run: %v", err)
	}
	if card.Stats().APDUs != 0 {
		t.Fatal("the card was used for a refused transaction")
	}
	if _, err := again.Answer(bg, card, bridgetest.AuthPIN); err != nil {
		t.Fatal(err)
	}
	if srv.State(t, c) != protocol.StateDone {
		t.Fatal("not done")
	}
	// Every request carried a claim, and this process always the same.
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 5 || !protocol.ValidClaimToken(strings.TrimPrefix(seen[0], "GET ")) ||
		seen[1] != seen[0] || seen[4] != "POST "+strings.TrimPrefix(seen[0], "GET ") {
		t.Fatalf("requests %q", seen)
	}
	if _, err := mobilebridge.Fetch(bg, c.Link, &mobilebridge.Options{ClaimToken: "short"}); err == nil {
		t.Fatal("a malformed ClaimToken was used")
	}
}

// TestFetchRefusesOriginMismatch: a front that relays another provider's
// transaction (whose own origin it cannot change) is caught before the
// card is used.
func TestFetchRefusesOriginMismatch(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	target, _ := url.Parse(srv.URL)
	front := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(front.Close)
	link := strings.Replace(c.Link, srv.URL, front.URL, 1)
	card := vcard.New(bridgetest.Card(t))
	_, err := mobilebridge.Run(bg, link, card, bridgetest.AuthPIN, nil)
	var om *mobilebridge.OriginMismatchError
	if !errors.As(err, &om) || om.Connected != front.URL || om.Named != srv.URL ||
		!errors.Is(err, protocol.NewError(protocol.CodeOriginMismatch)) {
		t.Fatalf("relayed: %v", err)
	}
	if card.Stats().APDUs != 0 {
		t.Fatal("card touched")
	}
}

func TestPrompt(t *testing.T) {
	created := time.Date(2026, 11, 27, 7, 30, 0, 0, time.UTC)
	tx := &protocol.Transaction{
		Purpose:      protocol.PurposeAuth,
		RelyingParty: protocol.RelyingParty{ClientID: "demo-bank", Name: "デモ\u202e銀行\n"},
		Scopes:       []string{"openid", "openid", "offline_access"},
		CreatedAt:    created, ExpiresAt: created.Add(3 * time.Minute),
		Origin: "https://id.example.jp", BindingCode: "42",
	}
	p := mobilebridge.Describe(tx, "https://id.example.jp")
	for _, want := range []string{
		"デモ銀行 (https://id.example.jp) にマイナンバーカードでログインします。",
		"暗証番号（数字4桁）", "2026年11月27日 16:30", "16:33", "「42」", "中止",
		"このサービス専用の識別子（マイナンバーではありません）、取り消すまでの継続的なアクセス",
	} {
		if !strings.Contains(p.JA, want) {
			t.Errorf("JA lacks %q:\n%s", want, p.JA)
		}
	}
	for _, want := range []string{
		"sign in to デモ銀行 (https://id.example.jp) with your My Number Card", "4-digit PIN",
		"2026-11-27 16:30", "16:33 (Japan time)", "number is 42", "stop here",
	} {
		if !strings.Contains(p.EN, want) {
			t.Errorf("EN lacks %q:\n%s", want, p.EN)
		}
	}
	if strings.ContainsAny(p.JA+p.EN, "\u202e\n") {
		t.Error("control characters from the provider reach the user")
	}
	tx.Purpose, tx.Scopes = protocol.PurposeSign, []string{"openid", "verified_claims"}
	p = mobilebridge.Describe(tx, "https://id.example.jp")
	if !strings.Contains(p.JA, "署名用パスワード") || !strings.Contains(p.JA, "氏名・住所・生年月日・性別") ||
		!strings.Contains(p.EN, "signature password") || !strings.Contains(p.EN, "name, address, date of birth and gender") {
		t.Errorf("sign prompt:\n%s\n%s", p.JA, p.EN)
	}
}
