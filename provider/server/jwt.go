package server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"hash"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
)

// signingKey is a private key the provider signs with.
type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

// keySource is what the server needs of the key manager.
type keySource interface {
	// signer returns the current key for alg.
	signer(ctx context.Context, alg jose.SignatureAlgorithm) (signingKey, error)
	// publicKeys returns every published public key (the JWKS).
	publicKeys(ctx context.Context) ([]jose.JSONWebKey, error)
	// freshPublicKeys is publicKeys read from the store now (at most once
	// a second): for the key set endpoint, and for a kid the cached set
	// does not know, which may be a key another instance just made.
	freshPublicKeys(ctx context.Context) ([]jose.JSONWebKey, error)
}

// idTokenAlgs are the ID token algorithms offered. RS256 is there because
// OpenID Connect conformance requires it; it is used only for clients that
// register id_token_signed_response_alg RS256.
var idTokenAlgs = []jose.SignatureAlgorithm{jose.ES256, jose.PS256, jose.RS256}

func idTokenAlgSupported(a jose.SignatureAlgorithm) bool {
	for _, x := range idTokenAlgs {
		if x == a {
			return true
		}
	}
	return false
}

// Token types in the JWS typ header.
const (
	typAccessToken = "at+jwt" // RFC 9068 §2.1
	typIDToken     = "JWT"
)

// signJWT signs claims with the current key for alg.
func (s *Server) signJWT(ctx context.Context, alg jose.SignatureAlgorithm, typ string, claims any) (string, error) {
	k, err := s.keys.signer(ctx, alg)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	var key any
	switch k.key.(type) {
	case *ecdsa.PrivateKey, *rsa.PrivateKey, ed25519.PrivateKey:
		key = k.key
	default: // an HSM or KMS signer
		key = cryptosigner.Opaque(k.key)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: key, KeyID: k.id}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)))
	if err != nil {
		return "", fmt.Errorf("signer for %s key %s: %w", k.alg, k.id, err)
	}
	jws, err := sig.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

var errBadOwnToken = errors.New("server: not a token signed by this provider")

// verifyOwnJWT checks a JWT this provider signed (an access token or an
// ID token hint) and returns its payload. typ, when set, must match the
// header (case-insensitively, RFC 8725 §3.11). Expiry is the caller's
// business: an expired id_token_hint is still a valid hint.
func (s *Server) verifyOwnJWT(ctx context.Context, token, typ string) ([]byte, error) {
	if len(token) > 16<<10 {
		return nil, errBadOwnToken
	}
	jws, err := jose.ParseSigned(token, idTokenAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, errBadOwnToken
	}
	h := jws.Signatures[0].Protected
	if typ != "" {
		t, _ := h.ExtraHeaders[jose.HeaderType].(string)
		if !equalFold(t, typ) {
			return nil, errBadOwnToken
		}
	}
	keys, err := s.keys.publicKeys(ctx)
	if err != nil {
		return nil, err
	}
	k := keyByID(keys, h.KeyID, h.Algorithm)
	if k == nil {
		// A key another instance made a moment ago is not in the cached
		// set yet.
		if keys, err = s.keys.freshPublicKeys(ctx); err != nil {
			return nil, err
		}
		if k = keyByID(keys, h.KeyID, h.Algorithm); k == nil {
			return nil, errBadOwnToken
		}
	}
	if payload, err := jws.Verify(k); err == nil {
		return payload, nil
	}
	return nil, errBadOwnToken
}

// keyByID is the key of keys with kid, if its algorithm (when it names
// one) is alg.
func keyByID(keys []jose.JSONWebKey, kid, alg string) *jose.JSONWebKey {
	for i := range keys {
		if keys[i].KeyID == kid && (keys[i].Algorithm == "" || keys[i].Algorithm == alg) {
			return &keys[i]
		}
	}
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// halfHash is at_hash / c_hash (OIDC Core §3.1.3.6, §3.3.2.11): the left
// half of the hash that goes with alg, in base64url.
func halfHash(alg jose.SignatureAlgorithm, v string) string {
	var h hash.Hash
	switch alg {
	case jose.ES384, jose.PS384, jose.RS384:
		h = sha512.New384()
	case jose.ES512, jose.PS512, jose.RS512, jose.EdDSA:
		h = sha512.New()
	default:
		h = sha256.New()
	}
	h.Write([]byte(v))
	sum := h.Sum(nil)
	return b64.EncodeToString(sum[:len(sum)/2])
}
