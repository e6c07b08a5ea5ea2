package bridge

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/inkan-id/inkan/cardauth/identity"
	"github.com/inkan-id/inkan/cardauth/verify"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

// maxCompletions bounds how often one answer tries to complete after
// finding the transaction or its auth request changed since it read them.
const maxCompletions = 3

// serveAnswer handles POST /bridge/v1/tx/{id}.
func (s *Service) serveAnswer(w http.ResponseWriter, r *http.Request, id string) {
	rec, raw, _, perr := s.authorizeAgent(r, id, false)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if perr := rec.refusal(s.now()); perr != nil {
		writeError(w, perr)
		return
	}
	resp, perr := readResponse(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if perr := s.answer(r.Context(), rec, raw, resp); perr != nil {
		writeError(w, perr)
		return
	}
	writeJSON(w, http.StatusOK, protocol.Result{Status: protocol.ResultDone})
}

// readResponse reads and strictly decodes the body. A malformed body is
// refused before anything changes, so it costs no attempt.
func readResponse(w http.ResponseWriter, r *http.Request) (*protocol.Response, *protocol.Error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != protocol.MediaType {
		return nil, protocol.NewError(protocol.CodeMalformed)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, protocol.MaxResponseSize))
	if err != nil {
		return nil, protocol.NewError(protocol.CodeMalformed)
	}
	resp, err := protocol.DecodeResponse(body)
	if err != nil {
		return nil, protocol.NewError(protocol.CodeMalformed)
	}
	return resp, nil
}

// answer processes one decoded card answer to the pending transaction
// rec, which the caller read as raw from the store and found answerable
// by the agent that sent it. Every path leaves the record consistent:
// pending (with the attempt counted when the answer was wrong), failed,
// or done together with the completed login.
//
// Nothing is written before the verdict. Each outcome is then one
// compare-and-swap from raw; a successful login's is part of the
// Completer's own batch, so the login and the transaction's done state
// land together or not at all. Of two concurrent answers one lands; the
// other finds the record changed, reads it again and is told why (already
// used, or the attempts left).
func (s *Service) answer(ctx context.Context, rec *record, raw []byte, resp *protocol.Response) *protocol.Error {
	// The work runs to its end even if the agent hangs up: a verified
	// login should complete.
	work, cancel := context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
	defer cancel()

	login, perr := s.check(work, rec, resp)
	if perr != nil {
		// Only the card's own answer counts as an attempt, not our
		// inability to check revocation or reach a service.
		counted := perr.Code != protocol.CodeRevocationUnavailable && perr.Code != protocol.CodeUnavailable
		failed := s.release(work, rec, raw, perr.Code, counted)
		s.logAnswer(ctx, rec, perr.Code, counted)
		return perr.WithRetry(!failed)
	}

	for n := 1; ; n++ {
		done, err := rec.finished(stateDone, "", s.now())
		if err != nil {
			return s.storeError(ctx, "encode", err)
		}
		err = s.completer.CompleteCardLogin(work, rec.Binding, *login, store.Swap(Namespace, rec.ID, raw, done))
		switch {
		case err == nil:
			s.logAnswer(ctx, rec, "", false, slog.Bool("soft_failed", login.SoftFailed))
			return nil
		case errors.Is(err, ErrBindingGone):
			s.finish(work, rec, raw, stateFailed, protocol.CodeExpired)
			s.logAnswer(ctx, rec, protocol.CodeExpired, false)
			return protocol.NewError(protocol.CodeExpired)
		case errors.Is(err, ErrBindingDone):
			// Another answer completed the request a moment ago (then
			// this transaction is done already), or another transaction
			// of the same request did (then this one can never succeed).
			cur, curRaw, perr := s.reread(work, rec.ID)
			if perr != nil {
				return perr
			}
			s.finish(work, cur, curRaw, stateFailed, protocol.CodeAlreadyUsed)
			s.logAnswer(ctx, rec, protocol.CodeAlreadyUsed, false)
			return protocol.NewError(protocol.CodeAlreadyUsed)
		case (errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound)) && n < maxCompletions:
			// The transaction or the auth request changed since they
			// were read (another answer landed or counted an attempt):
			// nothing was written; decide again from the records as
			// they are now.
			var perr *protocol.Error
			if rec, raw, perr = s.reread(work, rec.ID); perr != nil {
				return perr
			}
			continue
		}
		s.log.ErrorContext(ctx, "bridge: completing the login failed", "tx", rec.ID, "err", err)
		return protocol.NewError(protocol.CodeUnavailable).WithRetry(true)
	}
}

// reread reads the transaction again after the Completer found it or its
// auth request changed; one that can no longer take an answer gives its
// refusal (already_used once another answer landed).
func (s *Service) reread(ctx context.Context, id string) (*record, []byte, *protocol.Error) {
	rec, raw, perr := s.loadRaw(ctx, id)
	if perr != nil {
		return nil, nil, perr
	}
	if perr := rec.refusal(s.now()); perr != nil {
		return nil, nil, perr
	}
	return rec, raw, nil
}

