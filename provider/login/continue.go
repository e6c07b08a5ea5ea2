package login

import (
	"errors"
	"net/http"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// serveContinue handles POST /login/continue, the Continue button of a
// browser without JavaScript (the script goes straight to the page's
// data-next, and submits this form only when that is missing or not on
// this origin). The form carries the transaction's id, browser token and
// link in its body, so none of them ever sits in a URL, a log line or a
// Referer. It asks the OIDC core whether the login is done and, if not,
// the bridge why not.
func (h *Handler) serveContinue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	info, err := h.loadInfo(r, r.PostForm.Get("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if info.Done {
		http.Redirect(w, r, h.next(info, r), http.StatusSeeOther)
		return
	}
	l := chooseLang(r, info.UILocales)
	t, err := h.formTx(r)
	if err != nil {
		h.fail(w, r, &pageError{Status: http.StatusBadRequest, Key: "err.badlink", ID: info.ID, Err: err})
		return
	}
	st, err := h.bridge.Status(ctx, t.ID, t.Token)
	if err != nil {
		pe, ok := errors.AsType[*protocol.Error](err)
		switch {
		case ok && (pe.Code == protocol.CodeNotFound || pe.Code == protocol.CodeUnauthorized):
			h.renderLogin(w, r, http.StatusOK, info, l, t, "", protocol.NewError(protocol.CodeExpired))
		case ok && pe.Code == protocol.CodeUnavailable:
			h.fail(w, r, &pageError{Status: http.StatusServiceUnavailable, Key: "err.unavailable", ID: info.ID, Err: err})
		default:
			h.fail(w, r, &pageError{Status: http.StatusInternalServerError, Key: "err.internal", ID: info.ID, Err: err})
		}
		return
	}
	switch st.State {
	case protocol.StateFailed, protocol.StateExpired:
		failure := st.Error
		if failure == nil {
			failure = protocol.NewError(protocol.CodeExpired)
		}
		h.renderLogin(w, r, http.StatusOK, info, l, t, "", failure)
	case protocol.StateDone:
		// The bridge finished but the auth request does not show it yet
		// (another instance, a lagging replica): one more press will do.
		h.renderLogin(w, r, http.StatusOK, info, l, t, text(l, "login.almost"), nil)
	default:
		notice := text(l, "login.notyet")
		if st.Error != nil {
			notice = codeText(l, st.Error.Code) + " " + notice
		}
		if st.DeviceConnected {
			notice = text(l, "login.connected") + " " + notice
		}
		if !st.ExpiresAt.IsZero() {
			t.ExpiresAt = st.ExpiresAt
		}
		t.BindingCode = st.BindingCode
		h.renderLogin(w, r, http.StatusOK, info, l, t, notice, nil)
	}
}

// errFormTx says the posted transaction fields are missing or do not fit
// together.
var errFormTx = errors.New("login: posted transaction fields are invalid")

// formTx reads the transaction from the Continue form. The link must be a
// bridge link under this issuer naming the posted transaction id, so the
// page re-rendered from it can only show a link the bridge issued here.
func (h *Handler) formTx(r *http.Request) (tx, error) {
	t := tx{ID: r.PostForm.Get("tx"), Token: r.PostForm.Get("bt"), Link: r.PostForm.Get("link")}
	if t.ID == "" || t.Token == "" || len(t.Token) > 128 {
		return tx{}, errFormTx
	}
	link, err := protocol.ParseLink(t.Link)
	if err != nil {
		return tx{}, err
	}
	if link.ID != t.ID || link.Origin()+link.Prefix != h.linkBase {
		return tx{}, errFormTx
	}
	t.Link = link.String()
	return t, nil
}
