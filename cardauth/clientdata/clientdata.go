// Package clientdata builds and strictly parses client_data, the message the
// card signs during a bridge login (design.md steps 5–6).
//
// The encoding is one fixed JSON shape with a fixed key order, no whitespace
// and values restricted to printable ASCII without '"' and '\', so that no
// JSON escaping is ever needed and an agent in any language can produce the
// exact bytes by string concatenation. docs/client-data.md is the
// byte-for-byte specification. Because the bytes are canonical, the server
// can re-marshal what it parsed and require equality: two different byte
// strings never mean the same thing, and nothing unsigned can hide in them.
package clientdata

import (
	"bytes"
	"encoding/base64"
	"time"
)

// Types of client_data, one per transaction purpose.
const (
	// TypeAuth is signed with the auth (利用者証明用) key at login.
	TypeAuth = "inkan.bridge.auth.v1"
	// TypeSign is signed with the signature (署名用) key for eKYC.
	TypeSign = "inkan.bridge.sign.v1"
)

// Size limits.
const (
	// MaxSize caps the encoded form. A valid client_data is far smaller
	// (under 500 bytes), so anything larger is rejected before parsing.
	MaxSize = 1024
	// NonceSize is the length of the transaction nonce in bytes (256 bits).
	NonceSize = 32
	// MinTransactionIDLen and MaxTransactionIDLen bound the tx field.
	MinTransactionIDLen = 16
	MaxTransactionIDLen = 64
	// MaxOriginLen bounds the origin field.
	MaxOriginLen = 255
)

// TimeLayout is the only accepted time format: RFC 3339, UTC, whole seconds.
const TimeLayout = "2006-01-02T15:04:05Z"

// nonceEncoding is base64url without padding. Strict rejects encodings with
// non-zero unused bits, which would otherwise give one nonce two spellings.
var nonceEncoding = base64.RawURLEncoding.Strict()

// ClientData is the decoded message.
type ClientData struct {
	// Type is TypeAuth or TypeSign.
	Type string
	// Origin is the origin the agent actually connected to, in the form
	// scheme://host[:port], lowercase, default port omitted (see OriginOf).
	Origin string
	// TransactionID is the card transaction id: 16–64 base64url characters.
	TransactionID string
	// Nonce is the transaction nonce, NonceSize bytes.
	Nonce []byte
	// Time is when the agent built the message. Marshal writes it in UTC
	// and drops fractions of a second.
	Time time.Time
}

// Marshal validates c and returns its canonical encoding. Errors are
// *FieldError.
func (c ClientData) Marshal() ([]byte, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c.encode(), nil
}

// encode writes the canonical bytes of an already validated c. Plain
// concatenation is correct because validated values never need escaping.
func (c ClientData) encode() []byte {
	var b bytes.Buffer
	b.Grow(256)
	b.WriteString(`{"type":"`)
	b.WriteString(c.Type)
	b.WriteString(`","origin":"`)
	b.WriteString(c.Origin)
	b.WriteString(`","tx":"`)
	b.WriteString(c.TransactionID)
	b.WriteString(`","nonce":"`)
	b.WriteString(nonceEncoding.EncodeToString(c.Nonce))
	b.WriteString(`","time":"`)
	b.WriteString(c.Time.UTC().Format(TimeLayout))
	b.WriteString(`"}`)
	return b.Bytes()
}
