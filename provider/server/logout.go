package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"

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
//
// Without an id_token_hint, or with one of another session than the
// browser's, the user is asked first (§2: the OP MUST ask): the browser
// goes to the confirmation page, and nothing ends until it is answered.
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
	// proven is the client the request is known to come from: the
	// audience of a valid hint, or the client a registered
	// post_logout_redirect_uri belongs to. Only it is named to the user.
	proven := ""
	if hint != nil {
		proven = clientID
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
		proven = clientID
	}

	key := ""
	cookie := s.cookieValue(r.Header)
	if cookie != "" {
		key = hashKey(cookie)
		ask, err := s.mustAsk(ctx, hint, key)
		if err != nil {
			return nil, s.internal(ctx, "logout", err)
		}
		if ask {
			s.log.InfoContext(ctx, "logout needs the user's confirmation", "client_id", clientID, "hint", hint != nil)
			return op.NewRedirect(s.confirmURL(pendingLogout{Target: target, Session: key, ClientID: proven,
				Expires: s.now().Add(logoutConfirmTTL).Unix()})), nil
		}
	} else if hint != nil && hint.SID != "" && len(hint.SID) <= 64 {
		raw, err := s.backend.Get(ctx, nsSID, hint.SID)
		if err != nil && !notFound(err) {
			return nil, s.internal(ctx, "logout", err)
		}
		key = sessionKeyOf(raw)
	}
	if key != "" {
		if err := s.deleteSession(ctx, key); err != nil {
			return nil, s.internal(ctx, "logout", err)
		}
	}
	s.log.InfoContext(ctx, "logout", "client_id", clientID, "session_found", key != "")
	red := op.NewRedirect(target)
	if cookie != "" {
		// Only a browser that sent its cookie loses it: a cross-site POST
		// comes without the SameSite=Lax cookie, and must not be able to
		// clear it unasked.
		red.Header.Add("Set-Cookie", s.sessionCookie("", -1).String())
	}
	return red, nil
}

