package mobilebridge_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge/bridgetest"
)

var bg = context.Background()

func TestRunAuth(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	card := vcard.New(bridgetest.Card(t))
	res, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Transaction.ID != c.ID || res.Transaction.RelyingParty != bridgetest.RelyingParty || !res.CertRead || res.APDUs < 5 || len(res.Certificate) == 0 {
		t.Fatalf("result %+v", res)
	}
	calls := srv.Completer.Calls()
	cert, _ := x509.ParseCertificate(bridgetest.Card(t).Auth.Certificate)
	want, _ := identity.CardIDOf(cert)
	if len(calls) != 1 || !calls[0].Card.Equal(want) {
		t.Fatalf("calls %+v", calls)
	}
	if srv.State(t, c) != protocol.StateDone {
		t.Fatal("not done")
	}

	// Warm path: the certificate from the first login saves the reads.
	c2 := srv.Create(t, protocol.PurposeAuth)
	warm, err := mobilebridge.Run(bg, c2.AppLink, card, bridgetest.AuthPIN, &mobilebridge.Options{CachedCertificate: res.Certificate})
	if err != nil {
		t.Fatal(err)
	}
	if warm.CertRead || warm.APDUs >= res.APDUs {
		t.Fatalf("warm: %+v, cold %d APDUs", warm, res.APDUs)
	}
}

func TestRunSign(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeSign)
	s, err := mobilebridge.Fetch(bg, c.Link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Key() != jpki.SignKey {
		t.Fatal("sign transaction wants the sign key")
	}
	// The 4-digit auth PIN is not a signature password: refused before
	// the card is touched.
	card := vcard.New(bridgetest.Card(t))
	var fe *jpki.PINFormatError
	if _, err := s.Answer(bg, card, bridgetest.AuthPIN); !errors.As(err, &fe) {
		t.Fatalf("auth PIN for sign: %v", err)
	}
	if card.Stats().APDUs != 0 {
		t.Fatal("card touched")
	}
	if _, err := s.Answer(bg, card, strings.ToLower(bridgetest.SignPassword)); err != nil {
		t.Fatal(err)
	}
	if calls := srv.Completer.Calls(); len(calls) != 1 || calls[0].Attributes == nil || calls[0].Attributes.Name != bridgetest.Holder.Name {
		t.Fatalf("calls %+v", calls)
	}
}

func TestWrongPINPostsNothing(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	card := vcard.New(bridgetest.Card(t))
	_, err := mobilebridge.Run(bg, c.Link, card, "9999", nil)
	var wp *jpki.WrongPINError
	if !errors.As(err, &wp) || wp.Remaining != 2 {
		t.Fatalf("got %v", err)
	}
	st, _ := srv.Service.Status(bg, c.ID, c.BrowserToken)
	if st.State != protocol.StatePending || st.Error != nil {
		t.Fatalf("status %+v", st)
	}
	// The transaction is untouched and the right PIN then works.
	if _, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, nil); err != nil {
		t.Fatal(err)
	}
}

func TestLastTryNeedsConfirmation(t *testing.T) {
	srv := bridgetest.New(t, nil)
	f := bridgetest.Card(t)
	f.Auth.TriesLeft = 1
	card := vcard.New(f)
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, nil); !errors.Is(err, jpki.ErrLastTry) {
		t.Fatalf("got %v", err)
	}
	if _, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, &mobilebridge.Options{ConfirmLastTry: true}); err != nil {
		t.Fatal(err)
	}
}

func TestServerErrorsKeepTheirCode(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, nil); err != nil {
		t.Fatal(err)
	}
	_, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, nil)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeAlreadyUsed || pe.HTTPStatus != http.StatusConflict || pe.MessageJA == "" {
		t.Fatalf("replay: %v", err)
	}

	c = srv.Create(t, protocol.PurposeAuth)
	srv.Advance(4 * time.Minute)
	if _, err := mobilebridge.Run(bg, c.Link, card, bridgetest.AuthPIN, nil); !errors.Is(err, protocol.NewError(protocol.CodeExpired)) {
		t.Fatalf("expired: %v", err)
	}
}

// TestOriginIsWhereTheAgentConnected: the same server reached under
// another name is another origin, and the provider refuses the answer.
func TestOriginIsWhereTheAgentConnected(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	relayed := strings.Replace(c.Link, "127.0.0.1", "localhost", 1)
	_, err := mobilebridge.Run(bg, relayed, vcard.New(bridgetest.Card(t)), bridgetest.AuthPIN, nil)
	if !errors.Is(err, protocol.NewError(protocol.CodeOriginMismatch)) {
		t.Fatalf("got %v", err)
	}
}

func TestTransportAndLinkErrors(t *testing.T) {
	card := vcard.New(bridgetest.Card(t))
	var le *protocol.LinkError
	if _, err := mobilebridge.Run(bg, "https://example.com/", card, "1234", nil); !errors.As(err, &le) {
		t.Fatalf("bad link: %v", err)
	}
	// Nothing listens on port 1.
	link := "http://127.0.0.1:1/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw#AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	var te *mobilebridge.TransportError
	if _, err := mobilebridge.Run(bg, link, card, "1234", nil); !errors.As(err, &te) {
		t.Fatalf("unreachable: %v", err)
	}
	// A redirect is not followed: the secret stays with the link's origin.
	followed := false
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { followed = true }))
	defer other.Close()
	redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/x", http.StatusFound))
	defer redirect.Close()
	link = redirect.URL + "/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw#AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	var ba *mobilebridge.BadAnswerError
	if _, err := mobilebridge.Run(bg, link, card, "1234", nil); !errors.As(err, &ba) || ba.Status != http.StatusFound || followed {
		t.Fatalf("redirect: %v (followed %v)", err, followed)
	}
	if card.Stats().APDUs != 0 {
		t.Fatal("card touched")
	}
}
