package clients

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/inkan-id/inkan/provider/clients/clientmeta"
)

// Limits on a registration request.
const (
	// MaxRegistrationBody bounds the request body.
	MaxRegistrationBody = 64 << 10
	// MaxRedirectURIs bounds redirect_uris and post_logout_redirect_uris.
	MaxRedirectURIs = 20
	// MaxClientName bounds client_name, in characters.
	MaxClientName = 200
)

// regRequest is the client metadata of RFC 7591 §2 (and OpenID Connect
// Dynamic Client Registration §2) that the provider reads. Other members
// are ignored, as RFC 7591 §2 requires; the ones declared as RawMessage are
// understood and refused.
type regRequest struct {
	RedirectURIs             []string        `json:"redirect_uris"`
	PostLogoutRedirectURIs   []string        `json:"post_logout_redirect_uris"`
	TokenEndpointAuthMethod  *string         `json:"token_endpoint_auth_method"`
	GrantTypes               []string        `json:"grant_types"`
	ResponseTypes            []string        `json:"response_types"`
	ClientName               string          `json:"client_name"`
	Scope                    *string         `json:"scope"`
	JWKS                     json.RawMessage `json:"jwks"`
	SubjectType              string          `json:"subject_type"`
	IDTokenSignedResponseAlg string          `json:"id_token_signed_response_alg"`

	// RFC 7592 update only.
	ClientID     string  `json:"client_id"`
	ClientSecret *string `json:"client_secret"`

	// Understood and refused.
	JWKSURI                      json.RawMessage `json:"jwks_uri"`
	SectorIdentifierURI          json.RawMessage `json:"sector_identifier_uri"`
	SoftwareStatement            json.RawMessage `json:"software_statement"`
	IDTokenEncryptedResponseAlg  json.RawMessage `json:"id_token_encrypted_response_alg"`
	UserinfoEncryptedResponseAlg json.RawMessage `json:"userinfo_encrypted_response_alg"`
}

// regError is an RFC 7591 §3.2.2 error.
type regError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

func (e *regError) Error() string { return e.Code + ": " + e.Description }

func metaErr(format string, args ...any) *regError {
	return &regError{Code: "invalid_client_metadata", Description: fmt.Sprintf(format, args...)}
}

func redirectErr(format string, args ...any) *regError {
	return &regError{Code: "invalid_redirect_uri", Description: fmt.Sprintf(format, args...)}
}

// parseRequest decodes one JSON object. Trailing data, a non-object and
// members of the wrong type are refused.
func parseRequest(body io.Reader) (*regRequest, *regError) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, metaErr("request body unreadable or larger than %d bytes", MaxRegistrationBody)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, metaErr("the body must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var req regRequest
	if err := dec.Decode(&req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, metaErr("%s: wrong type (%s)", te.Field, te.Value)
		}
		return nil, metaErr("malformed JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, metaErr("data after the JSON object")
	}
	return &req, nil
}

// regPolicy is what the handler allows, from RegistrationOptions.
type regPolicy struct {
	allowHTTP     bool
	allowedScopes []string
}