// check verifies the answer and builds the CardLogin.
func (s *Service) check(ctx context.Context, rec *record, resp *protocol.Response) (*CardLogin, *protocol.Error) {
	purpose := verify.Auth
	if rec.Purpose == protocol.PurposeSign {
		purpose = verify.Sign
	}
	res, err := s.verifier.Verify(ctx, resp.Certificate, resp.ClientData, resp.Signature, verify.Expect{
		Purpose:       purpose,
		Origin:        s.origin,
		TransactionID: rec.ID,
		Nonce:         rec.Nonce,
		NotBefore:     rec.CreatedAt,
		MaxAge:        rec.ExpiresAt.Sub(rec.CreatedAt),
	})
	if err != nil {
		var ve *verify.Error
		if !errors.As(err, &ve) {
			// Not a verdict on the card (a cancelled or timed-out check).
			s.log.WarnContext(ctx, "bridge: verification did not finish", "tx", rec.ID, "err", err)
			return nil, protocol.NewError(protocol.CodeUnavailable)
		}
		s.log.InfoContext(ctx, "bridge: card answer rejected", "tx", rec.ID, "code", string(ve.Code))
		return nil, protocol.NewError(codeFor(ve.Code))
	}
	login := &CardLogin{
		TxID:        rec.ID,
		Purpose:     rec.Purpose,
		Card:        res.Card,
		Certificate: res.Certificate.Raw,
		SoftFailed:  res.SoftFailed,
		VerifiedAt:  s.now().UTC(),
	}
	if rec.Purpose == protocol.PurposeSign {
		a, err := identity.Extract(res.Certificate)
		if err != nil {
			// Never log the error's detail beyond its kind: it is about
			// personal attributes.
			s.log.InfoContext(ctx, "bridge: signature certificate without usable attributes", "tx", rec.ID)
			return nil, protocol.NewError(protocol.CodeMalformed)
		}
		login.Attributes = &a
	}
	return login, nil
}

// release counts a wrong answer's attempt on the pending record, or
// fails the transaction when the attempts are used up, and records code
// as the last error the page shows. It reports whether the transaction
// failed for good. raw is the record as the caller read it: the update
// starts from it and reads the record again only if it changed since
// (store.UpdateFrom). A record no longer pending (another answer landed)
// is left alone and reported failed: a retry could only be refused.
func (s *Service) release(ctx context.Context, rec *record, raw []byte, code protocol.Code, counted bool) (failed bool) {
	now := s.now()
	err := store.UpdateFrom(ctx, s.backend, Namespace, rec.ID, raw, func(old []byte) ([]byte, error) {
		// Decided afresh on every run: the record may have changed since
		// the last one.
		failed = false
		r, err := decodeRecord(old)
		if err != nil {
			return nil, err
		}
		if perr := r.refusal(now); perr != nil {
			// No longer pending (another answer landed, or it failed or
			// expired): a retry can only be refused.
			failed = true
			return nil, perr
		}
		if code != "" {
			r.LastError = code
		}
		if counted {
			r.Attempts++
			if r.Attempts >= s.maxAttempts {
				r.State, r.FailCode = stateFailed, protocol.CodeTooManyAttempts
				failed = true
			}
		}
		rec.Attempts = r.Attempts
		return r.encode()
	})
	if err != nil {
		s.log.WarnContext(ctx, "bridge: could not count the attempt", "tx", rec.ID, "err", err)
	}
	return failed
}

// finish moves a pending record to a final state. Like release, it starts
// from raw.
func (s *Service) finish(ctx context.Context, rec *record, raw []byte, to txState, failCode protocol.Code) {
	now := s.now()
	err := store.UpdateFrom(ctx, s.backend, Namespace, rec.ID, raw, func(old []byte) ([]byte, error) {
		r, err := decodeRecord(old)
		if err != nil {
			return nil, err
		}
		if perr := r.refusal(now); perr != nil {
			return nil, perr
		}
		return r.finished(to, failCode, now)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "bridge: could not finish transaction", "tx", rec.ID, "state", string(to), "err", err)
	}
}

// finished encodes a copy of r moved to the final state to.
func (r *record) finished(to txState, failCode protocol.Code, now time.Time) ([]byte, error) {
	c := *r
	c.State, c.FailCode = to, failCode
	if to == stateDone {
		c.CompletedAt = now.UTC()
	}
	return c.encode()
}

func (s *Service) logAnswer(ctx context.Context, rec *record, code protocol.Code, counted bool, extra ...slog.Attr) {
	outcome := code
	if outcome == "" {
		outcome = "done"
	}
	attrs := append(logAttrs(rec.ID, rec.Purpose, outcome, rec.Attempts), slog.Bool("counted", counted))
	s.log.LogAttrs(ctx, slog.LevelInfo, "bridge: card answer", append(attrs, extra...)...)
}
