package inkansdk

import (
	"strings"
	"time"
)

// Progress steps, passed to Listener.OnProgress and Progress.OnProgress.
const (
	// StepConnecting: fetching the request from the service.
	StepConnecting = "connecting"
	// StepWaitingForCard: the tag was lost; the SDK waits in WaitForCard
	// for the card to come back ("hold the card to the phone again").
	StepWaitingForCard = "waiting_for_card"
	// StepReading: talking to the card (selecting, counter, certificate).
	StepReading = "reading"
	// StepSigning: the PIN was sent and the card is signing. This is the
	// step where the card must not move.
	StepSigning = "signing"
	// StepSending: the card is done; the answer goes to the service. The
	// card may be taken away.
	StepSending = "sending"
	// StepDone: the service accepted the answer.
	StepDone = "done"
)

// Progress receives progress steps (the Step constants). It is called on
// the SDK's thread: hand the step to the UI thread and return at once.
type Progress interface {
	OnProgress(step string)
}

// Listener drives Agent.Run: it shows progress and who is asking, and asks
// the user for the PIN. Its methods are called on the thread that called
// Run; AskPIN may block there until the user answered.
type Listener interface {
	// OnProgress reports a Step constant.
	OnProgress(step string)
	// OnRequest shows who is asking, before the card is read.
	OnRequest(req *Request)
	// AskPIN asks the user for the PIN (or password, see q.Credential).
	// Return nil, or an answer with Cancel set, to stop.
	AskPIN(q *PINQuestion) *PINAnswer
}

// Request is what the service asks, to show the user before the PIN.
type Request struct {
	// RelyingPartyName is the service's display name, e.g. "デモ銀行".
	RelyingPartyName string
	// ClientID is the service's OAuth client id.
	ClientID string
	// Purpose is "auth" (log in, 4-digit PIN) or "sign" (electronic
	// signature for identity verification, signature password).
	Purpose string
	// Credential is CredentialPIN or CredentialPassword: what to ask for.
	Credential string
	// MaxTries is the card's counter when nothing went wrong: 3 for the
	// PIN, 5 for the password.
	MaxTries int
	// Attributes names what the service will receive after the login,
	// space-separated (OAuth scopes such as "openid profile"); "" if it
	// did not say. Attribute and AttributeCount give them one by one.
	Attributes string
	// ExpiresAtUnixMillis is when the request expires (provider's clock).
	ExpiresAtUnixMillis int64
	// Origin is the website the answer is bound to, e.g.
	// "https://id.example.jp". Show it: it is what the user's answer
	// will be valid for.
	Origin string
	// BindingCode is a short code to compare with the one on the website,
	// when the service sends one (cross-device logins); "" otherwise. The
	// bridge protocol does not carry it yet, so it is always "" today.
	BindingCode string
}

// AttributeCount returns the number of requested attributes.
func (r *Request) AttributeCount() int { return len(strings.Fields(r.Attributes)) }

// Attribute returns the i-th requested attribute, or "".
func (r *Request) Attribute(i int) string {
	f := strings.Fields(r.Attributes)
	if i < 0 || i >= len(f) {
		return ""
	}
	return f[i]
}

// SecondsLeft returns the seconds until the request expires by the phone's
// clock (0 when past). It is for a countdown only: the service decides.
func (r *Request) SecondsLeft() int {
	d := time.Until(time.UnixMilli(r.ExpiresAtUnixMillis))
	return max(int(d/time.Second), 0)
}

// PurposeText describes the purpose for the user in lang ("ja" or "en").
func (r *Request) PurposeText(lang string) string {
	ja := isJapanese(lang)
	switch {
	case r.Purpose == "sign" && ja:
		return "電子署名（署名用電子証明書で、本人であることを確認します）"
	case r.Purpose == "sign":
		return "Electronic signature (confirms your identity with the signature certificate)"
	case ja:
		return "ログイン（利用者証明用電子証明書を使います）"
	}
	return "Sign in (with the user certificate of your card)"
}

// CardStatus is what ReadCard learned without spending a try.
type CardStatus struct {
	// Credential is CredentialPIN or CredentialPassword.
	Credential string
	// TriesLeft is the card's retry counter for that credential.
	TriesLeft int
	// MaxTries is its value after a correct PIN (3 or 5).
	MaxTries int
	// LastTry is true when one try is left: Sign needs confirmLastTry.
	LastTry bool
	// CertificateCached is true when the SDK holds a certificate for the
	// warm path (fewer APDUs); it is confirmed only by the service.
	CertificateCached bool
}

// PINQuestion is what Listener.AskPIN asks.
type PINQuestion struct {
	// Credential is CredentialPIN (4 digits) or CredentialPassword
	// (6–16 letters and digits).
	Credential string
	// TriesLeft is the card's counter; MaxTries its full value.
	TriesLeft int
	MaxTries  int
	// LastTry is true when one try is left: show the warning
	// (MessageFor("last_try_needs_confirmation", lang)) and set
	// PINAnswer.ConfirmLastTry only if the user agrees.
	LastTry bool
	// Problem is the code of the previous failure when asking again:
	// "wrong_pin", "bad_pin_format" or "last_try_needs_confirmation";
	// "" the first time. ProblemMessage has its text.
	Problem string
	// RelyingPartyName is who is asking.
	RelyingPartyName string
}

// ProblemMessage returns the text of Problem in lang, "" if none.
func (q *PINQuestion) ProblemMessage(lang string) string {
	if q.Problem == "" {
		return ""
	}
	tries := -1
	if q.Problem == CodeWrongPIN {
		tries = q.TriesLeft
	}
	return message(q.Problem, q.Credential, tries, lang)
}

// PINAnswer is the user's answer to a PINQuestion. Make it with
// NewPINAnswer. The PIN is not an exported field, so that the toString or
// description the bindings generate never prints it into a log.
type PINAnswer struct {
	// ConfirmLastTry is the user's explicit agreement to use the last try.
	ConfirmLastTry bool
	// Cancel stops Run with the code "cancelled".
	Cancel bool

	pin string
}

// NewPINAnswer returns an answer with the PIN the user typed and their
// agreement (or not) to use the last try.
func NewPINAnswer(pin string, confirmLastTry bool) *PINAnswer {
	return &PINAnswer{pin: pin, ConfirmLastTry: confirmLastTry}
}

// SetPIN sets the PIN of an answer.
func (a *PINAnswer) SetPIN(pin string) { a.pin = pin }

// Result describes a successful login.
type Result struct {
	// RelyingPartyName is who received the answer.
	RelyingPartyName string
	// APDUs is the number of commands sent to the card by Sign (5 on the
	// warm path, about 13 cold).
	APDUs int
	// CertificateRead is true when the certificate was read from the card.
	CertificateRead bool
	// CacheHit is true when the cached certificate was used and accepted.
	CacheHit bool
	// Attempts is the number of runs through the card in this Sign call
	// (more than 1 after a lost tag or a stale cached certificate).
	Attempts int
	// TotalMillis is the wall time of the SDK calls for this login
	// (Prepare, ReadCard, Sign), without time spent in Listener callbacks.
	TotalMillis float64
	// CardMillis is the part spent in the host's Transceive and
	// WaitForCard; NetworkMillis the part in HTTP round trips.
	CardMillis    float64
	NetworkMillis float64
	// AgentMillis is the SDK's own time: Total − Card − Network.
	AgentMillis float64
}
