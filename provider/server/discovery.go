package server

import (
	"context"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// metadata is the provider's OpenID Connect Discovery 1.0 and RFC 8414
// document. It is written here, not by the library, because the library's
// is untrue for this provider (oidc.md §1.6 D4): it offers implicit, the
// jwt-bearer grant, plain-only auth signing algorithms and public subjects
// only. Every value below is something the code enforces.
type metadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
	RegistrationEndpoint  string `json:"registration_endpoint,omitempty"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
	EndSessionEndpoint    string `json:"end_session_endpoint"`

	ScopesSupported        []string `json:"scopes_supported"`
	ResponseTypesSupported []string `json:"response_types_supported"`
	ResponseModesSupported []string `json:"response_modes_supported"`
	GrantTypesSupported    []string `json:"grant_types_supported"`
	ACRValuesSupported     []string `json:"acr_values_supported"`
	SubjectTypesSupported  []string `json:"subject_types_supported"`
	PromptValuesSupported  []string `json:"prompt_values_supported"`

	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`

	TokenEndpointAuthMethodsSupported                  []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValuesSupported         []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IntrospectionEndpointAuthMethodsSupported          []string `json:"introspection_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthSigningAlgValuesSupported []string `json:"introspection_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthMethodsSupported             []string `json:"revocation_endpoint_auth_methods_supported"`
	RevocationEndpointAuthSigningAlgValuesSupported    []string `json:"revocation_endpoint_auth_signing_alg_values_supported"`

	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
	AuthorizationResponseIssParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
	ClaimsSupported                            []string `json:"claims_supported"`
	ClaimTypesSupported                        []string `json:"claim_types_supported"`
	ClaimsParameterSupported                   bool     `json:"claims_parameter_supported"`
	RequestParameterSupported                  bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported               bool     `json:"request_uri_parameter_supported"`
	UILocalesSupported                         []string `json:"ui_locales_supported"`

	// OpenID Connect for Identity Assurance 1.0 §8.
	VerifiedClaimsSupported         bool     `json:"verified_claims_supported"`
	TrustFrameworksSupported        []string `json:"trust_frameworks_supported"`
	EvidenceSupported               []string `json:"evidence_supported"`
	ClaimsInVerifiedClaimsSupported []string `json:"claims_in_verified_claims_supported"`
}

func algNames(algs []jose.SignatureAlgorithm) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

// metadataDoc builds the discovery document.
func (s *Server) metadataDoc() *metadata {
	secretAndJWT := []string{string(oidc.AuthMethodBasic), string(oidc.AuthMethodPost), string(oidc.AuthMethodPrivateKeyJWT)}
	withNone := append(secretAndJWT[:3:3], string(oidc.AuthMethodNone))
	m := &metadata{
		Issuer:                s.issuer,
		AuthorizationEndpoint: s.endpoint(pathAuthorize),
		TokenEndpoint:         s.endpoint(pathToken),
		UserinfoEndpoint:      s.endpoint(pathUserinfo),
		JWKSURI:               s.endpoint(pathJWKS),
		IntrospectionEndpoint: s.endpoint(pathIntrospect),
		RevocationEndpoint:    s.endpoint(pathRevoke),
		EndSessionEndpoint:    s.endpoint(pathEndSession),

		ScopesSupported:        []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess, scopeVerifiedClaims},
		ResponseTypesSupported: []string{string(oidc.ResponseTypeCode)},
		ResponseModesSupported: []string{"query", "fragment", "form_post"},
		GrantTypesSupported: []string{string(oidc.GrantTypeCode), string(oidc.GrantTypeRefreshToken),
			string(oidc.GrantTypeClientCredentials)},
		ACRValuesSupported:    []string{ACRCard, ACRCardSoftFail},
		SubjectTypesSupported: []string{subjectPairwise, subjectPublic},
		PromptValuesSupported: []string{oidc.PromptNone, oidc.PromptLogin, oidc.PromptConsent, oidc.PromptSelectAccount},

		IDTokenSigningAlgValuesSupported: algNames(idTokenAlgs),

		TokenEndpointAuthMethodsSupported:                  withNone,
		TokenEndpointAuthSigningAlgValuesSupported:         algNames(assertionAlgs),
		IntrospectionEndpointAuthMethodsSupported:          secretAndJWT,
		IntrospectionEndpointAuthSigningAlgValuesSupported: algNames(assertionAlgs),
		RevocationEndpointAuthMethodsSupported:             withNone,
		RevocationEndpointAuthSigningAlgValuesSupported:    algNames(assertionAlgs),

		CodeChallengeMethodsSupported:              []string{string(oidc.CodeChallengeMethodS256)},
		AuthorizationResponseIssParameterSupported: true,
		ClaimsSupported: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr",
			"sid", "azp", "at_hash", "c_hash", "verified_claims"},
		ClaimTypesSupported: []string{"normal"},
		UILocalesSupported:  []string{"ja", "en"},

		VerifiedClaimsSupported:         true,
		TrustFrameworksSupported:        []string{"jp_aml"},
		EvidenceSupported:               []string{"electronic_signature"},
		ClaimsInVerifiedClaimsSupported: []string{"name", "birthdate", "gender", "address"},
	}
	if s.cfg.RegistrationPath != "" {
		m.RegistrationEndpoint = s.endpoint(s.cfg.RegistrationPath)
	}
	return m
}

// Discovery serves /.well-known/openid-configuration.
func (s *Server) Discovery(context.Context, *op.Request[struct{}]) (*op.Response, error) {
	return op.NewResponse(s.metadataDoc()), nil
}

// metadataHandler serves RFC 8414's /.well-known/oauth-authorization-server.
func (s *Server) metadataHandler(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.metadataDoc())
}

// Keys serves the JWKS: every published public key, including ones
// published ahead of use and ones kept after retirement. It reads the key
// set afresh (at most once a second): a relying party that met an unknown
// kid asks here, and the key may be one another instance just made.
func (s *Server) Keys(ctx context.Context, _ *op.Request[struct{}]) (*op.Response, error) {
	keys, err := s.keys.freshPublicKeys(ctx)
	if err != nil {
		return nil, s.internal(ctx, "jwks", err)
	}
	if keys == nil {
		keys = []jose.JSONWebKey{}
	}
	return op.NewResponse(&jose.JSONWebKeySet{Keys: keys}), nil
}
