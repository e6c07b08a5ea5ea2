package login

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/bridge"
	"github.com/inkan-id/inkan/provider/server"
	"github.com/inkan-id/inkan/provider/store"
)

// jst is the time zone of the expiry shown without JavaScript: the users
// are in Japan, and a fixed zone needs no tzdata on the server.
var jst = time.FixedZone("JST", 9*60*60)

// newTxParam, present on GET /login (the "start again" form), asks for a
// new card transaction instead of the one the auth request came with.
const newTxParam = "new"

// minFreshTx is how much life the auth request's own transaction must
// have left to be shown; an older one is replaced by a new one.
const minFreshTx = time.Minute

// maxIDLen bounds an auth request id from the query (the bridge accepts
// bindings up to 256 bytes).
const maxIDLen = 256

// validID accepts printable ASCII ids of sane length, so that garbage
// never reaches the store.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] >= 0x7f {
			return false
		}
	}
	return true
}

// loginView is the body of the login page: one card transaction.
type loginView struct {
	ID         string
	ClientName string
	Sign       bool

	TxID    string
	Link    string
	AppLink template.URL // inkan:// is not a scheme html/template trusts by itself
	Token   string
	QR      template.HTML
	// BindingCode is shown next to the QR code; the agent shows it too.
	BindingCode string

	ExpiresISO       string
	ExpiresClock     string
	ExpiresUnixMilli int64
	Remaining        string

	EventsURL, StatusURL string
	ContinueURL          string
	LoginURL             string
	PhoneURL             string
	// Next is where the script sends the browser once the card step is
	// done: next as this request renders it, so that the script skips the
	// Continue form's round trip.
	Next string

	Notice  string // a non-error note, e.g. "not done yet"
	Failure string // why the transaction cannot succeed
	Final   bool   // failed or expired: only "start again" is left
}

// tx is a card transaction as the page knows it.
type tx struct {
	ID, Link, Token string
	BindingCode     string
	ExpiresAt       time.Time
}

