package server

import (
	"context"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// consentRecord is what a user agreed to share with one client.
type consentRecord struct {
	Scopes  []string  `json:"scopes"`
	Granted time.Time `json:"granted"`
}

// consentTTL is how long a consent stands before the user is asked again.
const consentTTL = 365 * 24 * time.Hour

// scopeVerifiedClaims asks for OIDC4IDA verified_claims (the basic four
// attributes of a signature certificate). It always needs explicit
// consent, whatever the client's consent setting.
const scopeVerifiedClaims = "verified_claims"

func consentKey(accountID, clientID string) string { return accountID + " " + clientID }

// needsConsent reports whether the user must be asked before this client
// gets these scopes.
func (s *Server) needsConsent(ctx context.Context, accountID string, c *rpClient, scopes, prompt []string) (bool, error) {
	if slices.Contains(prompt, oidc.PromptConsent) {
		return true, nil
	}
	if !c.consent && !slices.Contains(scopes, scopeVerifiedClaims) {
		return false, nil
	}
	var rec consentRecord
	err := getJSON(ctx, s.backend, nsConsent, consentKey(accountID, c.GetID()), &rec)
	if notFound(err) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	for _, sc := range scopes {
		if !slices.Contains(rec.Scopes, sc) {
			return true, nil
		}
	}
	return false, nil
}

// grantConsent records consent to scopes, adding to what was granted before.
func (s *Server) grantConsent(ctx context.Context, accountID, clientID string, scopes []string) error {
	key := consentKey(accountID, clientID)
	var rec consentRecord
	err := getJSON(ctx, s.backend, nsConsent, key, &rec)
	if err != nil && !notFound(err) {
		return err
	}
	for _, sc := range scopes {
		if !slices.Contains(rec.Scopes, sc) {
			rec.Scopes = append(rec.Scopes, sc)
		}
	}
	rec.Granted = s.now().UTC()
	return putJSON(ctx, s.backend, nsConsent, key, rec, consentTTL)
}

// hasConsent reports whether the user consented to scope for the client.
func (s *Server) hasConsent(ctx context.Context, accountID, clientID, scope string) (bool, error) {
	var rec consentRecord
	err := getJSON(ctx, s.backend, nsConsent, consentKey(accountID, clientID), &rec)
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(rec.Scopes, scope), nil
}
