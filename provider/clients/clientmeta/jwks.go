package clientmeta

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// MaxJWKSKeys bounds the keys in a client's set: enough for rotation, few
// enough that a registration cannot make every assertion check slow.
const MaxJWKSKeys = 16

// MinRSABits is the smallest RSA modulus accepted (FAPI 2.0 §5.4).
const MinRSABits = 2048

// ParseJWKS parses a client's JWK Set (RFC 7517 §5) and checks that it can
// serve for private_key_jwt: 1 to MaxJWKSKeys public signature keys (RSA of
// at least 2048 bits, EC P-256/P-384/P-521 or Ed25519), each with a kid
// unless it is alone, no two with the same kid, and an alg, when given,
// that fits the key.
func ParseJWKS(raw []byte) (*jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("not a valid JWK Set: %v", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New(`"keys" is empty`)
	}
	if len(set.Keys) > MaxJWKSKeys {
		return nil, fmt.Errorf("more than %d keys", MaxJWKSKeys)
	}
	seen := make(map[string]bool, len(set.Keys))
	for i, k := range set.Keys {
		if err := checkJWK(k, len(set.Keys) > 1); err != nil {
			return nil, fmt.Errorf("key %d: %v", i, err)
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("key %d: duplicate kid %q", i, k.KeyID)
		}
		seen[k.KeyID] = true
	}
	return &set, nil
}

func checkJWK(k jose.JSONWebKey, needKID bool) error {
	if !k.IsPublic() {
		return errors.New("must be a public key (no private or symmetric key material)")
	}
	if !k.Valid() {
		return errors.New("invalid key")
	}
	if k.Use != "" && k.Use != "sig" {
		return fmt.Errorf(`"use" must be "sig", not %q`, k.Use)
	}
	if needKID && k.KeyID == "" {
		return errors.New(`"kid" is required when the set has several keys`)
	}
	var algs []jose.SignatureAlgorithm
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < MinRSABits {
			return fmt.Errorf("RSA key of %d bits; at least %d required", pub.N.BitLen(), MinRSABits)
		}
		algs = []jose.SignatureAlgorithm{jose.PS256, jose.PS384, jose.PS512, jose.RS256, jose.RS384, jose.RS512}
	case *ecdsa.PublicKey:
		switch pub.Curve.Params().Name {
		case "P-256":
			algs = []jose.SignatureAlgorithm{jose.ES256}
		case "P-384":
			algs = []jose.SignatureAlgorithm{jose.ES384}
		case "P-521":
			algs = []jose.SignatureAlgorithm{jose.ES512}
		default:
			return errors.New("unsupported curve")
		}
	case ed25519.PublicKey:
		algs = []jose.SignatureAlgorithm{jose.EdDSA}
	default:
		return errors.New("unsupported key type")
	}
	if k.Algorithm != "" && !slices.Contains(algs, jose.SignatureAlgorithm(k.Algorithm)) {
		return fmt.Errorf("alg %q does not fit this key", k.Algorithm)
	}
	return nil
}
