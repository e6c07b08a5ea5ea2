package bridge

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

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
	c, op, err := s.Prepare(binding, purpose, rp, scopes...)
	if err != nil {
		return nil, err
	}
	if err := s.backend.Create(ctx, op.NS, op.Key, op.Value, op.TTL); err != nil {
		return nil, createError(err)
	}
	return c, nil
}

// A relying party's Name longer than maxNameLen bytes is cut there, at a
// rune boundary (agents show it in a line or two).
//
// Prepare is Create for a caller that stores the transaction itself, in
// a batch with its own writes (the OIDC core creates it with the auth
// request): it returns the transaction and the store write that creates
// it. Until that write lands the transaction does not exist. A batch
// failing on this op (a colliding id) wraps store.ErrExists.
func (s *Service) Prepare(binding string, purpose protocol.Purpose, rp protocol.RelyingParty, scopes ...string) (*Created, store.Op, error) {
	rp.Name = truncate(rp.Name, maxNameLen)
	switch {
	case binding == "" || len(binding) > maxBindingLen:
		return nil, store.Op{}, fmt.Errorf("bridge: create: binding must be 1–%d bytes", maxBindingLen)
	case !purpose.Valid():
		return nil, store.Op{}, fmt.Errorf("bridge: create: unknown purpose %q", purpose)
	case rp.ClientID == "" || rp.Name == "" || len(rp.ClientID) > maxNameLen:
		return nil, store.Op{}, fmt.Errorf("bridge: create: relying party needs a name and a client id of at most %d bytes", maxNameLen)
	}
	id, secret, token := random(protocol.IDBytes), random(protocol.SecretBytes), random(protocol.TokenBytes)
	link, err := protocol.NewLink(s.issuerBase, id, secret)
	if err != nil {
		return nil, store.Op{}, fmt.Errorf("bridge: create: %w", err)
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
		return nil, store.Op{}, fmt.Errorf("bridge: create: %w", err)
	}
	// Create, not Put: a colliding 128-bit id would mean a broken random
	// source, and must not overwrite someone else's transaction.
	op := store.Create(Namespace, id, val, s.ttl+retention)
	return &Created{ID: id, Link: link.String(), AppLink: link.AppLink(), BrowserToken: token, ExpiresAt: rec.ExpiresAt, BindingCode: rec.BindingCode}, op, nil
}

// createError describes a failed write of Prepare's op.
func createError(err error) error {
	if errors.Is(err, store.ErrExists) {
		return fmt.Errorf("bridge: create: transaction id collision: %w", err)
	}
	return fmt.Errorf("bridge: create: %w", err)
}

// random returns n bytes from crypto/rand as base64url. crypto/rand.Read
// never fails (it crashes the program instead, since Go 1.24).
func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return protocol.EncodeBase64URL(b)
}

// truncate cuts s to at most n bytes at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
