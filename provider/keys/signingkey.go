package keys

import (
	"crypto"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// SigningKey is a private key ready to sign, as Manager.Signer returns it.
// It satisfies zitadel's op.SigningKey, so it can be returned from
// op.Storage.SigningKey as is. It is a small value: holding one does not
// keep a rotated key alive in the Manager.
type SigningKey struct {
	kid    string
	alg    jose.SignatureAlgorithm
	signer crypto.Signer
}

var _ op.SigningKey = SigningKey{}

// ID returns the key id, which goes into the JWS "kid" header.
func (k SigningKey) ID() string { return k.kid }

// Algorithm returns the JWS algorithm the key signs with.
func (k SigningKey) Algorithm() jose.SignatureAlgorithm { return k.alg }

// SignatureAlgorithm is Algorithm under the name op.SigningKey uses.
func (k SigningKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }

// Key returns the private key, typed any as op.SigningKey requires. Its
// dynamic type is *ecdsa.PrivateKey or *rsa.PrivateKey, both crypto.Signer;
// go-jose accepts either directly.
func (k SigningKey) Key() any { return k.signer }

// Signer returns the private key as a crypto.Signer.
func (k SigningKey) Signer() crypto.Signer { return k.signer }

// publicKey adapts a published JWK to op.Key for op.Storage.KeySet.
type publicKey struct{ jwk jose.JSONWebKey }

var _ op.Key = publicKey{}

func (k publicKey) ID() string { return k.jwk.KeyID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm {
	return jose.SignatureAlgorithm(k.jwk.Algorithm)
}
func (k publicKey) Use() string { return k.jwk.Use }
func (k publicKey) Key() any    { return k.jwk.Key }
