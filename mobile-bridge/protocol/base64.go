package protocol

import (
	"encoding/base64"
	"encoding/json"
	"errors"
)

// b64 is base64url without padding (RFC 4648 §5). Strict refuses non-zero
// unused bits, so each byte string has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// Base64URL is a byte string carried in JSON as base64url without padding.
// Decoding is strict: padding, the standard alphabet ('+', '/'), whitespace
// and non-zero unused bits are refused.
type Base64URL []byte

// MarshalJSON encodes b as a base64url string.
func (b Base64URL) MarshalJSON() ([]byte, error) {
	return json.Marshal(b64.EncodeToString(b))
}

// errNotBase64URL is returned for a JSON value that is not a strict
// base64url string; callers wrap it with the field name.
var errNotBase64URL = errors.New("not a base64url string without padding")

// UnmarshalJSON decodes a base64url string.
func (b *Base64URL) UnmarshalJSON(data []byte) error {
	var s string
	// null would decode to an empty string; a missing value is an error.
	if string(data) == "null" {
		return errNotBase64URL
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return errNotBase64URL
	}
	v, err := b64.DecodeString(s)
	if err != nil {
		return errNotBase64URL
	}
	*b = v
	return nil
}

// EncodeBase64URL returns b as base64url without padding, the form of
// every id, secret, token and nonce of the protocol.
func EncodeBase64URL(b []byte) string { return b64.EncodeToString(b) }

// DecodeBase64URL decodes base64url without padding, strictly.
func DecodeBase64URL(s string) ([]byte, error) { return b64.DecodeString(s) }
