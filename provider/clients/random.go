package clients

import (
	"crypto/rand"
	"encoding/base64"
)

// token returns n random bytes in base64url without padding. crypto/rand
// does not fail on supported platforms (it panics instead of returning
// short), so there is no error to handle.
func token(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newClientID is 128 random bits: unguessable, and URL-unreserved so it
// passes clientmeta.CheckID.
func newClientID() string { return token(16) }

// newSecret is a 256-bit client secret or registration access token.
func newSecret() string { return token(32) }
