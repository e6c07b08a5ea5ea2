package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Size caps of a Response. A real answer is about 2.5 KB: client_data under
// 500 bytes, a 1.6 KB certificate, a 256-byte signature, all in base64url.
const (
	// MaxResponseSize caps the POST body.
	MaxResponseSize = 32 << 10
	// MaxClientDataSize is the client_data cap of docs/client-data.md.
	MaxClientDataSize = 1024
	// MaxCertificateSize caps the certificate DER.
	MaxCertificateSize = 8 << 10
	// MaxSignatureSize caps the signature (RSA-4096 is 512 bytes).
	MaxSignatureSize = 1024
)

// MaxTransactionSize caps a Transaction body an agent accepts.
const MaxTransactionSize = 16 << 10

// DecodeError says why a body was refused. Field is the JSON key, or ""
// for the body as a whole.
type DecodeError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *DecodeError) Error() string {
	if e.Field == "" {
		return "protocol: bad body: " + e.Reason
	}
	return "protocol: bad body: field " + e.Field + ": " + e.Reason
}

// responseFields are the keys of a Response and their size caps.
var responseFields = map[string]int{
	"client_data": MaxClientDataSize,
	"certificate": MaxCertificateSize,
	"signature":   MaxSignatureSize,
}

// DecodeResponse parses a POST body strictly: exactly one JSON object with
// exactly the three keys, each once, each a non-empty base64url string
// within its cap, nothing after the object. Errors are *DecodeError.
func DecodeResponse(b []byte) (*Response, error) {
	if len(b) > MaxResponseSize {
		return nil, &DecodeError{Reason: fmt.Sprintf("larger than %d bytes", MaxResponseSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, &DecodeError{Reason: "want a JSON object"}
	}
	vals := make(map[string]Base64URL, 3)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, &DecodeError{Reason: "not valid JSON"}
		}
		key, _ := tok.(string)
		limit, known := responseFields[key]
		if !known {
			return nil, &DecodeError{Reason: fmt.Sprintf("unknown key %.40q", key)}
		}
		if _, dup := vals[key]; dup {
			return nil, &DecodeError{Field: key, Reason: "given twice"}
		}
		var v Base64URL
		if err := dec.Decode(&v); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, &DecodeError{Reason: "not valid JSON"}
			}
			return nil, &DecodeError{Field: key, Reason: errNotBase64URL.Error()}
		}
		switch {
		case len(v) == 0:
			return nil, &DecodeError{Field: key, Reason: "empty"}
		case len(v) > limit:
			return nil, &DecodeError{Field: key, Reason: fmt.Sprintf("larger than %d bytes", limit)}
		}
		vals[key] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, &DecodeError{Reason: "not valid JSON"}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &DecodeError{Reason: "data after the object"}
	}
	for k := range responseFields {
		if _, ok := vals[k]; !ok {
			return nil, &DecodeError{Field: k, Reason: "missing"}
		}
	}
	return &Response{ClientData: vals["client_data"], Certificate: vals["certificate"], Signature: vals["signature"]}, nil
}

// DecodeTransaction parses and checks a GET body on the agent side.
// Unknown fields are ignored (a newer provider may add some); the fields an
// agent relies on must be well-formed. Errors are *DecodeError.
func DecodeTransaction(b []byte) (*Transaction, error) {
	if len(b) > MaxTransactionSize {
		return nil, &DecodeError{Reason: fmt.Sprintf("larger than %d bytes", MaxTransactionSize)}
	}
	var t Transaction
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, &DecodeError{Reason: "not a transaction object"}
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate checks the fields an agent relies on.
func (t *Transaction) Validate() error {
	switch {
	case !isB64(t.ID, IDLen, IDBytes):
		return &DecodeError{Field: "id", Reason: "want 22 base64url characters"}
	case !t.Purpose.Valid():
		return &DecodeError{Field: "purpose", Reason: `want "auth" or "sign"`}
	case !isB64(t.Nonce, NonceLen, NonceBytes):
		return &DecodeError{Field: "nonce", Reason: "want 43 base64url characters (32 bytes)"}
	case t.CreatedAt.IsZero() || t.ExpiresAt.IsZero() || !t.ExpiresAt.After(t.CreatedAt):
		return &DecodeError{Field: "expires_at", Reason: "missing, or not after created_at"}
	case t.ExpiresAt.Sub(t.CreatedAt) > 10*time.Minute:
		return &DecodeError{Field: "expires_at", Reason: "lifetime over 10 minutes"}
	case !validOrigin(t.Origin):
		return &DecodeError{Field: "origin", Reason: "want http(s)://host[:port]"}
	case !ValidBindingCode(t.BindingCode):
		return &DecodeError{Field: "binding_code", Reason: "want 2–8 characters 0-9 A-Z"}
	}
	return nil
}

// validOrigin checks the shape of an origin for display and comparison
// (the agent compares it with the link's origin byte for byte).
func validOrigin(o string) bool {
	rest, ok := strings.CutPrefix(o, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(o, "http://")
	}
	if !ok || rest == "" || len(o) > 300 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c <= ' ' || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@' || c == '\\' {
			return false
		}
	}
	return true
}

// NonceBytes returns the decoded nonce.
func (t *Transaction) NonceBytes() ([]byte, error) {
	n, err := b64.DecodeString(t.Nonce)
	if err != nil || len(n) != NonceBytes {
		return nil, &DecodeError{Field: "nonce", Reason: "want 32 bytes in base64url"}
	}
	return n, nil
}

// DecodeErrorBody parses an error body. It returns nil when b is not one (an
// error page from a proxy, say), so the caller can fall back to the HTTP
// status.
func DecodeErrorBody(b []byte, status int) *Error {
	var e Error
	if len(b) > MaxTransactionSize || json.Unmarshal(b, &e) != nil || e.Code == "" {
		return nil
	}
	e.HTTPStatus = status
	// Fill in texts for a known code when a terse server left them out.
	if std, ok := texts[e.Code]; ok {
		if e.Message == "" {
			e.Message = std[0]
		}
		if e.MessageJA == "" {
			e.MessageJA = std[1]
		}
	}
	return &e
}