// normalize validates req and returns the metadata to store, with defaults
// filled in (RFC 7591 §2: token_endpoint_auth_method client_secret_basic,
// grant_types authorization_code, response_types code). It touches
// nothing, so a refused request changes nothing.
func (p regPolicy) normalize(req *regRequest) (*Metadata, *regError) {
	for _, f := range []struct {
		name string
		v    json.RawMessage
		hint string
	}{
		{"jwks_uri", req.JWKSURI, "; send the keys in jwks"},
		{"sector_identifier_uri", req.SectorIdentifierURI, "; pairwise clients keep their redirect_uris on one host"},
		{"software_statement", req.SoftwareStatement, ""},
		{"id_token_encrypted_response_alg", req.IDTokenEncryptedResponseAlg, ""},
		{"userinfo_encrypted_response_alg", req.UserinfoEncryptedResponseAlg, ""},
	} {
		if f.v != nil && string(f.v) != "null" {
			return nil, metaErr("%s is not supported%s", f.name, f.hint)
		}
	}
	m := &Metadata{
		AuthMethod:      oidc.AuthMethodBasic,
		SubjectType:     clientmeta.SubjectPairwise,
		AccessTokenType: clientmeta.AccessTokenJWT,
		ConsentRequired: true,
		Dynamic:         true,
	}

	if req.TokenEndpointAuthMethod != nil {
		if !slices.Contains(clientmeta.AuthMethods, *req.TokenEndpointAuthMethod) {
			return nil, metaErr("token_endpoint_auth_method must be one of %s", strings.Join(clientmeta.AuthMethods, ", "))
		}
		m.AuthMethod = oidc.AuthMethod(*req.TokenEndpointAuthMethod)
	}

	grants := req.GrantTypes
	if grants == nil {
		grants = []string{clientmeta.GrantAuthorizationCode}
	}
	if len(grants) == 0 {
		return nil, metaErr("grant_types must not be empty")
	}
	for i, g := range grants {
		if !slices.Contains(clientmeta.GrantTypes, g) {
			return nil, metaErr("grant_types[%d]: must be authorization_code, refresh_token or client_credentials", i)
		}
		if slices.Index(grants, g) != i {
			return nil, metaErr("grant_types[%d]: duplicate", i)
		}
		m.GrantTypes = append(m.GrantTypes, oidc.GrantType(g))
	}
	code := slices.Contains(grants, clientmeta.GrantAuthorizationCode)
	if slices.Contains(grants, clientmeta.GrantRefreshToken) && !code {
		return nil, metaErr("grant_types: refresh_token needs authorization_code")
	}
	if slices.Contains(grants, clientmeta.GrantClientCredentials) && m.AuthMethod == oidc.AuthMethodNone {
		return nil, metaErr("grant_types: client_credentials needs client authentication, not token_endpoint_auth_method none")
	}

	// response_types and grant_types must agree (RFC 7591 §2.1): code
	// goes with authorization_code, and nothing else is offered.
	rt := req.ResponseTypes
	switch {
	case slices.ContainsFunc(rt, func(s string) bool { return s != clientmeta.ResponseCode }):
		return nil, metaErr(`response_types: only "code" is supported`)
	case len(rt) > 1:
		return nil, metaErr("response_types: duplicate")
	case rt == nil && code, len(rt) == 1 && code:
		m.ResponseTypes = []oidc.ResponseType{oidc.ResponseTypeCode}
	case rt == nil, len(rt) == 0 && !code:
		m.ResponseTypes = []oidc.ResponseType{}
	default:
		return nil, metaErr("response_types and grant_types disagree: code goes with authorization_code")
	}

	if err := p.checkURIs(m, req, code); err != nil {
		return nil, err
	}

	name := req.ClientName
	if len([]rune(name)) > MaxClientName || strings.ContainsFunc(name, unicode.IsControl) {
		return nil, metaErr("client_name: at most %d characters, no control characters", MaxClientName)
	}
	m.Name = name

	if err := p.checkScope(m, req.Scope, grants); err != nil {
		return nil, err
	}

	if len(req.JWKS) > 0 && string(req.JWKS) != "null" {
		set, err := clientmeta.ParseJWKS(req.JWKS)
		if err != nil {
			return nil, metaErr("jwks: %v", err)
		}
		m.JWKS = set
	}
	if m.AuthMethod == oidc.AuthMethodPrivateKeyJWT && m.JWKS == nil {
		return nil, metaErr("private_key_jwt needs the client's public keys in jwks")
	}

	switch req.SubjectType {
	case "", clientmeta.SubjectPairwise:
		if len(m.RedirectURIs) > 0 {
			sector, ok := clientmeta.SectorOf(m.RedirectURIs)
			if !ok {
				return nil, redirectErr("pairwise subjects need all redirect_uris on one host (sector_identifier_uri is not supported)")
			}
			m.SectorIdentifier = sector
		}
	case clientmeta.SubjectPublic:
		m.SubjectType = clientmeta.SubjectPublic
	default:
		return nil, metaErr(`subject_type must be "pairwise" or "public"`)
	}

	if a := req.IDTokenSignedResponseAlg; a != "" {
		if !slices.Contains(clientmeta.IDTokenAlgs, a) {
			return nil, metaErr("id_token_signed_response_alg must be ES256, PS256 or RS256")
		}
		m.IDTokenSignedResponseAlg = a
	}
	return m, nil
}

