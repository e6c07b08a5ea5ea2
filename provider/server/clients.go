package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// rpClient is a registered relying party as this package sees it: the
// op.Client the library needs plus the metadata op.Client has no room for.
// clientsadapter.go builds it from provider/clients.
type rpClient struct {
	op.Client

	name        string
	subjectType string // subjectPairwise or subjectPublic
	sector      string // pairwise sector identifier (a host)
	opaqueAT    bool   // access_token_type opaque instead of an RFC 9068 JWT
	idTokenAlg  jose.SignatureAlgorithm
	rotation    bool // refresh tokens rotate on use
	consent     bool // the user must consent before the first code
}

// Subject types (OIDC Core §8).
const (
	subjectPairwise = "pairwise"
	subjectPublic   = "public"
)

// clientDirectory is what the server needs of the client registry.
type clientDirectory interface {
	// client returns the client or an error wrapping errNoClient.
	client(ctx context.Context, id string) (*rpClient, error)
	// checkSecret authenticates id with secret; a wrong secret or an
	// unknown client wrap errNoClient.
	checkSecret(ctx context.Context, id, secret string) (*rpClient, error)
	// publicKeys returns the client's registered keys for private_key_jwt.
	publicKeys(ctx context.Context, id string) ([]jose.JSONWebKey, error)
}

// errNoClient means an unknown client or failed credentials.
var errNoClient = errors.New("server: unknown client or bad credentials")

// maxClientIDLen bounds client ids from requests before they reach the
// store, whose keys are limited.
const maxClientIDLen = 256

// lookupClient finds a client for a request: unknown ones wrap
// errNoClient, a store outage is passed on.
func (s *Server) lookupClient(ctx context.Context, id string) (*rpClient, error) {
	if id == "" || len(id) > maxClientIDLen {
		return nil, errNoClient
	}
	return s.clients.client(ctx, id)
}

// VerifyClient authenticates the client at the token and revocation
// endpoints. Unlike LegacyServer.VerifyClient it treats client_credentials
// like every other grant, so a service client may use private_key_jwt, and
// it insists that each client uses the one method it registered.
func (s *Server) VerifyClient(ctx context.Context, r *op.Request[op.ClientCredentials]) (op.Client, error) {
	c, err := s.authenticateClient(ctx, r.Header, r.Data, s.endpoint(strings.TrimPrefix(r.URL.Path, s.basePath)))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// authenticateClient checks the credentials of a back-channel request
// against the method the client registered. endpointURL is the URL the
// request was sent to (an accepted client-assertion audience besides the
// issuer).
func (s *Server) authenticateClient(ctx context.Context, h http.Header, cc *op.ClientCredentials, endpointURL string) (*rpClient, error) {
	basic := strings.HasPrefix(strings.ToLower(h.Get("Authorization")), "basic ")
	if cc.ClientAssertion != "" || cc.ClientAssertionType != "" {
		if basic || cc.ClientSecret != "" {
			return nil, invalidClient(errors.New("more than one authentication method"))
		}
		if cc.ClientAssertionType != oidc.ClientAssertionTypeJWTAssertion {
			return nil, invalidClient(errors.New("unsupported client_assertion_type"))
		}
		c, err := s.verifyClientAssertion(ctx, cc.ClientAssertion, cc.ClientID, endpointURL)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	c, err := s.lookupClient(ctx, cc.ClientID)
	if err != nil {
		return nil, s.clientErr(ctx, err)
	}
	switch c.AuthMethod() {
	case oidc.AuthMethodNone:
		if cc.ClientSecret != "" || basic {
			return nil, invalidClient(errors.New("public client sent a secret"))
		}
		return c, nil
	case oidc.AuthMethodBasic:
		if !basic {
			return nil, invalidClient(errors.New("client_secret_basic client did not use Basic"))
		}
	case oidc.AuthMethodPost:
		if basic {
			return nil, invalidClient(errors.New("client_secret_post client used Basic"))
		}
	default: // private_key_jwt without an assertion
		return nil, invalidClient(errors.New("client must authenticate with private_key_jwt"))
	}
	if cc.ClientSecret == "" {
		return nil, invalidClient(errors.New("no client secret"))
	}
	c, err = s.clients.checkSecret(ctx, cc.ClientID, cc.ClientSecret)
	if err != nil {
		return nil, s.clientErr(ctx, err)
	}
	return c, nil
}

// clientErr maps a directory error: unknown client or bad credentials is
// invalid_client, anything else is the store's problem.
func (s *Server) clientErr(ctx context.Context, err error) error {
	if errors.Is(err, errNoClient) {
		return invalidClient(err)
	}
	return s.internal(ctx, "client lookup", err)
}

// rp recovers our client type from what the library hands back.
func rp(c op.Client) *rpClient {
	if r, ok := c.(*rpClient); ok {
		return r
	}
	return &rpClient{Client: c, subjectType: subjectPairwise}
}

// hasGrant reports whether the client registered a grant type.
func hasGrant(c op.Client, g oidc.GrantType) bool {
	for _, x := range c.GrantTypes() {
		if x == g {
			return true
		}
	}
	return false
}