// serveLogin handles GET /login?id=: it shows the ways to reach the card
// for the auth request's card transaction, the one /authorize created
// with it while fresh, else (and with new=1) a new one.
func (h *Handler) serveLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	info, err := h.loadInfo(r, r.URL.Query().Get("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	l := chooseLang(r, info.UILocales)
	if info.Done {
		http.Redirect(w, r, h.next(info, r), http.StatusSeeOther)
		return
	}
	// The transaction /authorize created with the request serves the
	// page's first view (and reloads while it is fresh); "start again"
	// asks for a new one.
	created := info.Tx
	if created == nil || r.URL.Query().Has(newTxParam) || created.ExpiresAt.Sub(h.now()) < minFreshTx {
		// The new transaction replaces the request's current one, which
		// can then no longer complete it.
		if created, err = h.srv.RenewTx(ctx, info.ID); err != nil {
			h.fail(w, r, createError(err))
			return
		}
	}
	t := tx{ID: created.ID, Link: created.Link, Token: created.BrowserToken, BindingCode: created.BindingCode, ExpiresAt: created.ExpiresAt}
	var notice string
	if h.autoTap {
		if err := h.tapper.AutoTap(ctx, t.Link); err != nil {
			h.log.WarnContext(ctx, "dev auto-tap failed", "tx", t.ID, "err", err)
			notice = text(l, "login.autotap.failed")
		} else if info, err = h.srv.LoginInfo(ctx, info.ID); err == nil && info.Done {
			http.Redirect(w, r, h.next(info, r), http.StatusSeeOther)
			return
		} else if err != nil {
			h.fail(w, r, infoError(err))
			return
		}
	}
	h.renderLogin(w, r, http.StatusOK, info, l, t, notice, nil)
}

// loadInfo validates the id and loads its auth request; an expired one is
// 410 Gone, and one another browser started is 403.
func (h *Handler) loadInfo(r *http.Request, id string) (*server.LoginInfo, error) {
	if !validID(id) {
		return nil, &pageError{Status: http.StatusBadRequest, Key: "err.unknown"}
	}
	info, err := h.srv.LoginInfo(r.Context(), id)
	if err != nil {
		return nil, infoError(err)
	}
	if !h.srv.SameBrowser(info, r.Header) {
		return nil, &pageError{Status: http.StatusForbidden, Key: "err.otherbrowser"}
	}
	if !info.ExpiresAt.IsZero() && !h.now().Before(info.ExpiresAt) {
		return nil, &pageError{Status: http.StatusGone, Key: "err.expired"}
	}
	return info, nil
}

// next is where a completed login goes: consent when needed, else the
// callback that issues the code.
func (h *Handler) next(info *server.LoginInfo, r *http.Request) string {
	if !info.ConsentRequired {
		return info.CallbackURL
	}
	q := url.Values{"id": {info.ID}}
	if l := r.FormValue(langParam); l == string(langJA) || l == string(langEN) {
		q.Set(langParam, l) // keep an explicit choice
	}
	return h.base + PathConsent + "?" + q.Encode()
}

// createError maps a RenewTx failure to the page shown.
func createError(err error) error {
	if errors.Is(err, bridge.ErrBindingGone) || errors.Is(err, bridge.ErrBindingDone) {
		// Expired, unknown, or completed since the page was loaded.
		return &pageError{Status: http.StatusBadRequest, Key: "err.unknown", Err: err}
	}
	if errors.Is(err, store.ErrUnavailable) {
		return &pageError{Status: http.StatusServiceUnavailable, Key: "err.unavailable", Err: err}
	}
	return &pageError{Status: http.StatusInternalServerError, Key: "err.internal", Err: err}
}

// renderLogin shows the login page for transaction t. failure, when set,
// is the final state's error: the page then offers only "start again".
func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, status int, info *server.LoginInfo, l lang, t tx, notice string, failure *protocol.Error) {
	v := h.newView(r, l, "title.login")
	v.CSRF = h.csrfToken(w, r)
	v.SwitchURL = h.base + PathLogin + "?" + url.Values{"id": {info.ID}, langParam: {string(l.other())}}.Encode()
	lv := &loginView{
		ID:          info.ID,
		ClientName:  info.ClientName,
		Sign:        info.SignatureRequired,
		ContinueURL: h.base + PathContinue,
		LoginURL:    h.base + PathLogin,
		Notice:      notice,
	}
	v.Login = lv
	if failure != nil {
		lv.Final = true
		lv.Failure = codeText(l, failure.Code)
		h.render(w, r, status, "login", v)
		return
	}
	link, err := protocol.ParseLink(t.Link)
	if err != nil {
		h.fail(w, r, &pageError{Status: http.StatusInternalServerError, Key: "err.internal", Err: err})
		return
	}
	qr, err := qrSVG(t.Link, text(l, "login.qr.label"))
	if err != nil {
		h.fail(w, r, &pageError{Status: http.StatusInternalServerError, Key: "err.internal", Err: err})
		return
	}
	txPath := h.base + protocol.TxPath + t.ID
	lv.TxID, lv.Link, lv.Token, lv.QR, lv.BindingCode = t.ID, t.Link, t.Token, qr, t.BindingCode
	lv.AppLink = template.URL(link.AppLink())
	lv.EventsURL, lv.StatusURL = txPath+protocol.EventsSuffix, txPath+protocol.StatusSuffix
	// The consent guess of a request not yet done may turn out wrong; both
	// ends put that right: the consent page sends a login that needs none
	// on to the callback, and the callback sends one that needs consent
	// back to the login page, which sends it to consent.
	lv.Next = h.next(info, r)
	lv.ExpiresISO = t.ExpiresAt.UTC().Format(time.RFC3339)
	lv.ExpiresClock = t.ExpiresAt.In(jst).Format("15:04:05")
	lv.ExpiresUnixMilli = t.ExpiresAt.UnixMilli()
	left := t.ExpiresAt.Sub(h.now())
	if left < time.Minute {
		lv.Remaining = text(l, "login.remaining.lt1")
	} else {
		lv.Remaining = text(l, "login.remaining", int(left.Round(time.Minute)/time.Minute))
	}
	if h.dev {
		lv.PhoneURL = h.phone + "?" + url.Values{"link": {t.Link}}.Encode()
	}
	h.render(w, r, status, "login", v)
}
