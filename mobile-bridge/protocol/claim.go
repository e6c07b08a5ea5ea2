package protocol

import "crypto/rand"

// Cross-device safety (docs/security.md): the first agent to fetch a
// transaction claims it with a random token, and only that agent may fetch
// it again or answer it. The page and the agent both show the binding code
// so that the user can see that the phone opened the login on the screen
// in front of them.

// ClaimHeader carries the agent's claim token on GET and POST
// /bridge/v1/tx/{id}. It is required: a request without it is refused
// with CodeClaimRequired.
const ClaimHeader = "Inkan-Agent-Claim"

// ClaimBytes is the size of a claim token (256 bits); ClaimLen is its
// base64url length.
const (
	ClaimBytes = 32
	ClaimLen   = 43
)

// NewClaimToken returns a fresh random claim token. An agent makes one per
// transaction and keeps it until the transaction is answered; like the
// secret, it is a bearer value that must stay out of logs.
func NewClaimToken() string {
	b := make([]byte, ClaimBytes)
	rand.Read(b) // never fails (since Go 1.24 it crashes the program instead)
	return EncodeBase64URL(b)
}

// ValidClaimToken reports whether s has the shape of a claim token:
// ClaimLen strict base64url characters holding ClaimBytes bytes.
func ValidClaimToken(s string) bool { return isB64(s, ClaimLen, ClaimBytes) }

// Binding codes: this provider sends BindingCodeLen decimal digits. Agents
// accept 2 to MaxBindingCodeLen characters of 0-9 and A-Z, so that a
// provider may lengthen the code without breaking them.
const (
	BindingCodeLen    = 2
	MaxBindingCodeLen = 8
)

// NewBindingCode returns a random code of BindingCodeLen decimal digits,
// uniformly distributed.
func NewBindingCode() string {
	code := make([]byte, BindingCodeLen)
	var b [1]byte
	for i := range code {
		for {
			rand.Read(b[:])
			if b[0] < 250 { // 250 = 25×10: no modulo bias
				code[i] = '0' + b[0]%10
				break
			}
		}
	}
	return string(code)
}

// ValidBindingCode reports whether s is a binding code an agent accepts.
func ValidBindingCode(s string) bool {
	if len(s) < 2 || len(s) > MaxBindingCodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