// loggedOutHandler is the plain page a logout without a client lands on.
func (s *Server) loggedOutHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>Signed out</title></head>` +
		`<body><p>ログアウトしました。 You have been signed out.</p></body></html>`))
}

// pathLogoutConfirm is the page that asks before a logout the relying
// party did not prove with an ID token of the browser's session.
const pathLogoutConfirm = "/logout"

// logoutConfirmTTL bounds how long a confirmation page can be answered.
const logoutConfirmTTL = 10 * time.Minute

// sealLogout is the associated data of a sealed pendingLogout.
const sealLogout = "logout"

// pendingLogout is a logout waiting for the user, sealed into the
// confirmation page's URL and form: the page cannot be made to end another
// browser's session or to send the browser elsewhere.
type pendingLogout struct {
	// Target is where the browser goes after the logout: the checked
	// post_logout_redirect_uri (with state) or the logged-out page.
	Target string `json:"t"`
	// Session is the hashKey of the browser's session cookie.
	Session string `json:"s"`
	// ClientID is the client that asked, when the request proved it (a
	// hint, or its registered post_logout_redirect_uri); the page names it.
	ClientID string `json:"c,omitempty"`
	// Expires is in Unix seconds.
	Expires int64 `json:"e"`
}

// errStaleLogout is a confirmation that is not (or no longer) this
// browser's to answer.
var errStaleLogout = errors.New("server: logout confirmation expired or for another browser")

// mustAsk reports whether a logout of the browser session key needs the
// user's confirmation: the session is live and the request did not come
// with an id_token_hint of it.
func (s *Server) mustAsk(ctx context.Context, hint *hintClaims, key string) (bool, error) {
	if hint != nil && hint.SID != "" && len(hint.SID) <= 64 {
		raw, err := s.backend.Get(ctx, nsSID, hint.SID)
		if err != nil && !notFound(err) {
			return false, err
		}
		if sessionKeyOf(raw) == key {
			return false, nil
		}
	}
	var sess session
	err := getJSON(ctx, s.backend, nsSession, key, &sess)
	if notFound(err) {
		return false, nil // nothing to end, nothing to ask
	}
	return err == nil, err
}

// confirmURL is the confirmation page for p.
func (s *Server) confirmURL(p pendingLogout) string {
	b, _ := json.Marshal(p) // strings and a number: cannot fail
	return s.endpoint(pathLogoutConfirm) + "?" + url.Values{"c": {s.secretSeal.seal(b, sealLogout)}}.Encode()
}

// openLogout opens a sealed pendingLogout for the browser whose session
// cookie is cookie. Anything else than an unexpired one sealed here for
// this very browser is errStaleLogout.
func (s *Server) openLogout(sealed, cookie string) (*pendingLogout, error) {
	if sealed == "" || len(sealed) > maxSealedLogout || cookie == "" {
		return nil, errStaleLogout
	}
	raw, err := s.secretSeal.open(sealed, sealLogout)
	if err != nil {
		return nil, errStaleLogout
	}
	var p pendingLogout
	if err := json.Unmarshal(raw, &p); err != nil || p.Target == "" ||
		!equalHash(cookie, p.Session) || s.now().Unix() >= p.Expires {
		return nil, errStaleLogout
	}
	return &p, nil
}

// maxSealedLogout bounds the sealed value read from a request: a target
// of the longest registered URI and state, sealed, fits well inside.
const maxSealedLogout = 16 << 10

// logoutConfirmHandler serves the confirmation page (GET) and its answer
// (POST). No form-action in its CSP: Chrome applies it to the redirect
// to the relying party that answers the form. Only the browser the page was made for can answer it: the
// sealed value names its session cookie, which a cross-site POST does not
// carry (SameSite=Lax).
func (s *Server) logoutConfirmHandler(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	var sealed string
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		sealed = r.URL.Query().Get("c")
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, maxSealedLogout+1024)
		if err := r.ParseForm(); err != nil {
			s.logoutPage(w, http.StatusBadRequest, logoutView{})
			return
		}
		sealed = r.PostForm.Get("c")
	default:
		h.Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx := r.Context()
	p, err := s.openLogout(sealed, s.cookieValue(r.Header))
	if err != nil {
		s.logoutPage(w, http.StatusBadRequest, logoutView{})
		return
	}
	if r.Method != http.MethodPost {
		v := logoutView{Sealed: sealed, Action: s.endpoint(pathLogoutConfirm)}
		if c, err := s.lookupClient(ctx, p.ClientID); err == nil {
			v.Client = c.name
		}
		s.logoutPage(w, http.StatusOK, v)
		return
	}
	if err := s.deleteSession(ctx, p.Session); err != nil {
		s.log.ErrorContext(ctx, "logout failed", "err", err)
		status := http.StatusInternalServerError
		if unavailable(err) {
			status = http.StatusServiceUnavailable
		}
		http.Error(w, "the sign-out could not be completed; try again", status)
		return
	}
	s.log.InfoContext(ctx, "logout", "client_id", p.ClientID, "session_found", true, "confirmed", true)
	http.SetCookie(w, s.sessionCookie("", -1))
	http.Redirect(w, r, p.Target, http.StatusSeeOther)
}

// logoutView is the confirmation page; without Sealed it says the page
// has expired.
type logoutView struct {
	Sealed, Action, Client string
}

var logoutTmpl = template.Must(template.New("logout").Parse(`<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ログアウト Sign out</title>
<style>body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.6}button{font-size:1.1rem;padding:.6rem 1.2rem}</style>
</head><body><main>
{{- if .Sealed}}
<h1>ログアウトしますか？ <span lang="en">Sign out?</span></h1>
<p>{{if .Client}}「{{.Client}}」から、{{end}}このブラウザーでの Inkan のログインを終えるよう求められました。</p>
<p lang="en">{{if .Client}}“{{.Client}}” asks{{else}}You are asked{{end}} to end your Inkan sign-in in this browser.</p>
<form method="post" action="{{.Action}}"><input type="hidden" name="c" value="{{.Sealed}}">
<button type="submit" id="confirm-logout">ログアウトする <span lang="en">Sign out</span></button></form>
<p>ログアウトしないときは、このページを閉じてください。 <span lang="en">To stay signed in, close this page.</span></p>
{{- else}}
<h1>このページは使えません <span lang="en">This page can no longer be used</span></h1>
<p>ログアウトの確認の期限が切れたか、別のブラウザーのものです。ログアウトするには、サービスからもう一度やり直してください。</p>
<p lang="en">The sign-out confirmation has expired or belongs to another browser. To sign out, start again from the service.</p>
{{- end}}
</main></body></html>
`))

// logoutPage writes the confirmation page.
func (s *Server) logoutPage(w http.ResponseWriter, status int, v logoutView) {
	var buf bytes.Buffer
	if err := logoutTmpl.Execute(&buf, v); err != nil {
		s.log.Error("logout page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