func (p regPolicy) checkURIs(m *Metadata, req *regRequest, code bool) *regError {
	if code && len(req.RedirectURIs) == 0 {
		return redirectErr("redirect_uris: required for authorization_code")
	}
	for _, f := range []struct {
		name string
		uris []string
	}{
		{"redirect_uris", req.RedirectURIs},
		{"post_logout_redirect_uris", req.PostLogoutRedirectURIs},
	} {
		field, uris := f.name, f.uris
		if len(uris) > MaxRedirectURIs {
			return redirectErr("%s: at most %d", field, MaxRedirectURIs)
		}
		for i, u := range uris {
			if err := clientmeta.CheckRedirectURI(u, p.allowHTTP); err != nil {
				return redirectErr("%s[%d]: %v", field, i, err)
			}
			if slices.Index(uris, u) != i {
				return redirectErr("%s[%d]: duplicate", field, i)
			}
		}
	}
	m.RedirectURIs = req.RedirectURIs
	m.PostLogoutRedirectURIs = req.PostLogoutRedirectURIs
	return nil
}

func (p regPolicy) checkScope(m *Metadata, scope *string, grants []string) *regError {
	if scope == nil || strings.TrimSpace(*scope) == "" {
		m.Scopes = defaultScopes(grants)
		return nil
	}
	for _, s := range strings.Split(*scope, " ") {
		if err := clientmeta.CheckScope(s); err != nil {
			return metaErr("scope %q: %v (scopes are separated by single spaces)", s, err)
		}
		if !slices.Contains(p.allowedScopes, s) {
			return metaErr("scope %q is not available; available: %s", s, strings.Join(p.allowedScopes, " "))
		}
		if !slices.Contains(m.Scopes, s) {
			m.Scopes = append(m.Scopes, s)
		}
	}
	return nil
}

// regResponse is the client information response (RFC 7591 §3.2.1,
// RFC 7592 §3).
type regResponse struct {
	ClientID                 string              `json:"client_id"`
	ClientSecret             string              `json:"client_secret,omitempty"`
	ClientIDIssuedAt         int64               `json:"client_id_issued_at"`
	ClientSecretExpiresAt    *int64              `json:"client_secret_expires_at,omitempty"`
	RegistrationAccessToken  string              `json:"registration_access_token"`
	RegistrationClientURI    string              `json:"registration_client_uri"`
	ClientName               string              `json:"client_name,omitempty"`
	RedirectURIs             []string            `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs   []string            `json:"post_logout_redirect_uris,omitempty"`
	TokenEndpointAuthMethod  string              `json:"token_endpoint_auth_method"`
	GrantTypes               []oidc.GrantType    `json:"grant_types"`
	ResponseTypes            []oidc.ResponseType `json:"response_types"`
	Scope                    string              `json:"scope,omitempty"`
	JWKS                     *jose.JSONWebKeySet `json:"jwks,omitempty"`
	SubjectType              string              `json:"subject_type"`
	IDTokenSignedResponseAlg string              `json:"id_token_signed_response_alg,omitempty"`
}

func (h *regHandler) response(m *Metadata, secret, rat string) *regResponse {
	r := &regResponse{
		ClientID:                 m.ID,
		ClientSecret:             secret,
		ClientIDIssuedAt:         m.CreatedAt.Unix(),
		RegistrationAccessToken:  rat,
		RegistrationClientURI:    h.opts.Issuer + "/register/" + m.ID,
		ClientName:               m.Name,
		RedirectURIs:             m.RedirectURIs,
		PostLogoutRedirectURIs:   m.PostLogoutRedirectURIs,
		TokenEndpointAuthMethod:  string(m.AuthMethod),
		GrantTypes:               m.GrantTypes,
		ResponseTypes:            m.ResponseTypes,
		Scope:                    strings.Join(m.Scopes, " "),
		JWKS:                     m.JWKS,
		SubjectType:              m.SubjectType,
		IDTokenSignedResponseAlg: m.IDTokenSignedResponseAlg,
	}
	if m.SecretHash != "" {
		never := int64(0) // RFC 7591 §3.2.1: 0 means the secret does not expire
		r.ClientSecretExpiresAt = &never
	}
	return r
}
