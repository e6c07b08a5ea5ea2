package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"

	jose "github.com/go-jose/go-jose/v4"
)

// MasterKeySize is the size of the master key: AES-256.
const MasterKeySize = 32

// sealer encrypts private keys under the master key.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(masterKey []byte) (*sealer, error) {
	if len(masterKey) != MasterKeySize {
		return nil, errors.New("keys: the master key must be 32 bytes")
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// aad binds a sealed key to its id and algorithm, so that swapping sealed
// blobs between entries, or relabelling an RS256 key as PS256, fails to
// open instead of silently signing with the wrong key.
func aad(kid string, alg jose.SignatureAlgorithm) []byte {
	return []byte("inkan/keys/v1\x00" + string(alg) + "\x00" + kid)
}

// seal returns nonce || ciphertext. A random 96-bit nonce is safe here: a
// master key seals a handful of keys per rotation, far below the 2^32
// messages at which random GCM nonces start to risk collision.
func (s *sealer) seal(kid string, alg jose.SignatureAlgorithm, plain []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, plain, aad(kid, alg)), nil
}

func (s *sealer) open(kid string, alg jose.SignatureAlgorithm, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, &DecryptError{KID: kid}
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], aad(kid, alg))
	if err != nil {
		return nil, &DecryptError{KID: kid}
	}
	return plain, nil
}
