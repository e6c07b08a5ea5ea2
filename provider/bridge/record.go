package bridge

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// recordVersion is written into every record so that a future layout is
// refused instead of misread.
const recordVersion = 1

// txState is the stored state. It differs from protocol.State: "expired"
// is computed from the clock.
type txState string

const (
	statePending txState = "pending"
	stateDone    txState = "done"
	stateFailed  txState = "failed"
)

// record is one transaction as stored (JSON, namespace "tx", key = id).
type record struct {
	Version     int                   `json:"v"`
	ID          string                `json:"id"`
	Binding     string                `json:"binding"`
	Purpose     protocol.Purpose      `json:"purpose"`
	Nonce       []byte                `json:"nonce"`
	SecretHash  []byte                `json:"secret_sha256"`
	TokenHash   []byte                `json:"token_sha256"`
	RP          protocol.RelyingParty `json:"rp"`
	Scopes      []string              `json:"scopes,omitempty"`
	CreatedAt   time.Time             `json:"created_at"`
	ExpiresAt   time.Time             `json:"expires_at"`
	State       txState               `json:"state"`
	Attempts    int                   `json:"attempts"`
	LastError   protocol.Code         `json:"last_error,omitempty"`
	FailCode    protocol.Code         `json:"fail_code,omitempty"`
	CompletedAt time.Time             `json:"completed_at,omitzero"`

	// BindingCode is shown on the page and to the agent (not a secret).
	BindingCode string `json:"binding_code,omitempty"`
	// AgentHash is the SHA-256 of the claim token of the agent that
	// fetched first: only it may fetch again and answer.
	AgentHash []byte    `json:"agent_sha256,omitempty"`
	AgentAt   time.Time `json:"agent_at,omitzero"`
}

func (r *record) encode() ([]byte, error) { return json.Marshal(r) }

// decodeRecord parses a stored record. A record this code cannot read is
// an internal error, never a reason to accept an answer.
func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if r.Version != recordVersion {
		return nil, errRecordVersion
	}
	return &r, nil
}

// phase is the state a page sees.
func (r *record) phase(now time.Time) protocol.State {
	switch {
	case r.State == stateDone:
		return protocol.StateDone
	case r.State == stateFailed:
		return protocol.StateFailed
	case !now.Before(r.ExpiresAt):
		return protocol.StateExpired
	}
	return protocol.StatePending
}

// refusal returns the error an agent gets for a transaction that cannot
// take an answer now, or nil when it can.
func (r *record) refusal(now time.Time) *protocol.Error {
	switch r.phase(now) {
	case protocol.StateDone:
		return protocol.NewError(protocol.CodeAlreadyUsed)
	case protocol.StateFailed:
		return protocol.NewError(r.failCode())
	case protocol.StateExpired:
		return protocol.NewError(protocol.CodeExpired)
	}
	return nil
}

func (r *record) failCode() protocol.Code {
	if r.FailCode == "" {
		return protocol.CodeTooManyAttempts
	}
	return r.FailCode
}

// status is what the browser page sees.
func (r *record) status(now time.Time) protocol.Status {
	st := protocol.Status{State: r.phase(now), ExpiresAt: r.ExpiresAt, BindingCode: r.BindingCode, DeviceConnected: r.AgentHash != nil}
	switch st.State {
	case protocol.StateFailed:
		st.Error = protocol.NewError(r.failCode())
	case protocol.StateExpired:
		st.Error = protocol.NewError(protocol.CodeExpired)
	case protocol.StatePending:
		if r.LastError != "" {
			st.Error = protocol.NewError(r.LastError).WithRetry(true)
		}
	}
	return st
}

// hashSecret is what the record keeps of a secret or token.
func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// secretMatches compares in constant time, so response timing tells
// nothing about how much of a guess was right.
func secretMatches(presented string, want []byte) bool {
	if presented == "" || len(want) != sha256.Size {
		return false
	}
	return subtle.ConstantTimeCompare(hashSecret(presented), want) == 1
}
