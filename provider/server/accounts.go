package server

import (
	"context"
	"errors"
	"time"

	"github.com/inkan-id/inkan/provider/store"
)

// account is a person as the provider knows them: a random id bound to the
// card certificates they logged in with. Nothing else identifies them.
// Accounts are never linked by name or birth date (design.md "Identity"):
// a renewed card is a new certificate and, until someone links it
// deliberately, a new account.
type account struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Cards are identity.CardID.String() values bound to this account.
	Cards []string `json:"cards"`
}

// maxCardKeyLen bounds card ids before they become store keys.
const maxCardKeyLen = 256

// accountForCard returns the account bound to card, creating it on first
// login. Two concurrent first logins with one card end in one account:
// the card binding is created with Create, and the loser drops its
// account and reads the winner's.
func (s *Server) accountForCard(ctx context.Context, card string) (string, error) {
	if card == "" || len(card) > maxCardKeyLen {
		return "", errors.New("server: card id empty or too long")
	}
	raw, err := s.backend.Get(ctx, nsCard, card)
	if err == nil {
		return string(raw), nil
	}
	if !notFound(err) {
		return "", err
	}
	acct := account{ID: newID(), Created: s.now().UTC(), Cards: []string{card}}
	if err := createJSON(ctx, s.backend, nsAccount, acct.ID, acct, 0); err != nil {
		return "", err
	}
	err = s.backend.Create(ctx, nsCard, card, []byte(acct.ID), 0)
	if errors.Is(err, store.ErrExists) {
		_ = s.backend.Delete(ctx, nsAccount, acct.ID)
		raw, err := s.backend.Get(ctx, nsCard, card)
		if err != nil {
			return "", err
		}
		return string(raw), nil
	}
	if err != nil {
		_ = s.backend.Delete(ctx, nsAccount, acct.ID) // no orphan account
		return "", err
	}
	s.log.InfoContext(ctx, "account created", "account", acct.ID)
	return acct.ID, nil
}
