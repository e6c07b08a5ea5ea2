package demo

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

var (
	rpHomeTmpl   = parse("rp_home.html")
	rpClaimsTmpl = parse("rp_claims.html")
)

// rpHome is the home page, also used for errors.
type rpHome struct {
	LoginURL string
	Error    string
	Detail   string
}

// rpClaims is the signed-in page.
type rpClaims struct {
	IDToken      []claimRow
	UserInfo     []claimRow
	RawIDToken   string // claims JSON, indented
	RawUserInfo  string
	IDTokenJWT   string // for id_token_hint
	LogoutAction string
	HomeURL      string
}

// claimRow is one line of a claims table.
type claimRow struct {
	Name, Value, Note string
}

// Routes returns the RP's handler at its full paths, e.g. for
// server.Mount("/demo", rp.Routes()).
func (rp *RP) Routes() http.Handler {
	mux := http.NewServeMux()
	rp.Register(mux)
	return mux
}

// Register adds the RP's pages to mux:
//
//	GET  /demo           the "Sign in with My Number Card" buttons
//	GET  /demo/login     starts the code flow (?ekyc=1 asks for verified_claims)
//	GET  /demo/callback  finishes it and shows the claims
//	POST /demo/logout    RP-initiated logout at the provider
func (rp *RP) Register(mux *http.ServeMux) {
	mux.Handle("GET "+rp.prefix+"/{$}", secure(rp.serveHome))
	mux.Handle("GET "+rp.prefix, secure(rp.serveHome))
	mux.Handle("GET "+rp.prefix+"/login", secure(rp.serveLogin))
	mux.Handle("GET "+rp.prefix+"/callback", secure(rp.serveCallback))
	mux.Handle("POST "+rp.prefix+"/logout", secure(rp.serveLogout))
}

func (rp *RP) serveHome(w http.ResponseWriter, r *http.Request) {
	rp.home(w, r, http.StatusOK, "", "")
}

func (rp *RP) home(w http.ResponseWriter, r *http.Request, status int, msg, detail string) {
	render(w, r, rp.log, rpHomeTmpl, status, "Demo bank", rpHome{LoginURL: rp.prefix + "/login", Error: msg, Detail: detail})
}

// serveLogin starts the authorization code flow with PKCE (S256), state
// and nonce, remembered in the signed flow cookie.
func (rp *RP) serveLogin(w http.ResponseWriter, r *http.Request) {
	p, _, err := rp.discover(r.Context())
	if err != nil {
		rp.log.WarnContext(r.Context(), "discovery failed", "err", err)
		rp.home(w, r, http.StatusBadGateway, "The provider could not be reached.", err.Error())
		return
	}
	scopes := scopesLogin
	if r.URL.Query().Get("ekyc") == "1" {
		scopes = scopesEKYC
	}
	f := flow{State: randomString(24), Nonce: randomString(24), Verifier: oauth2.GenerateVerifier(),
		Scopes: scopes, Expires: rp.now().Add(flowTTL).Unix()}
	http.SetCookie(w, rp.flowCookie(rp.seal(f), int(flowTTL.Seconds())))
	target := rp.oauth2Config(p, scopes).AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// serveCallback checks iss (RFC 9207) and state, redeems the code with the
// PKCE verifier, verifies the ID token and its nonce, calls userinfo, and
// shows both.
func (rp *RP) serveCallback(w http.ResponseWriter, r *http.Request) {
	ctx := oidc.ClientContext(r.Context(), rp.client)
	q := r.URL.Query()
	ck, err := r.Cookie(flowCookie)
	if err != nil {
		rp.home(w, r, http.StatusBadRequest, "This sign-in was not started here (no flow cookie).", "")
		return
	}
	f, err := rp.open(ck.Value)
	if err != nil {
		rp.home(w, r, http.StatusBadRequest, "The sign-in could not be matched to this browser.", err.Error())
		return
	}
	http.SetCookie(w, rp.flowCookie("", -1)) // single use
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		rp.home(w, r, http.StatusBadRequest, "The state does not match: the answer belongs to another sign-in.", "")
		return
	}
	if q.Get("iss") != rp.cfg.Issuer {
		rp.home(w, r, http.StatusBadRequest, "The answer names another issuer (RFC 9207 iss check).", q.Get("iss"))
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "The provider refused the sign-in: " + e
		if e == "access_denied" {
			msg = "You did not agree to share your information, so nothing was shared."
		}
		rp.home(w, r, http.StatusOK, msg, q.Get("error_description"))
		return
	}
	p, _, err := rp.discover(ctx)
	if err != nil {
		rp.home(w, r, http.StatusBadGateway, "The provider could not be reached.", err.Error())
		return
	}
	tok, err := rp.oauth2Config(p, f.Scopes).Exchange(ctx, q.Get("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		rp.home(w, r, http.StatusBadGateway, "The code could not be redeemed.", err.Error())
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID}).Verify(ctx, raw)
	if err != nil {
		rp.home(w, r, http.StatusBadGateway, "The ID token did not verify.", err.Error())
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		rp.home(w, r, http.StatusBadGateway, "The ID token's nonce does not match this sign-in.", "")
		return
	}
	var idClaims map[string]any
	if err := idt.Claims(&idClaims); err != nil {
		rp.home(w, r, http.StatusBadGateway, "The ID token's claims do not decode.", err.Error())
		return
	}
	ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		rp.home(w, r, http.StatusBadGateway, "Userinfo failed.", err.Error())
		return
	}
	var uiClaims map[string]any
	if err := ui.Claims(&uiClaims); err != nil {
		rp.home(w, r, http.StatusBadGateway, "Userinfo does not decode.", err.Error())
		return
	}
	rp.log.InfoContext(r.Context(), "demo sign-in", "scopes", strings.Join(f.Scopes, " "))
	render(w, r, rp.log, rpClaimsTmpl, http.StatusOK, "Signed in", rpClaims{
		IDToken: rows(idClaims), UserInfo: rows(uiClaims),
		RawIDToken: indent(idClaims), RawUserInfo: indent(uiClaims),
		IDTokenJWT: raw, LogoutAction: rp.prefix + "/logout", HomeURL: rp.prefix,
	})
}

