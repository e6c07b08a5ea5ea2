package jpki

import (
	"context"
	"crypto"
	"fmt"

	"github.com/inkan-id/inkan/cardauth"
)

// LoginRequest is one card login: sign Message with a key after its PIN.
type LoginRequest struct {
	// Key is the key to sign with: AuthKey (the default) for login,
	// SignKey for an eKYC signature.
	Key KeyKind
	// PIN is the auth PIN or sign password. It is checked for format,
	// sent once and cleared from the APDU buffer; it is never logged.
	PIN string
	// ConfirmLastTry must be true to present the PIN when one try is left.
	ConfirmLastTry bool
	// Message is the exact bytes to sign (the client_data JSON).
	Message []byte
	// Hash is the digest for the DigestInfo; zero means SHA-256.
	Hash crypto.Hash
	// Certificate, if set, is the key's certificate from an earlier login;
	// the card read is skipped (the warm path). The server's verification
	// catches a different card: its signature will not match.
	Certificate []byte
}

// LoginResult is what the agent sends on to the provider.
type LoginResult struct {
	Certificate []byte // DER, read from the card or passed in
	Signature   []byte // PKCS#1 v1.5 over DigestInfo(Hash(Message))
	CertRead    bool   // the certificate was read from the card
}

// Login runs the sequence of jpki.md §2.7 (A) in as few APDUs as the card
// allows, 12 cold and 5 warm for a 1.6 KB certificate:
//
//	SELECT JPKI AP · SELECT PIN EF · VERIFY (counter) · VERIFY (PIN) ·
//	[READ BINARY by SFI, then by offset, 256 bytes a time] · COMPUTE DIGITAL SIGNATURE by SFI
//
// The certificate is read after VERIFY because smartphone tokens demand it,
// which makes reading the token label unnecessary. When the transceiver can
// lock the card (a PC/SC transaction), the whole sequence runs under that
// lock so no other program can reset the verified state between VERIFY and
// the signature.
func (c *Client) Login(ctx context.Context, req LoginRequest) (*LoginResult, error) {
	h := req.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if !h.Available() {
		return nil, fmt.Errorf("%w: %v not linked in", ErrUnsupportedHash, h)
	}
	hh := h.New()
	hh.Write(req.Message)
	di, err := DigestInfo(h, hh.Sum(nil))
	if err != nil {
		return nil, err
	}
	// Refuse a malformed PIN before touching the card at all.
	if _, err := NormalizePIN(req.Key, req.PIN); err != nil {
		return nil, err
	}
	if l, ok := c.t.(cardauth.Locker); ok {
		if err := l.Lock(ctx); err != nil {
			return nil, fmt.Errorf("jpki: lock card: %w", err)
		}
		defer l.Unlock()
	}
	if err := c.Select(ctx); err != nil {
		return nil, err
	}
	if err := c.Verify(ctx, req.Key, req.PIN, req.ConfirmLastTry); err != nil {
		return nil, err
	}
	res := &LoginResult{Certificate: req.Certificate}
	if len(res.Certificate) == 0 {
		if res.Certificate, err = c.ReadCertificate(ctx, req.Key); err != nil {
			return nil, err
		}
		res.CertRead = true
	}
	if res.Signature, err = c.SignDigestInfo(ctx, req.Key, di); err != nil {
		return nil, err
	}
	return res, nil
}
