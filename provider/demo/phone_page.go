package demo

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/inkan-id/inkan/cardauth/jpki"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

var phoneTmpl = parse("phone.html")

// phoneView is the phone page.
type phoneView struct {
	Action    string
	CSRF      string
	Link      string
	LinkError string
	// What the transaction asks, fetched like the app does.
	Tx        *protocol.Transaction
	Sign      bool
	ExpiresIn string
	// Prompt is what the app says before asking for the PIN, with the
	// binding code to compare with the login page.
	Prompt *mobilebridge.Prompt
	// Card state.
	AuthTries int
	SignTries int
	HasSign   bool
	// Outcome of a tap.
	Outcome *outcome
}

// outcome is the result of a tap in plain words.
type outcome struct {
	OK      bool
	Code    string
	Message string
}

// Routes returns the phone's handler at its full path (issuer path
// included), e.g. for server.Mount("/dev/phone", p.Routes()).
func (p *Phone) Routes() http.Handler {
	mux := http.NewServeMux()
	p.Register(mux)
	return mux
}

// Register adds GET and POST /dev/phone to mux.
func (p *Phone) Register(mux *http.ServeMux) {
	mux.Handle("GET "+p.base+PathPhone, secure(p.serveGet))
	mux.Handle("POST "+p.base+PathPhone, secure(p.servePost))
}

// view starts the page: the card's counters, and the transaction behind
// link if there is one.
func (p *Phone) view(ctx context.Context, w http.ResponseWriter, r *http.Request, link string, fetch bool) *phoneView {
	f := p.card.File()
	v := &phoneView{Action: p.base + PathPhone, CSRF: p.csrf.token(w, r), Link: link, AuthTries: f.Auth.TriesLeft}
	if f.Sign != nil {
		v.HasSign, v.SignTries = true, f.Sign.TriesLeft
	}
	if link == "" || !fetch {
		return v
	}
	l, err := p.parseLink(link)
	if err != nil {
		v.LinkError = describe(err).Message
		return v
	}
	s, err := mobilebridge.Fetch(ctx, l.String(), p.options(false))
	if err != nil {
		v.LinkError = describe(err).Message
		return v
	}
	v.Tx = &s.Transaction
	v.Sign = s.Transaction.Purpose == protocol.PurposeSign
	v.ExpiresIn = max(time.Until(s.Transaction.ExpiresAt), 0).Round(time.Second).String()
	pr := s.Prompt()
	v.Prompt = &pr
	return v
}

// serveGet shows the phone, with the transaction of ?link= if given.
func (p *Phone) serveGet(w http.ResponseWriter, r *http.Request) {
	v := p.view(r.Context(), w, r, r.URL.Query().Get("link"), true)
	render(w, r, p.log, phoneTmpl, http.StatusOK, "Virtual phone", v)
}

// servePost is "Tap card": it runs the card against the link's
// transaction with the PIN typed, server-side, through mobile-bridge.
func (p *Phone) servePost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil || !p.csrf.ok(r) {
		v := p.view(r.Context(), w, r, "", false)
		v.Outcome = &outcome{Code: "csrf", Message: "The form was refused (CSRF check). Reload the page and try again."}
		render(w, r, p.log, phoneTmpl, http.StatusForbidden, "Virtual phone", v)
		return
	}
	link, pin := r.PostForm.Get("link"), r.PostForm.Get("pin")
	confirm := r.PostForm.Get("confirm") == "1"
	var res *mobilebridge.Result
	l, err := p.parseLink(link)
	if err == nil {
		res, err = p.tap(r.Context(), l, func(*mobilebridge.Session) string { return pin }, confirm)
	}
	oc := describe(err)
	if l != nil {
		p.log.InfoContext(r.Context(), "tap", "tx", l.ID, "outcome", oc.Code)
	}
	// After a successful tap the transaction is used up: show what was
	// answered instead of fetching it again.
	v := p.view(r.Context(), w, r, link, res == nil)
	if res != nil {
		v.Tx = &res.Transaction
		v.Sign = res.Transaction.Purpose == protocol.PurposeSign
	}
	v.Outcome = oc
	render(w, r, p.log, phoneTmpl, http.StatusOK, "Virtual phone", v)
}

// outcomeCode is the short code of a tap's result, for logs.
func outcomeCode(err error) string { return describe(err).Code }

// describe says what happened in plain words, the way the app would.
func describe(err error) *outcome {
	if err == nil {
		return &outcome{OK: true, Code: "done", Message: "Done. Your card was accepted; go back to the login page, it moves on by itself."}
	}
	var (
		wrong  *jpki.WrongPINError
		format *jpki.PINFormatError
		perr   *protocol.Error
		lerr   *protocol.LinkError
		terr   *mobilebridge.TransportError
		berr   *mobilebridge.BadAnswerError
	)
	switch {
	case errors.As(err, &wrong) && wrong.Remaining > 0:
		return &outcome{Code: "wrong_pin", Message: plural("Wrong PIN. %d tries left before the card locks.", "Wrong PIN. 1 try left before the card locks.", wrong.Remaining)}
	case errors.Is(err, jpki.ErrPINBlocked):
		return &outcome{Code: "blocked", Message: "The PIN is blocked. A real card needs a visit to the city office; for this virtual card, issue a new one (inkan vcard new --force)."}
	case errors.Is(err, jpki.ErrLastTry):
		return &outcome{Code: "last_try", Message: "Only one try is left: a wrong PIN now locks the card. Tick the confirmation box to go ahead."}
	case errors.As(err, &format):
		return &outcome{Code: "pin_format", Message: "That PIN cannot be right: " + format.Reason + ". Nothing was sent to the card."}
	case errors.Is(err, jpki.ErrFileNotFound):
		return &outcome{Code: "no_certificate", Message: "This card has no such certificate (a card without a signature certificate?)."}
	case errors.As(err, &perr):
		return &outcome{Code: string(perr.Code), Message: perr.Message}
	case errors.Is(err, ErrForeignLink):
		return &outcome{Code: "foreign_link", Message: "This link belongs to another provider; the virtual phone only answers links of this server."}
	case errors.As(err, &lerr):
		return &outcome{Code: "bad_link", Message: "That is not a bridge link: " + lerr.Reason + "."}
	case errors.As(err, &terr), errors.As(err, &berr):
		return &outcome{Code: "unreachable", Message: "The provider could not be reached properly: " + err.Error()}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &outcome{Code: "timeout", Message: "It took too long. Please try again."}
	case jpki.IsCardGone(err):
		return &outcome{Code: "card_gone", Message: "The card was lost during the tap. Hold it still and try again."}
	}
	return &outcome{Code: "error", Message: "Something went wrong: " + strings.TrimPrefix(err.Error(), "jpki: ")}
}

func plural(many, one string, n int) string {
	if n == 1 {
		return one
	}
	return strings.Replace(many, "%d", itoa(n), 1)
}
