package protocol

import (
	"bytes"
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

// UnmarshalJSON decodes a base64url string. A string without escapes (the
// only form an agent sends) is decoded from between its quotes, without a
// second JSON pass.
func (b *Base64URL) UnmarshalJSON(data []byte) error {
	// null would decode to an empty string; a missing value is an error.
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return errNotBase64URL
	}
	s := data[1 : len(data)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		var u string
		if err := json.Unmarshal(data, &u); err != nil {
			return errNotBase64URL
		}
		s = []byte(u)
	}
	v, err := decodeStrict(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// decodeStrict decodes base64url without padding. encoding/base64 skips
// '\r' and '\n' even in strict mode; they are refused here, so that each
// byte string has exactly one spelling.
func decodeStrict(s []byte) ([]byte, error) {
	for _, c := range s {
		if !isBase64URL(c) {
			return nil, errNotBase64URL
		}
	}
	v := make([]byte, b64.DecodedLen(len(s)))
	n, err := b64.Decode(v, s)
	if err != nil {
		return nil, errNotBase64URL
	}
	return v[:n], nil
}

// isBase64URL reports whether c is in the base64url alphabet.
func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// EncodeBase64URL returns b as base64url without padding, the form of
// every id, secret, token and nonce of the protocol.
func EncodeBase64URL(b []byte) string { return b64.EncodeToString(b) }

// DecodeBase64URL decodes base64url without padding, strictly.
func DecodeBase64URL(s string) ([]byte, error) { return decodeStrict([]byte(s)) }