// serveLogout sends the browser to the provider's end_session endpoint
// (RP-Initiated Logout 1.0) with the ID token as hint and the RP's home as
// post_logout_redirect_uri.
func (rp *RP) serveLogout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		rp.home(w, r, http.StatusBadRequest, "The form could not be read.", "")
		return
	}
	_, endSession, err := rp.discover(r.Context())
	if err != nil || endSession == "" {
		rp.home(w, r, http.StatusBadGateway, "The provider has no end_session endpoint.", "")
		return
	}
	v := url.Values{"post_logout_redirect_uri": {rp.baseURL}, "client_id": {rp.cfg.ClientID}}
	if hint := r.PostForm.Get("id_token_hint"); hint != "" {
		v.Set("id_token_hint", hint)
	}
	sep := "?"
	if strings.Contains(endSession, "?") {
		sep = "&"
	}
	http.Redirect(w, r, endSession+sep+v.Encode(), http.StatusSeeOther)
}

// rows flattens claims into sorted dotted names ("verified_claims.claims.
// family_name"), with times spelled out.
func rows(claims map[string]any) []claimRow {
	var out []claimRow
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, vv := range t {
				name := k
				if prefix != "" {
					name = prefix + "." + k
				}
				walk(name, vv)
			}
		case []any:
			allScalar := true
			for _, e := range t {
				switch e.(type) {
				case map[string]any, []any:
					allScalar = false
				}
			}
			if allScalar {
				parts := make([]string, len(t))
				for i, e := range t {
					parts[i] = fmt.Sprint(e)
				}
				out = append(out, claimRow{Name: prefix, Value: strings.Join(parts, ", ")})
				return
			}
			for i, e := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		case float64:
			row := claimRow{Name: prefix, Value: fmt.Sprint(int64(t))}
			if t != float64(int64(t)) {
				row.Value = fmt.Sprint(t)
			}
			switch prefix {
			case "iat", "exp", "auth_time", "nbf":
				row.Note = time.Unix(int64(t), 0).UTC().Format(time.RFC3339)
			}
			out = append(out, row)
		default:
			out = append(out, claimRow{Name: prefix, Value: fmt.Sprint(t)})
		}
	}
	walk("", claims)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func indent(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if json.Indent(&buf, b, "", "  ") != nil {
		return string(b)
	}
	return buf.String()
}
