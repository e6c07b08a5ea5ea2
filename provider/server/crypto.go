package server

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"
)

var b64 = base64.RawURLEncoding

// deriveKey derives a 32-byte key for one purpose from the master key
// (HKDF-SHA256, RFC 5869), so that no two uses share key material and the
// master key itself never keys anything.
func deriveKey(master []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, purpose, 32)
	if err != nil {
		panic("server: hkdf: " + err.Error()) // only for lengths far beyond 32
	}
	return k
}

// newSecret returns 256 random bits in base64url: codes, tokens, session
// ids (FAPI 2.0 §5.4 asks for at least 128).
func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return b64.EncodeToString(b[:])
}

// newID returns 128 random bits in base64url, for identifiers that are not
// credentials on their own (auth request ids, jti, family and account ids).
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return b64.EncodeToString(b[:])
}

// hashKey is the store key of a secret: SHA-256 in base64url. Keying by
// hash means a copy of the store hands out no usable codes, tokens or
// session cookies, and fixes the key length whatever the client sent.
func hashKey(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return b64.EncodeToString(h[:])
}

// equalHash compares a secret with a stored hashKey in constant time.
func equalHash(secret, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(hashKey(secret)), []byte(stored)) == 1
}

// sealer encrypts small values with AES-256-GCM. The associated data binds
// a ciphertext to the record it belongs to, so ciphertexts cannot be moved
// between records.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead}, nil
}

// seal returns nonce‖ciphertext in base64url.
func (s *sealer) seal(plain []byte, ad string) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	return b64.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(ad)))
}

var errUnseal = errors.New("server: sealed value does not decrypt")

// open reverses seal.
func (s *sealer) open(sealed, ad string) ([]byte, error) {
	raw, err := b64.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return nil, errUnseal
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(ad))
	if err != nil {
		return nil, errUnseal
	}
	return plain, nil
}

// idLen is the length of newID's values.
const idLen = 22

// familyToken returns a new refresh token or opaque access token. One
// that belongs to a refresh-token family names it in front
// ("family.secret"): the family id is no credential (the secret is), and
// it lets one read fetch the token's record and its family's together.
func familyToken(family string) string {
	if family == "" {
		return newSecret()
	}
	return family + "." + newSecret()
}

// sessionCode returns a new authorization code with its session's sid in
// front, in familyToken's shape: the code exchange reads the session
// along with the code (familyOf gives the sid back).
func sessionCode(sid string) string { return familyToken(sid) }

// familyJTI is familyToken for a JWT access token's jti.
func familyJTI(family string) string {
	if family == "" {
		return newID()
	}
	return family + "." + newID()
}

// familyOf returns the family a token or jti names in front, or "" when
// it names none (client_credentials, tokens from before). It is a hint
// only: what counts is the family in the token's record.
func familyOf(tok string) string {
	fam, _, ok := strings.Cut(tok, ".")
	if !ok || !isBase64URL(fam, idLen) {
		return ""
	}
	return fam
}
