package protocol

import "time"

// Purpose is what a transaction asks the card to do.
type Purpose string

// Purposes.
const (
	// PurposeAuth is a login: the agent signs with the user-authentication
	// key (利用者証明用, 4-digit PIN); client_data type inkan.bridge.auth.v1.
	PurposeAuth Purpose = "auth"
	// PurposeSign is an eKYC signature: the agent signs with the signature
	// key (署名用, 6–16 character password); type inkan.bridge.sign.v1.
	PurposeSign Purpose = "sign"
)

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { return p == PurposeAuth || p == PurposeSign }

// RelyingParty is the service that asked for the card: the agent shows its
// name so that the user knows who is asking.
type RelyingParty struct {
	// ClientID is the OAuth client id of the relying party.
	ClientID string `json:"client_id"`
	// Name is its display name, e.g. "デモ銀行".
	Name string `json:"name"`
}

// Transaction is the body of GET /bridge/v1/tx/{id}: what the agent needs
// to show the user and to build client_data.
type Transaction struct {
	// ID is the transaction id, as in the link.
	ID string `json:"id"`
	// Purpose says which key to sign with.
	Purpose Purpose `json:"purpose"`
	// Nonce is the 32-byte challenge, base64url without padding
	// (NonceLen characters). Decode it with DecodeBase64URL and re-encode
	// it into client_data (docs/client-data.md §2).
	Nonce string `json:"nonce"`
	// RelyingParty is the service asking.
	RelyingParty RelyingParty `json:"relying_party"`
	// Scopes, when present, name what will be released to the relying
	// party after the login, for display.
	Scopes []string `json:"scopes,omitempty"`
	// CreatedAt and ExpiresAt bound the transaction (at most 3 minutes).
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Origin is the provider's origin as it sees itself (scheme://host
	// [:port]). An agent shows it, and refuses the transaction when it is
	// not the origin it connected to; client_data carries the connected
	// origin either way.
	Origin string `json:"origin"`
	// BindingCode is the short code the login page shows next to the QR
	// code. The agent shows it too and asks the user to check that both
	// match: a mismatch means the link came from another screen.
	BindingCode string `json:"binding_code"`
}

// Response is the body of POST /bridge/v1/tx/{id}: the card's answer.
type Response struct {
	// ClientData is the exact client_data bytes the card signed.
	ClientData Base64URL `json:"client_data"`
	// Certificate is the DER certificate of the key that signed.
	Certificate Base64URL `json:"certificate"`
	// Signature is the card's signature over ClientData.
	Signature Base64URL `json:"signature"`
}

// Result is the body of a successful POST.
type Result struct {
	// Status is "done".
	Status string `json:"status"`
}

// ResultDone is the only Result.Status of a successful POST.
const ResultDone = "done"

// State is the state of a transaction as the browser page sees it.
type State string

// States. Pending is the only one that changes; the others are final.
const (
	// StatePending: waiting for the card (also while an answer is being
	// verified).
	StatePending State = "pending"
	// StateDone: the card answered and the login step is complete.
	StateDone State = "done"
	// StateFailed: the transaction can no longer succeed (Status.Error
	// says why, e.g. too_many_attempts).
	StateFailed State = "failed"
	// StateExpired: the transaction timed out before the card answered.
	StateExpired State = "expired"
)

// Final reports whether s can no longer change.
func (s State) Final() bool { return s != StatePending }

// Status is the body of GET /bridge/v1/tx/{id}/status and the data of each
// event of /bridge/v1/tx/{id}/events.
type Status struct {
	// State is the transaction state.
	State State `json:"state"`
	// Error explains a failed state. While pending, it holds the error of
	// the last rejected answer (the user may try again).
	Error *Error `json:"error,omitempty"`
	// ExpiresAt is when a pending transaction expires, for a countdown.
	ExpiresAt time.Time `json:"expires_at"`
	// DeviceConnected is true once an agent has fetched (and so claimed)
	// the transaction: the page says that a phone opened the login.
	DeviceConnected bool `json:"device_connected,omitempty"`
	// BindingCode is the code the page shows and the agent shows too.
	BindingCode string `json:"binding_code,omitempty"`
}
