package server

import (
	"context"
	"encoding/json"
	"errors"
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
	if needsSignature(ar.Scopes) {
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

// maxRenewals bounds RenewTx's attempts when the request changes under
// it (another tab starting again, a login completing).
const maxRenewals = 3

// errNoTransactions is RenewTx without UseTransactions.
var errNoTransactions = errors.New("server: no card transactions configured (UseTransactions)")

// RenewTx gives the auth request a new card transaction in place of its
// current one ("start again", or one about to expire) and returns it. The
// request records the new one as its current transaction, in the batch
// that creates it, and CompleteCardLogin takes only that one: a
// transaction given up, perhaps claimed by somebody else's device, can no
// longer complete the request. Unknown, expired or completed requests
// give ErrUnknownRequest or ErrAlreadyCompleted.
func (s *Server) RenewTx(ctx context.Context, authReqID string) (*bridge.Created, error) {
	if s.txs == nil {
		return nil, errNoTransactions
	}
	for n := 1; ; n++ {
		raw, err := s.backend.Get(ctx, nsAuthReq, authReqID)
		if notFound(err) {
			return nil, ErrUnknownRequest
		}
		if err != nil {
			return nil, err
		}
		ar, err := s.decodeAuthRequest(raw)
		if err != nil {
			return nil, err
		}
		if ar.Done {
			return nil, ErrAlreadyCompleted
		}
		c, err := s.lookupClient(ctx, ar.ClientID)
		if errors.Is(err, errNoClient) {
			return nil, ErrUnknownRequest
		}
		if err != nil {
			return nil, err
		}
		create, err := s.prepareTx(ar, c)
		if err != nil {
			return nil, err
		}
		renewed, err := json.Marshal(ar)
		if err != nil {
			return nil, err
		}
		err = store.Apply(ctx, s.backend, create, store.Swap(nsAuthReq, ar.ID, raw, renewed))
		if (errors.Is(err, store.ErrConflict) || notFound(err)) && n < maxRenewals {
			continue // the request changed since it was read: look again
		}
		if err != nil {
			return nil, err
		}
		return s.openTx(ar), nil
	}
}
