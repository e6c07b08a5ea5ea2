package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/clients"
	"github.com/inkan-id/inkan/provider/store"
)

// OAuth errors are *oidc.Error values: ErrorType and Description are what
// the client sees, Parent is the internal cause that only reaches the log.
// The helpers below add the error codes the library has no constructor for.

// errTemporarilyUnavailable is RFC 6749 §4.1.2.1's code for an overloaded
// or broken server; here it always means the store is unreachable.
func errTemporarilyUnavailable() *oidc.Error {
	return &oidc.Error{ErrorType: "temporarily_unavailable",
		Description: "The service is temporarily unavailable. Please try again shortly."}
}

// errUnsupportedResponseType is RFC 6749 §4.1.2.1's unsupported_response_type.
func errUnsupportedResponseType() *oidc.Error {
	return &oidc.Error{ErrorType: "unsupported_response_type",
		Description: "Only response_type=code is supported."}
}

// errConsentRequired is OIDC Core §3.1.2.6's consent_required.
func errConsentRequired() *oidc.Error {
	return &oidc.Error{ErrorType: "consent_required",
		Description: "The user has not consented to this client and prompt=none forbids asking."}
}

// errInvalidToken is RFC 6750 §3.1's invalid_token, for the userinfo endpoint.
func errInvalidToken() *oidc.Error {
	return &oidc.Error{ErrorType: "invalid_token", Description: "The access token is invalid, expired or revoked."}
}

// invalidClient answers a failed client authentication with 401 (RFC 6749
// §5.2), never saying which part was wrong.
func invalidClient(cause error) error {
	return op.NewStatusError(oidc.ErrInvalidClient().
		WithDescription("Client authentication failed.").WithParent(cause), http.StatusUnauthorized)
}

// invalidGrant is the token endpoint's answer to a code or refresh token
// that is unknown, expired, used, revoked or someone else's. The
// description is deliberately the same for all of them.
func invalidGrant(cause error) error {
	return oidc.ErrInvalidGrant().WithDescription("The grant is invalid, expired or revoked.").WithParent(cause)
}

// unavailable reports whether err means the store (or something behind
// it) cannot serve right now, or too many client secret checks are
// queued.
func unavailable(err error) bool {
	return errors.Is(err, store.ErrUnavailable) || errors.Is(err, clients.ErrBusy) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// internal turns an unexpected error from a dependency into what the
// client sees: 503 temporarily_unavailable when the store is down or
// secret checks are queued up (unavailable), else a
// server_error (500). what names the operation for the log.
func (s *Server) internal(ctx context.Context, what string, err error) error {
	if unavailable(err) {
		s.log.WarnContext(ctx, "unavailable", "op", what, "err", err)
		return op.NewStatusError(errTemporarilyUnavailable().WithParent(err), http.StatusServiceUnavailable)
	}
	s.log.ErrorContext(ctx, "internal error", "op", what, "err", err)
	return op.NewStatusError(oidc.ErrServerError().WithDescription("Internal error.").WithParent(err),
		http.StatusInternalServerError)
}

// writeHTTPError writes err as a JSON OAuth error, keeping a StatusError's
// status and defaulting to 400.
func writeHTTPError(w http.ResponseWriter, r *http.Request, err error) {
	op.WriteError(w, r, err, nil)
}

// Sentinel errors of the login API (LoginInfo, CompleteCardLogin, Consent).
var (
	// ErrUnknownRequest means the auth request id is unknown, expired or
	// already used. It wraps bridge.ErrBindingGone, so a card transaction
	// bound to it fails for good instead of inviting a retry.
	ErrUnknownRequest = fmt.Errorf("server: unknown or expired login request: %w", bridge.ErrBindingGone)
	// ErrAlreadyCompleted means the auth request already has a login.
	ErrAlreadyCompleted = fmt.Errorf("server: login request already completed: %w", bridge.ErrBindingDone)
	// ErrTxReplaced means the card transaction is no longer its auth
	// request's current one (RenewTx replaced it). It wraps
	// bridge.ErrBindingGone: for that transaction the request is gone.
	ErrTxReplaced = fmt.Errorf("server: the login request has a newer card transaction: %w", bridge.ErrBindingGone)
	// ErrNotLoggedIn means consent was asked for before the login finished.
	ErrNotLoggedIn = errors.New("server: login request has no completed login yet")
	// ErrUnavailable wraps store.ErrUnavailable for the login API's callers.
	ErrUnavailable = store.ErrUnavailable
)
