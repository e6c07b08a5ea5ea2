package bridge

import (
	"context"
	"errors"
	"log/slog"

	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

var errRecordVersion = errors.New("bridge: stored transaction has an unknown version")

// storeError turns a store error into the protocol error to answer, and
// logs what is not the caller's doing.
func (s *Service) storeError(ctx context.Context, op string, err error) *protocol.Error {
	var pe *protocol.Error
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, store.ErrNotFound):
		return protocol.NewError(protocol.CodeNotFound)
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		s.log.WarnContext(ctx, "bridge: store unavailable", "op", op, "err", err)
		return protocol.NewError(protocol.CodeUnavailable).WithRetry(true)
	}
	s.log.ErrorContext(ctx, "bridge: store error", "op", op, "err", err)
	return protocol.NewError(protocol.CodeInternal)
}

// codeFor maps a verifier code to the bridge code the agent sees. Several
// verifier codes share one bridge code: the agent needs to know what to
// tell the user, not which check fired.
func codeFor(c verify.Code) protocol.Code {
	switch c {
	case verify.CodeBadSignature:
		return protocol.CodeBadSignature
	case verify.CodeCertificateExpired:
		return protocol.CodeCertificateExpired
	case verify.CodeCertificateRevoked:
		return protocol.CodeCertificateRevoked
	case verify.CodeRevocationUnavailable:
		return protocol.CodeRevocationUnavailable
	case verify.CodeOriginMismatch:
		return protocol.CodeOriginMismatch
	case verify.CodeWrongType, verify.CodeWrongPolicy, verify.CodeWrongKeyUsage:
		return protocol.CodeWrongPurpose
	case verify.CodeTransactionMismatch, verify.CodeNonceMismatch:
		return protocol.CodeChallengeMismatch
	case verify.CodeStaleClientData:
		return protocol.CodeStaleResponse
	case verify.CodeCertificateMalformed, verify.CodeCertificateTooLarge, verify.CodeClientDataMalformed:
		return protocol.CodeMalformed
	}
	// untrusted_root, not yet valid, CA certificate, unsupported key, and
	// any code added later: fail as untrusted.
	return protocol.CodeUntrustedCertificate
}

// logAttrs are the fields of an answer's log line. The id is not secret
// (it is in client_data and in the page); the binding is left out.
func logAttrs(id string, p protocol.Purpose, outcome protocol.Code, attempts int) []slog.Attr {
	return []slog.Attr{
		slog.String("tx", id),
		slog.String("purpose", string(p)),
		slog.String("outcome", string(outcome)),
		slog.Int("attempts", attempts),
	}
}
