package clientmeta

// Token endpoint authentication methods (RFC 7591 §2).
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthSecretPost    = "client_secret_post"
	AuthPrivateKeyJWT = "private_key_jwt"
	AuthNone          = "none"
)

// Grant types a client may hold.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// ResponseCode is the only response type: FAPI 2.0 allows no implicit or
// hybrid flow.
const ResponseCode = "code"

// Subject types (OpenID Connect Core §8).
const (
	SubjectPairwise = "pairwise"
	SubjectPublic   = "public"
)

// Access token types.
const (
	AccessTokenJWT    = "jwt"
	AccessTokenOpaque = "opaque"
)

// AuthMethods lists the token endpoint authentication methods in the order
// discovery should show them.
var AuthMethods = []string{AuthSecretBasic, AuthSecretPost, AuthPrivateKeyJWT, AuthNone}

// GrantTypes lists the grant types a client may hold.
var GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

// IDTokenAlgs lists the algorithms a client may ask for in
// id_token_signed_response_alg. RS256 is here only for relying parties that
// cannot verify anything else; it is never the provider's default.
var IDTokenAlgs = []string{"ES256", "PS256", "RS256"}

// UsesSecret reports whether method authenticates with a client secret.
func UsesSecret(method string) bool {
	return method == AuthSecretBasic || method == AuthSecretPost
}
