package login

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/inkan-id/inkan/provider/server"
)

// consentView is the body of the consent page.
type consentView struct {
	ID         string
	ClientName string
	Scopes     []scopeItem
	Action     string
}

// serveConsentPage handles GET /login/consent?id=: what the client will
// receive, in plain words, with Allow and Deny.
func (h *Handler) serveConsentPage(w http.ResponseWriter, r *http.Request) {
	info, err := h.loadInfo(r, r.URL.Query().Get("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !info.Done {
		// The card step comes first; the login page starts it.
		http.Redirect(w, r, h.loginURL(info.ID, r), http.StatusSeeOther)
		return
	}
	if !info.ConsentRequired {
		http.Redirect(w, r, info.CallbackURL, http.StatusSeeOther)
		return
	}
	l := chooseLang(r, info.UILocales)
	v := h.newView(r, l, "title.consent")
	v.CSRF = h.csrfToken(w, r)
	v.SwitchURL = h.base + PathConsent + "?" + url.Values{"id": {info.ID}, langParam: {string(l.other())}}.Encode()
	v.Consent = &consentView{
		ID:         info.ID,
		ClientName: info.ClientName,
		Scopes:     describeScopes(l, info.Scopes),
		Action:     h.base + PathConsent,
	}
	h.render(w, r, http.StatusOK, "consent", v)
}

// serveConsentPost handles POST /login/consent: the user's answer goes to
// the OIDC core, which says where the browser goes next (the callback, or
// the client with access_denied).
func (h *Handler) serveConsentPost(w http.ResponseWriter, r *http.Request) {
	id := r.PostForm.Get("id")
	var granted bool
	switch r.PostForm.Get("decision") {
	case "allow":
		granted = true
	case "deny":
	default:
		h.fail(w, r, &pageError{Status: http.StatusBadRequest, Key: "err.decision"})
		return
	}
	info, err := h.loadInfo(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !info.Done {
		http.Redirect(w, r, h.loginURL(info.ID, r), http.StatusSeeOther)
		return
	}
	next, err := h.srv.Consent(r.Context(), info.ID, granted)
	if errors.Is(err, server.ErrNotLoggedIn) {
		http.Redirect(w, r, h.loginURL(info.ID, r), http.StatusSeeOther)
		return
	}
	if err != nil {
		h.fail(w, r, infoError(err))
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// loginURL is the login page of an auth request, keeping an explicit
// language choice.
func (h *Handler) loginURL(id string, r *http.Request) string {
	q := url.Values{"id": {id}}
	if l := r.FormValue(langParam); l == string(langJA) || l == string(langEN) {
		q.Set(langParam, l)
	}
	return h.base + PathLogin + "?" + q.Encode()
}
