package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// pathLoggedOut is where a logout without post_logout_redirect_uri lands.
const pathLoggedOut = "/logged_out"

// EndSession implements OpenID Connect RP-Initiated Logout 1.0. It ends
// the browser's session (found by its cookie, or by the sid of an
// id_token_hint when the cookie did not come along), revokes the refresh
// tokens bound to that session that were not granted offline_access, and
// sends the browser to a post_logout_redirect_uri registered for the
// client, exactly matched.
func (s *Server) EndSession(ctx context.Context, r *op.Request[oidc.EndSessionRequest]) (*op.Redirect, error) {
	d := r.Data
	var hint *hintClaims
	if d.IdTokenHint != "" {
		h, err := s.parseIDTokenHint(ctx, d.IdTokenHint)
		if err != nil {
			if unavailable(err) {
				return nil, s.internal(ctx, "logout hint", err)
			}
			return nil, oidc.ErrInvalidRequest().WithDescription("The id_token_hint is invalid.").WithParent(err)
		}
		hint = h
	}
	clientID := d.ClientID
	if hint != nil {
		switch {
		case clientID != "" && !hint.Audience.Contains(clientID):
			return nil, oidc.ErrInvalidRequest().WithDescription("client_id does not match the id_token_hint.")
		case clientID == "" && len(hint.Audience) > 0:
			clientID = hint.Audience[0]
		}
	}
	target := s.endpoint(pathLoggedOut)
	if d.PostLogoutRedirectURI != "" {
		if clientID == "" {
			return nil, oidc.ErrInvalidRequest().WithDescription("post_logout_redirect_uri needs client_id or id_token_hint.")
		}
		c, err := s.lookupClient(ctx, clientID)
		if err != nil {
			if unavailable(err) {
				return nil, s.internal(ctx, "logout client", err)
			}
			return nil, oidc.ErrInvalidRequest().WithDescription("The client is not registered.").WithParent(err)
		}
		if !slices.Contains(c.PostLogoutRedirectURIs(), d.PostLogoutRedirectURI) {
			return nil, oidc.ErrInvalidRequest().WithDescription("post_logout_redirect_uri is not registered for this client.")
		}
		u, err := url.Parse(d.PostLogoutRedirectURI)
		if err != nil {
			return nil, oidc.ErrInvalidRequest().WithDescription("post_logout_redirect_uri is not a URL.")
		}
		if d.State != "" {
			q := u.Query()
			q.Set("state", d.State)
			u.RawQuery = q.Encode()
		}
		target = u.String()
	}

	key := ""
	if cookie := s.cookieValue(r.Header); cookie != "" {
		key = hashKey(cookie)
	} else if hint != nil && hint.SID != "" && len(hint.SID) <= 64 {
		raw, err := s.backend.Get(ctx, nsSID, hint.SID)
		if err != nil && !notFound(err) {
			return nil, s.internal(ctx, "logout", err)
		}
		key = string(raw)
	}
	if key != "" {
		if err := s.deleteSession(ctx, key); err != nil {
			return nil, s.internal(ctx, "logout", err)
		}
	}
	s.log.InfoContext(ctx, "logout", "client_id", clientID, "session_found", key != "")
	red := op.NewRedirect(target)
	red.Header.Add("Set-Cookie", s.sessionCookie("", -1).String())
	return red, nil
}

// loggedOutHandler is the plain page a logout without a client lands on.
func (s *Server) loggedOutHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>Signed out</title></head>` +
		`<body><p>ログアウトしました。 You have been signed out.</p></body></html>`))
}
