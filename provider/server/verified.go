package server

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"time"

	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/store"
)

// verifiedAttrs are the basic four attributes of a signature certificate
// and the facts of their verification. They are personal data: sealed
// with AES-256-GCM under a key derived from the master key (and bound to
// the account id) before they reach the store, and released only as
// OIDC4IDA verified_claims to a client the user consented to.
type verifiedAttrs struct {
	Name      string    `json:"name"`
	Birthdate string    `json:"birthdate"`
	Gender    string    `json:"gender,omitempty"`
	Address   string    `json:"address"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	Verified  time.Time `json:"verified"`
	Process   string    `json:"process"`
}

// signatureType names JPKI signature-certificate evidence (a
// collision-resistant value, as OIDC4IDA asks of unregistered ones).
const signatureType = "urn:inkan:sigtype:jpki-sign"

// attributesOp seals a sign login's attributes for the account, as a
// write for the login's batch, replacing older ones: the newest
// verification is what is released.
func (s *Server) attributesOp(accountID string, cl *bridge.CardLogin) (store.Op, error) {
	cert, err := x509.ParseCertificate(cl.Certificate)
	if err != nil {
		return store.Op{}, err
	}
	a := verifiedAttrs{
		Name: cl.Attributes.Name, Birthdate: cl.Attributes.Birthdate, Gender: cl.Attributes.OIDCGender(),
		Address: cl.Attributes.Address, Issuer: cert.Issuer.String(), Serial: cert.SerialNumber.Text(16),
		Verified: cl.VerifiedAt.UTC().Truncate(time.Second), Process: "kyc-" + newID(),
	}
	plain, err := json.Marshal(a)
	if err != nil {
		return store.Op{}, err
	}
	return store.Put(nsAttrs, accountID, []byte(s.attrSeal.seal(plain, "attrs "+accountID)), 0), nil
}

// loadAttributes returns the account's verified attributes, or nil.
func (s *Server) loadAttributes(ctx context.Context, accountID string) (*verifiedAttrs, error) {
	raw, err := s.backend.Get(ctx, nsAttrs, accountID)
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	plain, err := s.attrSeal.open(string(raw), "attrs "+accountID)
	if err != nil {
		return nil, err
	}
	var a verifiedAttrs
	if err := json.Unmarshal(plain, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// verifiedClaims renders OIDC4IDA verified_claims: trust framework jp_aml
// (犯収法), evidence electronic_signature naming the certificate.
func verifiedClaims(a *verifiedAttrs) map[string]any {
	claims := map[string]any{
		"name":      a.Name,
		"birthdate": a.Birthdate,
		"address":   map[string]any{"formatted": a.Address, "country_code": "JPN"},
	}
	if a.Gender != "" {
		claims["gender"] = a.Gender
	}
	t := a.Verified.UTC().Format(time.RFC3339)
	return map[string]any{
		"verification": map[string]any{
			"trust_framework":      "jp_aml",
			"time":                 t,
			"verification_process": a.Process,
			"evidence": []any{map[string]any{
				"type":           "electronic_signature",
				"signature_type": signatureType,
				"issuer":         a.Issuer,
				"serial_number":  a.Serial,
				"created_at":     t,
			}},
		},
		"claims": claims,
	}
}
