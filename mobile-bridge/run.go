package mobilebridge

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Options tune an agent. The zero value (or nil) is right for most.
type Options struct {
	// HTTPClient talks to the provider (default: a client with a 30 s
	// timeout). Redirects are never followed, whatever its settings.
	HTTPClient *http.Client
	// Now is the clock for client_data (default time.Now).
	Now func() time.Time
	// CachedCertificate is the certificate of the key to use, from an
	// earlier login with this card; it saves reading it from the card
	// (the warm path). A different card is caught by the provider.
	CachedCertificate []byte
	// ConfirmLastTry must be set, after asking the user, to present the
	// PIN when the card has one try left (design.md rule 2).
	ConfirmLastTry bool
	// ClaimToken is the token this agent claims transactions with
	// (protocol.NewClaimToken; docs/bridge.md §2.1). Leave it empty: Fetch
	// then uses a random token per transaction, remembered for the life
	// of the process, so that fetching the same link again from this
	// process counts as the same device. Set it to keep a claim across a
	// restart of the app, or to run several devices in one process
	// (simulators, tests). It is a bearer value: keep it out of logs.
	ClaimToken string
}

// Session is a fetched transaction, ready to be answered once the user
// agreed and typed the PIN.
type Session struct {
	// Link is the parsed bridge link. Its Secret is a bearer credential.
	Link *protocol.Link
	// Transaction is what the provider asks: show RelyingParty.Name and
	// the purpose to the user before asking for the PIN.
	Transaction protocol.Transaction

	opts   Options
	client *http.Client
	claim  string
}

// Result is a successful answer.
type Result struct {
	// Transaction is the transaction that was answered.
	Transaction protocol.Transaction
	// APDUs is the number of commands sent to the card.
	APDUs int
	// CertRead is true when the certificate was read from the card (not
	// taken from Options.CachedCertificate).
	CertRead bool
	// Certificate is the certificate sent, for the next warm login.
	Certificate []byte
}

// Run answers the bridge link with card and pin: Fetch, then Answer.
func Run(ctx context.Context, link string, card cardauth.Transceiver, pin string, opts *Options) (*Result, error) {
	s, err := Fetch(ctx, link, opts)
	if err != nil {
		return nil, err
	}
	return s.Answer(ctx, card, pin)
}

// Fetch parses link (https or inkan:// form) and reads its transaction.
func Fetch(ctx context.Context, link string, opts *Options) (*Session, error) {
	l, err := protocol.ParseLink(link)
	if err != nil {
		return nil, err
	}
	s := &Session{Link: l}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Now == nil {
		s.opts.Now = time.Now
	}
	s.client = httpClient(s.opts.HTTPClient)
	switch {
	case s.opts.ClaimToken == "":
		s.claim = processClaims.token(l.TxURL(), time.Now())
	case protocol.ValidClaimToken(s.opts.ClaimToken):
		s.claim = s.opts.ClaimToken
	default:
		return nil, errors.New("mobilebridge: Options.ClaimToken is not a claim token (want protocol.NewClaimToken)")
	}
	var tx protocol.Transaction
	if err := exchange(ctx, s.client, "fetch", http.MethodGet, l.TxURL(), l.Secret, s.claim, nil, protocol.MaxTransactionSize, &tx); err != nil {
		return nil, err
	}
	if err := tx.Validate(); err != nil {
		return nil, &BadAnswerError{Op: "fetch", Status: http.StatusOK, Reason: err.Error()}
	}
	if tx.ID != l.ID {
		return nil, &BadAnswerError{Op: "fetch", Status: http.StatusOK, Reason: "the provider answered for another transaction"}
	}
	// The provider's own idea of its origin must be where we are: a
	// front that relays another provider's transactions shows up here.
	// (client_data carries l.Origin() regardless, which the real
	// provider checks.)
	if tx.Origin != l.Origin() {
		return nil, &OriginMismatchError{Connected: l.Origin(), Named: tx.Origin}
	}
	s.Transaction = tx
	return s, nil
}

// BindingCode is the code to show the user, asking them to check that the
// screen where they started the login shows the same one (docs/security.md).
func (s *Session) BindingCode() string { return s.Transaction.BindingCode }

// Key returns the card key the transaction needs: the auth key (4-digit
// PIN) for a login, the sign key (6–16 character password) for a
// signature. Apps use it to ask for the right secret.
func (s *Session) Key() jpki.KeyKind {
	if s.Transaction.Purpose == protocol.PurposeSign {
		return jpki.SignKey
	}
	return jpki.AuthKey
}

// ClientData builds the client_data the card signs: type by purpose, the
// origin of the link (the one actually connected to), the transaction id
// and nonce, and the time now.
func (s *Session) ClientData() ([]byte, error) {
	nonce, err := s.Transaction.NonceBytes()
	if err != nil {
		return nil, err
	}
	typ := clientdata.TypeAuth
	if s.Transaction.Purpose == protocol.PurposeSign {
		typ = clientdata.TypeSign
	}
	return clientdata.ClientData{
		Type:          typ,
		Origin:        s.Link.Origin(),
		TransactionID: s.Transaction.ID,
		Nonce:         nonce,
		Time:          s.opts.Now(),
	}.Marshal()
}

// Answer runs the card (SELECT, VERIFY PIN, read certificate, sign the
// client_data) and posts its answer. The PIN is used once and not kept.
// Card errors are jpki's typed errors; a refusal by the provider is a
// *protocol.Error.
func (s *Session) Answer(ctx context.Context, card cardauth.Transceiver, pin string) (*Result, error) {
	cd, err := s.ClientData()
	if err != nil {
		return nil, err
	}
	counter := &cardauth.Counter{T: card}
	login, err := jpki.New(counter, nil).Login(ctx, jpki.LoginRequest{
		Key:            s.Key(),
		PIN:            pin,
		ConfirmLastTry: s.opts.ConfirmLastTry,
		Message:        cd,
		Certificate:    s.opts.CachedCertificate,
	})
	apdus, _, _ := counter.Counts()
	if err != nil {
		return nil, err
	}
	body := protocol.Response{ClientData: cd, Certificate: login.Certificate, Signature: login.Signature}
	var res protocol.Result
	if err := exchange(ctx, s.client, "post", http.MethodPost, s.Link.TxURL(), s.Link.Secret, s.claim, body, 4096, &res); err != nil {
		return nil, err
	}
	if res.Status != protocol.ResultDone {
		return nil, &BadAnswerError{Op: "post", Status: http.StatusOK, Reason: "status is not done"}
	}
	return &Result{Transaction: s.Transaction, APDUs: int(apdus), CertRead: login.CertRead, Certificate: login.Certificate}, nil
}
