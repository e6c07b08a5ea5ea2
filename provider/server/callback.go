package server

import (
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/inkan-id/inkan/provider/store"
)

// codeRecord is an issued authorization code, keyed by its hash.
type codeRecord struct {
	ClientID      string   `json:"client_id"`
	RedirectURI   string   `json:"redirect_uri"`
	Scopes        []string `json:"scopes"`
	Nonce         string   `json:"nonce,omitempty"`
	CodeChallenge string   `json:"code_challenge"`
	AccountID     string   `json:"account"`
	AuthTime      int64    `json:"auth_time"`
	AMR           []string `json:"amr"`
	ACR           string   `json:"acr"`
	SID           string   `json:"sid"`
	IssuedAt      int64    `json:"iat"` // unix nanoseconds
}

// CallbackURL is where the login pages send the browser once the login
// (and consent, if needed) is done; the callback issues the code.
func (s *Server) CallbackURL(authReqID string) string {
	return s.endpoint(pathCallback) + "?id=" + url.QueryEscape(authReqID)
}

// callbackHandler finishes an authorization request: it checks that this
// browser started the request (its cookie hash is in the record), that the
// login and consent are done and that the login matches an id_token_hint,
// then issues a code and redirects to the client with code, state and iss.
func (s *Server) callbackHandler(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.URL.Query().Get("id")
	ar, arRaw, err := s.loadAuthRequestRaw(ctx, id)
	if err != nil {
		s.callbackError(w, r, err)
		return
	}
	cookie := s.cookieValue(r.Header)
	if cookie == "" || !equalHash(cookie, ar.Browser) {
		s.log.WarnContext(ctx, "callback from another browser", "auth_request", ar.ID, "client_id", ar.ClientID)
		writeHTTPError(w, r, op.NewStatusError(oidc.ErrInvalidRequestRedirectURI().
			WithDescription("This login was started in another browser."), http.StatusForbidden))
		return
	}
	c, err := s.lookupClient(ctx, ar.ClientID)
	if err != nil {
		s.callbackError(w, r, err)
		return
	}
	if !ar.Done || (ar.ConsentNeeded && !ar.Consented && !ar.Denied) {
		// Not finished: back to the login pages rather than failing the
		// whole flow because someone pressed Continue early.
		http.Redirect(w, r, s.loginURL(c, ar.ID), http.StatusSeeOther)
		return
	}
	// Consuming the request is the single-use gate: a second callback
	// finds nothing. It is a delete only of the bytes checked above, so a
	// change in between (a second tab's consent) cannot slip through, and
	// when a code follows, the code is created in the same batch.
	hintMismatch := ar.HintSubject != "" && ar.HintSubject != s.subjectFor(c, ar.AccountID)
	consume := store.DeleteIf(nsAuthReq, ar.ID, arRaw)
	var code string
	if hintMismatch || ar.Denied {
		err = store.Apply(ctx, s.backend, consume)
	} else {
		code = sessionCode(ar.SID)
		rec, merr := json.Marshal(codeRecord{
			ClientID: ar.ClientID, RedirectURI: ar.RedirectURI, Scopes: ar.Scopes, Nonce: ar.Nonce,
			CodeChallenge: ar.CodeChallenge, AccountID: ar.AccountID, AuthTime: ar.AuthTime.Unix(),
			AMR: ar.AMR, ACR: ar.ACR, SID: ar.SID, IssuedAt: s.now().UnixNano(),
		})
		if merr != nil {
			s.callbackError(w, r, merr)
			return
		}
		err = store.Apply(ctx, s.backend, consume, store.Create(nsCode, hashKey(code), rec, s.cfg.CodeTTL))
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			err = ErrUnknownRequest // taken or changed by another request
		}
		s.callbackError(w, r, err)
		return
	}
	if hintMismatch {
		// OIDC Core §3.1.2.1: the hinted user is not the one who logged in.
		if ar.NewSession != "" {
			if raw, err := s.secretSeal.open(ar.NewSession, "session "+ar.ID); err == nil {
				_ = s.deleteSession(ctx, hashKey(string(raw)))
			}
		}
		s.authResponse(w, r, ar, oidc.ErrLoginRequired().WithDescription("The user who logged in is not the one in id_token_hint."), "")
		return
	}
	if ar.NewSession != "" {
		raw, err := s.secretSeal.open(ar.NewSession, "session "+ar.ID)
		if err != nil {
			s.callbackError(w, r, err)
			return
		}
		// The browser's old cookie (an earlier session or a bare binding)
		// is replaced: a fresh value after every login, against fixation.
		// A cookie /authorize minted for this request (the browser came
		// without one) was never a session's: sessions are stored only
		// under fresh values of their own (sessionOps), and the check
		// above holds the browser to this very cookie. Only a cookie the
		// browser brought can name a session to end.
		if old := hashKey(cookie); !ar.BrowserMinted && old != hashKey(string(raw)) {
			if err := s.endReplacedSession(ctx, old, loginPurpose(ar.Scopes)); err != nil {
				s.log.WarnContext(ctx, "old session not deleted", "err", err)
			}
		}
		http.SetCookie(w, s.sessionCookie(string(raw), int(s.cfg.SessionTTL.Seconds())))
	}
	if ar.Denied {
		s.authResponse(w, r, ar, oidc.ErrAccessDenied().WithDescription("The user did not consent."), "")
		return
	}
	s.log.InfoContext(ctx, "code issued", "client_id", ar.ClientID, "auth_request", ar.ID)
	s.authResponse(w, r, ar, nil, code)
}

