package server

import (
	"slices"
	"strings"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
)

// Transactions prepares card transactions; *bridge.Service implements it.
type Transactions interface {
	Prepare(binding string, purpose protocol.Purpose, rp protocol.RelyingParty, scopes ...string) (*bridge.Created, store.Op, error)
}

// UseTransactions makes Authorize create a login's card transaction
// together with its auth request, in one store write, and LoginInfo hand
// it to the login page's first view, which then need not create one. Call
// it once, before serving.
func (s *Server) UseTransactions(t Transactions) { s.txs = t }

// preparedTx is the card transaction /authorize created with a request.
// Its bearer secrets (the link, with the agent secret in its fragment, and
// the browser token) are sealed: a copy of the store hands out neither.
type preparedTx struct {
	ID          string    `json:"id"`
	Secrets     string    `json:"secrets"` // sealed link + "\n" + browser token
	BindingCode string    `json:"binding_code"`
	ExpiresAt   time.Time `json:"expires"`
}

// prepareTx builds the card transaction of ar, a request that needs a
// login, and returns the write that creates it; ar keeps it sealed.
func (s *Server) prepareTx(ar *authRequest, c *rpClient) (store.Op, error) {
	purpose := protocol.PurposeAuth
	if slices.Contains(ar.Scopes, scopeVerifiedClaims) {
		purpose = protocol.PurposeSign
	}
	name := c.name
	if name == "" {
		name = c.GetID()
	}
	created, op, err := s.txs.Prepare(ar.ID, purpose, protocol.RelyingParty{ClientID: c.GetID(), Name: name}, ar.Scopes...)
	if err != nil {
		return store.Op{}, err
	}
	ar.Tx = &preparedTx{
		ID:          created.ID,
		Secrets:     s.secretSeal.seal([]byte(created.Link+"\n"+created.BrowserToken), "tx "+ar.ID),
		BindingCode: created.BindingCode,
		ExpiresAt:   created.ExpiresAt,
	}
	return op, nil
}

// openTx returns the transaction ar was created with, or nil when it has
// none (or it cannot be opened: the page then creates one).
func (s *Server) openTx(ar *authRequest) *bridge.Created {
	if ar.Tx == nil {
		return nil
	}
	raw, err := s.secretSeal.open(ar.Tx.Secrets, "tx "+ar.ID)
	if err != nil {
		return nil
	}
	link, token, ok := strings.Cut(string(raw), "\n")
	if !ok {
		return nil
	}
	l, err := protocol.ParseLink(link)
	if err != nil || l.ID != ar.Tx.ID {
		return nil
	}
	return &bridge.Created{ID: l.ID, Link: link, AppLink: l.AppLink(), BrowserToken: token,
		ExpiresAt: ar.Tx.ExpiresAt, BindingCode: ar.Tx.BindingCode}
}
