package server

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/store"
)

// authRequest is a pending authorization request: created at /authorize,
// completed by the card login (CompleteCardLogin) or an SSO session, and
// turned into a code at the callback.
type authRequest struct {
	ID            string   `json:"id"`
	ClientID      string   `json:"client_id"`
	RedirectURI   string   `json:"redirect_uri"`
	Scopes        []string `json:"scopes"`
	State         string   `json:"state,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	ResponseMode  string   `json:"response_mode,omitempty"`
	CodeChallenge string   `json:"code_challenge"` // always S256
	Prompt        []string `json:"prompt,omitempty"`
	MaxAge        *int64   `json:"max_age,omitempty"`
	UILocales     []string `json:"ui_locales,omitempty"`
	ACRValues     []string `json:"acr_values,omitempty"`
	LoginHint     string   `json:"login_hint,omitempty"`
	HintSubject   string   `json:"hint_sub,omitempty"` // sub of a verified id_token_hint
	Browser       string   `json:"browser"`            // hashKey of the cookie of the browser that started it
	// BrowserMinted says that /authorize gave the browser that cookie
	// (it came without one): a fresh random value, never a session's, so
	// the callback has no old session to end. Records without it (false)
	// make the callback look, as before.
	BrowserMinted bool      `json:"browser_minted,omitempty"`
	Created       time.Time `json:"created"`
	Expires       time.Time `json:"expires"`

	// Set when a login (or a reused session) completes it.
	Done      bool      `json:"done,omitempty"`
	AccountID string    `json:"account,omitempty"`
	AuthTime  time.Time `json:"auth_time,omitzero"`
	AMR       []string  `json:"amr,omitempty"`
	ACR       string    `json:"acr,omitempty"`
	SID       string    `json:"sid,omitempty"`
	// NewSession is the sealed cookie value of a session the card login
	// created; the callback sets it on the browser that proved it started
	// this request. The login itself cannot: it arrives from the phone.
	NewSession    string `json:"new_session,omitempty"`
	ConsentNeeded bool   `json:"consent_needed,omitempty"`
	Consented     bool   `json:"consented,omitempty"`
	Denied        bool   `json:"denied,omitempty"`

	// Tx is the card transaction created with the request (UseTransactions),
	// for the login page's first view.
	Tx *preparedTx `json:"tx,omitempty"`
}

// Bounds on request parameters that end up in records. They are generous
// (conformance sends long states and 64-character nonces) but stop a
// request from parking megabytes in the store.
const (
	maxStateLen     = 4096
	maxNonceLen     = 1024
	maxHintLen      = 1024
	maxListItems    = 32
	maxListItemLen  = 256
	challengeLength = 43 // base64url of SHA-256 (RFC 7636 §4.2)
)

// VerifyAuthRequest finds the client and checks redirect_uri by exact
// string comparison before anything else. Its errors are rendered here and
// never redirected: an unknown client or unregistered redirect_uri must not
// turn the provider into an open redirector.
func (s *Server) VerifyAuthRequest(ctx context.Context, r *op.Request[oidc.AuthRequest]) (*op.ClientRequest[oidc.AuthRequest], error) {
	d := r.Data
	if d.ClientID == "" {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("client_id is missing.")
	}
	c, err := s.lookupClient(ctx, d.ClientID)
	if errors.Is(err, errNoClient) {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("The client is not registered.").WithParent(err)
	}
	if err != nil {
		return nil, s.internal(ctx, "authorize client", err)
	}
	if d.RedirectURI == "" {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("redirect_uri is missing.")
	}
	if !slices.Contains(c.RedirectURIs(), d.RedirectURI) {
		return nil, oidc.ErrInvalidRequestRedirectURI().WithDescription("redirect_uri is not registered for this client.")
	}
	return &op.ClientRequest[oidc.AuthRequest]{Request: r, Client: c}, nil
}

// Authorize runs after the library validated redirect_uri, prompt, scopes
// and response_type; its errors are redirected to the client (with iss,
// added by authorizeResponseMiddleware). It enforces PKCE S256, decides
// whether the browser's SSO session satisfies the request, stores the
// request and sends the browser to the login page, or straight to the
// callback when no interaction is needed.
func (s *Server) Authorize(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*op.Redirect, error) {
	d := r.Data
	c := rp(r.Client)
	if err := checkAuthParams(d); err != nil {
		return nil, err
	}
	if r.Request != nil && r.Form.Get("request_uri") != "" {
		// The library's decoder drops it; OIDC Core §6.2 wants this error.
		return nil, &oidc.Error{ErrorType: "request_uri_not_supported", Description: "request_uri is not supported."}
	}
	// The library keeps offline_access for every client; only those
	// allowed it (by default, those with the refresh_token grant) get it,
	// and with it refresh tokens that survive logout. Others carry on
	// without it (OIDC Core §11: the OP may ignore it).
	if slices.Contains(d.Scopes, oidc.ScopeOfflineAccess) && !c.IsScopeAllowed(oidc.ScopeOfflineAccess) {
		d.Scopes = slices.DeleteFunc(slices.Clone(d.Scopes), func(s string) bool { return s == oidc.ScopeOfflineAccess })
	}
	var hintSub string
	if d.IDTokenHint != "" {
		sub, err := s.idTokenHintSubject(ctx, d.IDTokenHint, c.GetID())
		if err != nil {
			if unavailable(err) {
				return nil, s.internal(ctx, "id_token_hint", err)
			}
			return nil, oidc.ErrInvalidRequest().WithDescription("The id_token_hint is invalid.").WithParent(err)
		}
		hintSub = sub
	}

	cookie := s.cookieValue(r.Header)
	sess, err := s.loadSession(ctx, cookie)
	if err != nil {
		return nil, s.internal(ctx, "authorize session", err)
	}
	promptNone := slices.Contains(d.Prompt, oidc.PromptNone)
	forceLogin := slices.Contains(d.Prompt, oidc.PromptLogin) || slices.Contains(d.Prompt, oidc.PromptSelectAccount) ||
		(d.MaxAge != nil && *d.MaxAge == 0)
	// A session serves only requests of its login's purpose: a request
	// for verified_claims needs a signature login, and a signature
	// login's account is not the one this client sees otherwise.
	reuse := sess != nil && !forceLogin && sess.Purpose == loginPurpose(d.Scopes) &&
		(d.MaxAge == nil || s.now().Sub(sess.AuthTime) <= time.Duration(*d.MaxAge)*time.Second) &&
		(hintSub == "" || hintSub == s.subjectFor(c, sess.AccountID))
	if promptNone && !reuse {
		return nil, oidc.ErrLoginRequired().WithDescription("The user is not logged in (prompt=none).")
	}

	now := s.now()
	ar := &authRequest{
		ID:            newID(),
		ClientID:      c.GetID(),
		RedirectURI:   d.RedirectURI,
		Scopes:        d.Scopes,
		State:         d.State,
		Nonce:         d.Nonce,
		ResponseMode:  string(d.ResponseMode),
		CodeChallenge: d.CodeChallenge,
		Prompt:        d.Prompt,
		ACRValues:     d.ACRValues,
		LoginHint:     d.LoginHint,
		HintSubject:   hintSub,
		Created:       now.UTC(),
		Expires:       now.Add(s.cfg.AuthRequestTTL).UTC(),
	}
	if d.MaxAge != nil {
		v := int64(*d.MaxAge)
		ar.MaxAge = &v
	}
	for _, l := range d.UILocales {
		ar.UILocales = append(ar.UILocales, l.String())
	}
	red := op.NewRedirect("")
	if cookie == "" {
		// A browser without a cookie gets a random one now, so the
		// callback can check that the browser collecting the code is the
		// one that started the request (the login itself happens on a
		// phone). It becomes a session only after a login.
		cookie = newSecret()
		red.Header.Add("Set-Cookie", s.sessionCookie(cookie, int(s.cfg.SessionTTL/time.Second)).String())
		ar.BrowserMinted = true
	}
	ar.Browser = hashKey(cookie)
	if reuse {
		ar.Done, ar.AccountID, ar.AuthTime, ar.AMR, ar.ACR, ar.SID =
			true, sess.AccountID, sess.AuthTime, sess.AMR, sess.ACR, sess.SID
		need, err := s.needsConsent(ctx, sess.AccountID, c, ar.Scopes, ar.Prompt)
		if err != nil {
			return nil, s.internal(ctx, "authorize consent", err)
		}
		if need && promptNone {
			return nil, errConsentRequired()
		}
		ar.ConsentNeeded = need
	}
	var ops []store.Op
	if !ar.Done && s.txs != nil {
		// The login page's first view shows this transaction: it is
		// stored with the request, and the page need not write.
		op, err := s.prepareTx(ar, c)
		if err != nil {
			return nil, s.internal(ctx, "card transaction", err)
		}
		ops = append(ops, op)
	}
	raw, err := json.Marshal(ar)
	if err != nil {
		return nil, s.internal(ctx, "store auth request", err)
	}
	if err := store.Apply(ctx, s.backend, append([]store.Op{store.Create(nsAuthReq, ar.ID, raw, s.cfg.AuthRequestTTL)}, ops...)...); err != nil {
		return nil, s.internal(ctx, "store auth request", err)
	}
	red.URL = s.loginURL(c, ar.ID)
	if ar.Done && !ar.ConsentNeeded {
		red.URL = s.CallbackURL(ar.ID)
	} else {
		noteLoginPage(ctx, ar)
	}
	s.log.InfoContext(ctx, "authorization request", "client_id", c.GetID(), "auth_request", ar.ID,
		"sso", reuse, "prompt", d.Prompt)
	return red, nil
}

// checkAuthParams enforces what the library leaves open: code flow only,
// PKCE with S256 for every client (oidc.md §1.6 D1, D2), no request
// objects, bounded parameters.
func checkAuthParams(d *oidc.AuthRequest) error {
	switch {
	case d.RequestParam != "":
		return oidc.ErrRequestNotSupported().WithDescription("Request objects are not supported.")
	case d.ResponseType != oidc.ResponseTypeCode:
		return errUnsupportedResponseType()
	}
	switch d.ResponseMode {
	case "", oidc.ResponseModeQuery, oidc.ResponseModeFragment, oidc.ResponseModeFormPost:
	default:
		return oidc.ErrInvalidRequest().WithDescription("Unsupported response_mode.")
	}
	switch {
	case d.CodeChallenge == "":
		return oidc.ErrInvalidRequest().WithDescription("code_challenge is required (PKCE with S256).")
	case d.CodeChallengeMethod != oidc.CodeChallengeMethodS256:
		return oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256.")
	case !isBase64URL(d.CodeChallenge, challengeLength):
		return oidc.ErrInvalidRequest().WithDescription("code_challenge must be a base64url SHA-256 value.")
	case len(d.State) > maxStateLen:
		return oidc.ErrInvalidRequest().WithDescription("state is too long.")
	case len(d.Nonce) > maxNonceLen:
		return oidc.ErrInvalidRequest().WithDescription("nonce is too long.")
	case len(d.LoginHint) > maxHintLen:
		return oidc.ErrInvalidRequest().WithDescription("login_hint is too long.")
	case len(d.ACRValues) > maxListItems || len(d.UILocales) > maxListItems || len(d.Scopes) > maxListItems:
		return oidc.ErrInvalidRequest().WithDescription("Too many values in a parameter.")
	}
	for _, v := range append(slices.Clone(d.ACRValues), d.Scopes...) {
		if len(v) > maxListItemLen {
			return oidc.ErrInvalidRequest().WithDescription("A parameter value is too long.")
		}
	}
	return nil
}

// isBase64URL reports whether v is exactly n characters of the unpadded
// base64url alphabet.
func isBase64URL(v string, n int) bool {
	if len(v) != n {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// hintClaims are the id_token_hint claims used.
type hintClaims struct {
	Issuer   string       `json:"iss"`
	Subject  string       `json:"sub"`
	Audience jwt.Audience `json:"aud"`
	SID      string       `json:"sid"`
}

// idTokenHintSubject verifies an id_token_hint (our signature, our issuer,
// issued to this client; expiry ignored, as OIDC Core §3.1.2.1 allows) and
// returns its sub.
func (s *Server) idTokenHintSubject(ctx context.Context, hint, clientID string) (string, error) {
	c, err := s.parseIDTokenHint(ctx, hint)
	if err != nil {
		return "", err
	}
	if !c.Audience.Contains(clientID) {
		return "", errors.New("id_token_hint was issued to another client")
	}
	return c.Subject, nil
}

// parseIDTokenHint verifies an ID token we issued and returns its claims.
func (s *Server) parseIDTokenHint(ctx context.Context, hint string) (*hintClaims, error) {
	payload, err := s.verifyOwnJWT(ctx, hint, typIDToken)
	if err != nil {
		return nil, err
	}
	var c hintClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, errBadOwnToken
	}
	if c.Issuer != s.issuer || c.Subject == "" {
		return nil, errBadOwnToken
	}
	return &c, nil
}

// loadAuthRequest reads a pending auth request; unknown and expired ones
// are ErrUnknownRequest.
func (s *Server) loadAuthRequest(ctx context.Context, id string) (*authRequest, error) {
	ar, _, err := s.loadAuthRequestRaw(ctx, id)
	return ar, err
}

// loadAuthRequestRaw is loadAuthRequest that also returns the record as
// stored, for a compare-and-delete or -swap from it.
func (s *Server) loadAuthRequestRaw(ctx context.Context, id string) (*authRequest, []byte, error) {
	if id == "" || len(id) > 64 {
		return nil, nil, ErrUnknownRequest
	}
	raw, err := s.backend.Get(ctx, nsAuthReq, id)
	if notFound(err) {
		return nil, nil, ErrUnknownRequest
	}
	if err != nil {
		return nil, nil, err
	}
	ar, err := s.decodeAuthRequest(raw)
	return ar, raw, err
}

// decodeAuthRequest decodes a stored auth request; an absent (nil) or
// expired one is ErrUnknownRequest.
func (s *Server) decodeAuthRequest(raw []byte) (*authRequest, error) {
	if raw == nil {
		return nil, ErrUnknownRequest
	}
	var ar authRequest
	if err := json.Unmarshal(raw, &ar); err != nil {
		return nil, err
	}
	if !s.now().Before(ar.Expires) {
		return nil, ErrUnknownRequest
	}
	return &ar, nil
}

// loginURL is the client's login page for an auth request. A path-only
// URL is relative to the issuer, like the pages mounted beside it.
func (s *Server) loginURL(c *rpClient, id string) string {
	u := c.LoginURL(id)
	if strings.HasPrefix(u, "/") && !strings.HasPrefix(u, "//") {
		return s.basePath + u
	}
	return u
}
