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

// errClaimLost means the record is no longer in the verifying state this
// request set; it only happens when a claim outlived its lease.
var errClaimLost = errors.New("bridge: verifying claim lost")

// serveAnswer handles POST /bridge/v1/tx/{id}.
func (s *Service) serveAnswer(w http.ResponseWriter, r *http.Request, id string) {
	rec, raw, agent, perr := s.authorizeAgent(r, id, false)
	if perr != nil {
		writeError(w, perr)
		return
	}
	// Early refusal saves reading the body of a dead transaction; the
	// authoritative check is the compare-and-swap in answer.
	if perr := rec.refusal(s.now()); perr != nil {
		writeError(w, perr)
		return
	}
	resp, perr := readResponse(w, r)
	if perr != nil {
		writeError(w, perr)
		return
	}
	if perr := s.answer(r.Context(), id, agent, raw, resp); perr != nil {
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

// answer processes one decoded card answer for transaction id. Every path
// leaves the record in a consistent state: pending (with attempts counted
// when the answer was wrong), failed, or done after the Completer
// succeeded. Only the agent that claimed the transaction (token agent)
// may answer. loaded is the record as the caller read it (nil: none): the
// claim swaps from it and reads again only if it changed since.
func (s *Service) answer(ctx context.Context, id, agent string, loaded []byte, resp *protocol.Response) *protocol.Error {
	claim := random(16)
	now := s.now()
	var rec *record
	var claimed []byte // the record as this claim stored it
	// pending → verifying: of two concurrent answers, one wins and the
	// other is told busy (or already_used once the first is done).
	err := store.UpdateFrom(ctx, s.backend, Namespace, id, loaded, func(old []byte) ([]byte, error) {
		r, err := decodeRecord(old)
		if err != nil {
			return nil, err
		}
		if perr := r.agentRefusal(agent); perr != nil {
			return nil, perr
		}
		if perr := r.refusal(now); perr != nil {
			return nil, perr
		}
		r.State, r.Claim, r.ClaimedAt = stateVerifying, claim, now
		rec = r
		claimed, err = r.encode()
		return claimed, err
	})
	if err != nil {
		return s.storeError(ctx, "claim", err)
	}

	// The work runs to its end even if the agent hangs up: a verified
	// login should complete, and no claim should be left behind.
	work, cancel := context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
	defer cancel()

	login, perr := s.check(work, rec, resp)
	if perr != nil {
		// Only the card's own answer counts as an attempt, not our
		// inability to check revocation or reach a service.
		counted := perr.Code != protocol.CodeRevocationUnavailable && perr.Code != protocol.CodeUnavailable
		failed := s.release(work, rec, claimed, claim, perr.Code, counted)
		s.logAnswer(ctx, rec, perr.Code, counted)
		return perr.WithRetry(!failed)
	}

	if err := s.completer.CompleteCardLogin(work, rec.Binding, *login); err != nil {
		if errors.Is(err, ErrBindingGone) {
			s.finish(work, rec, claimed, claim, stateFailed, protocol.CodeExpired)
			s.logAnswer(ctx, rec, protocol.CodeExpired, false)
			return protocol.NewError(protocol.CodeExpired)
		}
		s.log.ErrorContext(ctx, "bridge: completing the login failed", "tx", rec.ID, "err", err)
		s.release(work, rec, claimed, claim, "", false)
		return protocol.NewError(protocol.CodeUnavailable).WithRetry(true)
	}
	// The login is complete. Should marking the record fail now, the agent
	// is still told the truth (its card step succeeded); the record stays
	// verifying until its lease ends.
	s.finish(work, rec, claimed, claim, stateDone, "")
	s.logAnswer(ctx, rec, "", false, slog.Bool("soft_failed", login.SoftFailed))
	return nil
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

// release turns a verifying record back into pending, counting the attempt
// when asked, or into failed when the attempts are used up. It reports
// whether the transaction failed for good.
// claimed is the record as the claim stored it: the update starts from it
// and reads the record again only if it changed since (store.UpdateFrom).
func (s *Service) release(ctx context.Context, rec *record, claimed []byte, claim string, code protocol.Code, counted bool) (failed bool) {
	err := store.UpdateFrom(ctx, s.backend, Namespace, rec.ID, claimed, func(old []byte) ([]byte, error) {
		r, err := decodeRecord(old)
		if err != nil {
			return nil, err
		}
		if r.State != stateVerifying || r.Claim != claim {
			return nil, errClaimLost
		}
		r.State, r.Claim, r.ClaimedAt = statePending, "", time.Time{}
		failed = false
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
		// The claim's lease will free the record; until then the agent
		// gets busy, which is honest.
		s.log.WarnContext(ctx, "bridge: could not release transaction", "tx", rec.ID, "err", err)
	}
	return failed
}

// finish moves a verifying record to a final state.
// Like release, it starts from claimed.
func (s *Service) finish(ctx context.Context, rec *record, claimed []byte, claim string, to txState, failCode protocol.Code) {
	now := s.now().UTC()
	err := store.UpdateFrom(ctx, s.backend, Namespace, rec.ID, claimed, func(old []byte) ([]byte, error) {
		r, err := decodeRecord(old)
		if err != nil {
			return nil, err
		}
		if r.State != stateVerifying || r.Claim != claim {
			return nil, errClaimLost
		}
		r.State, r.Claim, r.ClaimedAt, r.FailCode = to, "", time.Time{}, failCode
		if to == stateDone {
			r.CompletedAt = now
		}
		return r.encode()
	})
	if err != nil {
		s.log.ErrorContext(ctx, "bridge: could not finish transaction", "tx", rec.ID, "state", string(to), "err", err)
	}
}

func (s *Service) logAnswer(ctx context.Context, rec *record, code protocol.Code, counted bool, extra ...slog.Attr) {
	outcome := code
	if outcome == "" {
		outcome = "done"
	}
	attrs := append(logAttrs(rec.ID, rec.Purpose, outcome, rec.Attempts), slog.Bool("counted", counted))
	s.log.LogAttrs(ctx, slog.LevelInfo, "bridge: card answer", append(attrs, extra...)...)
}
