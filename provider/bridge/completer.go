package bridge

import (
	"context"
	"errors"
	"time"

	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

// Completer finishes the auth request a transaction is bound to, once the
// card's answer is verified. The OIDC core implements it.
//
// CompleteCardLogin must be all or nothing, together with the
// transaction's own change: also are the bridge's writes (the transaction
// marked done, a compare-and-swap from the record as it was read), to be
// applied with store.Apply in the same batch as the completion's writes,
// before the write that marks the auth request complete (so that where
// a batch runs op by op, a conflict on them leaves the request
// incomplete). It either completes the auth request, applies also and
// returns nil, or changes nothing and returns an error. An error wrapping
// store.ErrConflict or store.ErrNotFound from that batch means a record
// changed since it was read: the bridge reads the transaction again and
// may call once more, so the method may see the same binding more than
// once (refusing a binding that is already complete is the safe answer).
// Return an error wrapping ErrBindingGone when the auth request no longer
// exists or no longer takes this transaction (a newer one replaced it),
// and one wrapping ErrBindingDone when it is already complete
// (another answer, or another transaction of the same request, got there
// first): the transaction then fails for good instead of inviting a
// retry.
type Completer interface {
	CompleteCardLogin(ctx context.Context, binding string, login CardLogin, also ...store.Op) error
}

// CompleterFunc adapts a function to Completer.
type CompleterFunc func(ctx context.Context, binding string, login CardLogin, also ...store.Op) error

// CompleteCardLogin calls f.
func (f CompleterFunc) CompleteCardLogin(ctx context.Context, binding string, login CardLogin, also ...store.Op) error {
	return f(ctx, binding, login, also...)
}

// ErrBindingGone is wrapped by Completer errors that mean the auth request
// expired or was cancelled; the transaction then fails with code expired.
var ErrBindingGone = errors.New("bridge: auth request no longer exists")

// ErrBindingDone is wrapped by Completer errors that mean the auth request
// is already complete; the agent is told already_used.
var ErrBindingDone = errors.New("bridge: auth request already completed")

// CardLogin is a verified card answer.
type CardLogin struct {
	// TxID is the card transaction id.
	TxID string
	// Purpose is what the card signed for.
	Purpose protocol.Purpose
	// Card identifies the certificate (issuer key id + serial): the key
	// an account is bound to.
	Card identity.CardID
	// Certificate is the verified end-entity certificate (DER).
	Certificate []byte
	// SoftFailed is set when revocation status was unavailable and the
	// verifier's bounded soft-fail let the login through; it must show in
	// acr and the audit log (design.md rule 6).
	SoftFailed bool
	// Attributes are the basic four attributes of a signature certificate
	// (purpose sign only; nil for auth). Personal data: encrypt at rest.
	Attributes *identity.Attributes
	// VerifiedAt is when the answer was verified: the auth_time.
	VerifiedAt time.Time
}