// callbackError renders a failure that cannot go to the client.
func (s *Server) callbackError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrUnknownRequest), notFound(err):
		writeHTTPError(w, r, oidc.ErrInvalidRequestRedirectURI().
			WithDescription("The login request is unknown, expired or already used. Please start again from the service.").WithParent(err))
	case errors.Is(err, errNoClient):
		writeHTTPError(w, r, oidc.ErrInvalidRequestRedirectURI().WithDescription("The client is no longer registered.").WithParent(err))
	default:
		writeHTTPError(w, r, s.internal(r.Context(), "callback", err))
	}
}

// authParams builds the authorization response parameters: code or error,
// state, and iss (RFC 9207) in every case.
func (s *Server) authParams(ar *authRequest, e *oidc.Error, code string) url.Values {
	v := url.Values{}
	if e != nil {
		v.Set("error", string(e.ErrorType))
		if e.Description != "" {
			v.Set("error_description", e.Description)
		}
	} else {
		v.Set("code", code)
	}
	if ar.State != "" {
		v.Set("state", ar.State)
	}
	v.Set("iss", s.issuer)
	return v
}

// authResponseURL is the redirect carrying an authorization response in
// the request's response_mode (query or fragment; form_post is written by
// authResponse).
func (s *Server) authResponseURL(ar *authRequest, e *oidc.Error, code string) string {
	params := s.authParams(ar, e, code)
	u, err := url.Parse(ar.RedirectURI)
	if err != nil { // registered URIs parse; this is belt and braces
		return ar.RedirectURI
	}
	if oidc.ResponseMode(ar.ResponseMode) == oidc.ResponseModeFragment {
		return withFragment(u, params)
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// authResponse sends the authorization response to the client: a 303
// redirect, or an auto-submitting form for response_mode=form_post.
func (s *Server) authResponse(w http.ResponseWriter, r *http.Request, ar *authRequest, e *oidc.Error, code string) {
	if oidc.ResponseMode(ar.ResponseMode) == oidc.ResponseModeFormPost {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = formPostTmpl.Execute(w, struct {
			Action string
			Params url.Values
		}{ar.RedirectURI, s.authParams(ar, e, code)})
		return
	}
	http.Redirect(w, r, s.authResponseURL(ar, e, code), http.StatusSeeOther)
}

// formPostTmpl is OAuth 2.0 Form Post Response Mode: the browser posts
// the parameters to the redirect URI.
var formPostTmpl = template.Must(template.New("form_post").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Continue</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
{{range $k, $vs := .Params}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">
{{end}}{{end}}<noscript><button type="submit">Continue</button></noscript>
</form></body></html>
`))

// addIssParam adds iss to an authorization error redirect the library
// built (TryErrorRedirect cannot carry it). loc is left alone unless it
// carries an error and no iss.
func (s *Server) addIssParam(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	if q := u.Query(); q.Has("error") && !q.Has("iss") {
		q.Set("iss", s.issuer)
		u.RawQuery = q.Encode()
		return u.String()
	}
	if strings.Contains(u.RawFragment+u.Fragment, "error=") {
		f, err := url.ParseQuery(u.EscapedFragment())
		if err == nil && f.Has("error") && !f.Has("iss") {
			f.Set("iss", s.issuer)
			return withFragment(u, f)
		}
	}
	return loc
}

// withFragment puts params in u's fragment. RawFragment alone would be
// ignored by String unless Fragment is its unescaped form.
func withFragment(u *url.URL, params url.Values) string {
	u.RawFragment = params.Encode()
	u.Fragment, _ = url.PathUnescape(u.RawFragment)
	return u.String()
}
