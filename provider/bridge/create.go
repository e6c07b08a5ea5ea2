package bridge

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

// Created is a new transaction, for the login page. Link and BrowserToken
// are bearer secrets: show the link to the user (QR, app link, text),
// give the token only to the page, and log neither.
type Created struct {
	// ID is the transaction id.
	ID string
	// Link is the https bridge link, with the agent secret in its fragment.
	Link string
	// AppLink is the inkan:// form of Link, for the desktop agent.
	AppLink string
	// BrowserToken authorises the page on the status and events endpoints.
	BrowserToken string
	// ExpiresAt is when the transaction stops accepting answers.
	ExpiresAt time.Time
	// BindingCode is the short code to show next to the QR code, with
	// the instruction to check that the phone shows the same one. It is
	// not a secret.
	BindingCode string
}

// maxBindingLen bounds the auth request id a transaction is bound to.
const maxBindingLen = 256

// maxNameLen bounds the display strings shown by agents.
const maxNameLen = 256

// Create starts a card transaction bound to the auth request binding, for
// purpose, on behalf of rp. scopes, if given, tell the agent what will be
// released. Store failures wrap store.ErrUnavailable.
func (s *Service) Create(ctx context.Context, binding string, purpose protocol.Purpose, rp protocol.RelyingParty, scopes ...string) (*Created, error) {
	switch {
	case binding == "" || len(binding) > maxBindingLen:
		return nil, fmt.Errorf("bridge: create: binding must be 1–%d bytes", maxBindingLen)
	case !purpose.Valid():
		return nil, fmt.Errorf("bridge: create: unknown purpose %q", purpose)
	case rp.ClientID == "" || rp.Name == "" || len(rp.ClientID) > maxNameLen || len(rp.Name) > maxNameLen:
		return nil, fmt.Errorf("bridge: create: relying party needs a client id and a name of at most %d bytes", maxNameLen)
	}
	id, secret, token := random(protocol.IDBytes), random(protocol.SecretBytes), random(protocol.TokenBytes)
	link, err := protocol.NewLink(s.issuerBase, id, secret)
	if err != nil {
		return nil, fmt.Errorf("bridge: create: %w", err)
	}
	now := s.now().UTC()
	rec := &record{
		Version:    recordVersion,
		ID:         id,
		Binding:    binding,
		Purpose:    purpose,
		Nonce:      make([]byte, protocol.NonceBytes),
		SecretHash: hashSecret(secret),
		TokenHash:  hashSecret(token),
		RP:         rp,
		Scopes:     append([]string(nil), scopes...),
		CreatedAt:  now,
		ExpiresAt:  now.Add(s.ttl),
		State:      statePending,
	}
	rec.BindingCode = protocol.NewBindingCode()
	rand.Read(rec.Nonce)
	val, err := rec.encode()
	if err != nil {
		return nil, fmt.Errorf("bridge: create: %w", err)
	}
	// Create, not Put: a colliding 128-bit id would mean a broken random
	// source, and must not overwrite someone else's transaction.
	if err := s.backend.Create(ctx, Namespace, id, val, s.ttl+retention); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, fmt.Errorf("bridge: create: transaction id collision: %w", err)
		}
		return nil, fmt.Errorf("bridge: create: %w", err)
	}
	return &Created{ID: id, Link: link.String(), AppLink: link.AppLink(), BrowserToken: token, ExpiresAt: rec.ExpiresAt, BindingCode: rec.BindingCode}, nil
}

// random returns n bytes from crypto/rand as base64url. crypto/rand.Read
// never fails (it crashes the program instead, since Go 1.24).
func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return protocol.EncodeBase64URL(b)
}
