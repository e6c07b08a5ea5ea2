package bridge

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

// Claim on first fetch (docs/security.md): the first agent to fetch a
// transaction sends a random claim token, whose hash the record keeps;
// from then on only that agent may fetch the transaction or answer it. A
// link that was forwarded, photographed or intercepted after the user's
// own phone opened it is worth nothing to anyone else, and the page can
// say that a device connected.

// errAlreadyClaimed stops an Update that has nothing to write: the
// record is already claimed by this very agent.
var errAlreadyClaimed = errors.New("bridge: already claimed by this agent")

// agentToken returns the claim token of a request: exactly one
// Inkan-Agent-Claim header of the right shape.
func agentToken(r *http.Request) (string, bool) {
	vals := r.Header.Values(protocol.ClaimHeader)
	if len(vals) != 1 || !protocol.ValidClaimToken(vals[0]) {
		return "", false
	}
	return vals[0], true
}

// agentRefusal returns the error for an agent presenting token, or nil
// when it is the one that claimed the transaction. An unclaimed
// transaction refuses every answer: an agent fetches before it answers.
func (r *record) agentRefusal(token string) *protocol.Error {
	switch {
	case r.AgentHash == nil:
		return protocol.NewError(protocol.CodeClaimRequired)
	case !secretMatches(token, r.AgentHash):
		return protocol.NewError(protocol.CodeClaimedByAnotherDevice)
	}
	return nil
}

// authorizeAgent is authorize for the agent endpoints: the secret, then
// a well-formed claim token, then, when the transaction is claimed (or
// always, unless fetch), the claiming agent's token. Nothing changes on
// a refusal. It returns the record decoded and as stored (raw, for
// store.UpdateFrom), and the agent's token.
func (s *Service) authorizeAgent(r *http.Request, id string, fetch bool) (*record, []byte, string, *protocol.Error) {
	rec, raw, perr := s.authorize(r, id)
	if perr != nil {
		return nil, nil, "", perr
	}
	token, ok := agentToken(r)
	if !ok {
		return nil, nil, "", protocol.NewError(protocol.CodeClaimRequired)
	}
	if fetch && rec.AgentHash == nil {
		return rec, raw, token, nil
	}
	if perr := rec.agentRefusal(token); perr != nil {
		if perr.Code == protocol.CodeClaimedByAnotherDevice {
			// Worth an operator's attention: the link is in a second
			// device's hands (forwarded, or copied off the screen).
			s.log.WarnContext(r.Context(), "bridge: refused a device that did not claim the transaction",
				"tx", rec.ID, "method", r.Method)
		}
		return nil, nil, "", perr
	}
	return rec, raw, token, nil
}

// claim makes the agent with token the owner of transaction id, by
// compare-and-swap: of two agents fetching at once, one wins and the
// other is refused. It returns the record as claimed. read and raw are
// the record as the caller just read it, decoded and stored: the swap
// starts from them and reads the record again only if it changed since
// (store.UpdateFrom).
func (s *Service) claim(ctx context.Context, id, token string, read *record, raw []byte) (*record, *protocol.Error) {
	now := s.now()
	var rec *record
	err := store.UpdateFrom(ctx, s.backend, Namespace, id, raw, func(old []byte) ([]byte, error) {
		var r *record
		if bytes.Equal(old, raw) {
			// The caller's record, not decoded twice. A copy: the swap
			// may still fail, and only fields are set below.
			cp := *read
			r = &cp
		} else {
			var err error
			if r, err = decodeRecord(old); err != nil {
				return nil, err
			}
		}
		rec = r
		if r.AgentHash != nil {
			if perr := r.agentRefusal(token); perr != nil {
				return nil, perr
			}
			return nil, errAlreadyClaimed
		}
		if perr := r.refusal(now); perr != nil {
			return nil, perr
		}
		r.AgentHash, r.AgentAt = hashSecret(token), now.UTC()
		return r.encode()
	})
	switch {
	case errors.Is(err, errAlreadyClaimed):
		return rec, nil
	case err != nil:
		if errors.Is(err, protocol.NewError(protocol.CodeClaimedByAnotherDevice)) {
			s.log.WarnContext(ctx, "bridge: refused a device that did not claim the transaction", "tx", id, "method", http.MethodGet)
		}
		return nil, s.storeError(ctx, "claim-agent", err)
	}
	s.log.InfoContext(ctx, "bridge: transaction claimed by an agent", "tx", id)
	return rec, nil
}
