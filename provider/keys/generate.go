package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	jose "github.com/go-jose/go-jose/v4"
)

// rsaBits is the RSA modulus size: the FAPI 2.0 minimum, which keeps
// signing fast; 2048-bit RSA is expected to hold until 2030 and beyond.
const rsaBits = 2048

// newPrivateKey generates a key for alg.
func newPrivateKey(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	switch alg {
	case jose.ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.PS256, jose.RS256:
		return rsa.GenerateKey(rand.Reader, rsaBits)
	}
	return nil, &UnsupportedAlgError{Alg: alg}
}

// fitsAlg reports whether key is of the type alg needs.
func fitsAlg(key crypto.Signer, alg jose.SignatureAlgorithm) bool {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return alg == jose.ES256 && k.Curve == elliptic.P256()
	case *rsa.PrivateKey:
		return (alg == jose.PS256 || alg == jose.RS256) && k.N.BitLen() >= rsaBits
	}
	return false
}

func checkAlg(alg jose.SignatureAlgorithm) error {
	if !slices.Contains(Supported, alg) {
		return &UnsupportedAlgError{Alg: alg}
	}
	return nil
}

// newRecord generates a key for alg and returns its record, sealed, with
// only the times left to fill in.
func newRecord(s *sealer, alg jose.SignatureAlgorithm) (*record, error) {
	priv, err := newPrivateKey(alg)
	if err != nil {
		return nil, err
	}
	pub := jose.JSONWebKey{Key: priv.Public(), Algorithm: string(alg), Use: "sig"}
	// The kid is the RFC 7638 thumbprint: unique per key without a
	// counter to coordinate between instances.
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	pubJSON, err := json.Marshal(pub)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	sealed, err := s.seal(pub.KeyID, alg, der)
	clear(der)
	if err != nil {
		return nil, err
	}
	return &record{KID: pub.KeyID, Alg: alg, Public: pubJSON, Sealed: sealed}, nil
}

// unseal opens r's private key and checks that it matches the published
// public key, so the JWKS can never advertise a key other than the one
// that signs.
func unseal(s *sealer, r *record, pub *jose.JSONWebKey) (crypto.Signer, error) {
	der, err := s.open(r.KID, r.Alg, r.Sealed)
	if err != nil {
		return nil, err
	}
	defer clear(der)
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %v", ErrCorrupt, r.KID, err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok || !fitsAlg(signer, r.Alg) {
		return nil, fmt.Errorf("%w: key %s does not fit %s", ErrCorrupt, r.KID, r.Alg)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := signer.Public().(equaler); !ok || !e.Equal(pub.Key) {
		return nil, fmt.Errorf("%w: key %s does not match its public key", ErrCorrupt, r.KID)
	}
	return signer, nil
}
