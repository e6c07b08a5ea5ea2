package jpki

import (
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
)

// DigestInfo prefixes (RFC 8017 §9.2, note 1): the DER of
// DigestInfo{AlgorithmIdentifier, OCTET STRING} up to the hash itself.
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// ErrUnsupportedHash: only SHA-256, SHA-384 and SHA-512 are offered; SHA-1
// is weak and the card's other schemes are not used.
var ErrUnsupportedHash = errors.New("jpki: unsupported hash")

// DigestInfo returns the DER DigestInfo for digest made with h.
func DigestInfo(h crypto.Hash, digest []byte) ([]byte, error) {
	prefix, ok := digestInfoPrefix[h]
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrUnsupportedHash, h)
	}
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("jpki: %v digest of %d bytes, want %d", h, len(digest), h.Size())
	}
	out := make([]byte, 0, len(prefix)+len(digest))
	out = append(out, prefix...)
	return append(out, digest...), nil
}

// Signer returns key k as a crypto.Signer, so the card can sign for
// libraries such as crypto/x509 or CMS packages (jpki.md §12). pub is the
// public key from k's certificate. The key's PIN must already be verified in
// this card session. It signs PKCS#1 v1.5 over SHA-256, SHA-384 or SHA-512
// and refuses PSS, which P1 00 cannot do.
func (c *Client) Signer(ctx context.Context, k KeyKind, pub crypto.PublicKey) crypto.Signer {
	return &cardSigner{ctx: ctx, c: c, k: k, pub: pub}
}

type cardSigner struct {
	ctx context.Context
	c   *Client
	k   KeyKind
	pub crypto.PublicKey
}

func (s *cardSigner) Public() crypto.PublicKey { return s.pub }

func (s *cardSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, pss := opts.(*rsa.PSSOptions); pss {
		return nil, fmt.Errorf("%w: PSS is not used with P1 00", ErrUnsupportedHash)
	}
	di, err := DigestInfo(opts.HashFunc(), digest)
	if err != nil {
		return nil, err
	}
	return s.c.SignDigestInfo(s.ctx, s.k, di)
}
