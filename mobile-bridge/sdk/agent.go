package inkansdk

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/jpki"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// Defaults of Config. jpki.md §4.3: the card's RSA signature over NFC
// relies on waiting-time extensions, so a single APDU gets 5 s; a whole
// session 30 s.
const (
	DefaultAPDUTimeoutMillis = 5000
	DefaultDeadlineMillis    = 30000
	DefaultCardWaitMillis    = 15000
	DefaultCardRetries       = 2
)

// Config tunes an Agent. The zero value is right for most apps.
type Config struct {
	// CacheDir is a private directory where the SDK may keep the last
	// card's authentication certificate, so that later logins skip reading
	// it (Android: context.noBackupFilesDir; iOS: Application Support).
	// "" keeps it in memory only; SetStore replaces either.
	CacheDir string
	// AllowedHosts, if not empty, is a space-separated list of the only
	// provider hosts ("id.example.jp", "id.example.jp:8443") this app will
	// answer. Links to any other host fail with service_not_trusted
	// before anything is sent.
	AllowedHosts string
	// APDUTimeoutMillis bounds one Transceive call (default 5000). A call
	// that takes longer counts as a lost tag.
	APDUTimeoutMillis int
	// DeadlineMillis bounds each Prepare, ReadCard and Sign call, and each
	// step of Run (default 30000).
	DeadlineMillis int
	// CardWaitMillis bounds one WaitForCard (default 15000, never past the
	// deadline).
	CardWaitMillis int
	// CardRetries is how many times one call waits for the card and
	// repeats steps that do not change it after a lost tag (default 2;
	// negative: never).
	CardRetries int
}

// Agent runs bridge logins for one app. Create one with NewAgent and keep
// it: it holds the prepared transaction, the certificate cache and what it
// knows about a PIN whose answer was lost. Its methods block; call them
// off the UI thread. One operation runs at a time; Cancel may be called
// from any thread.
type Agent struct {
	timeout, deadline, cardWait time.Duration
	retries                     int
	allowed                     map[string]bool
	http                        *http.Client

	op sync.Mutex // one operation at a time

	mu       sync.Mutex // guards the fields below
	store    Store
	progress Progress
	cancel   context.CancelFunc
	tx       *pendingTx
	claims   map[string]string // link → this phone's claim token

	mem  verifyMemory
	gate hostGate
}

// pendingTx is the transaction Prepare fetched.
type pendingTx struct {
	link    string
	purpose protocol.Purpose
	rp      string
	meter   *meter
	// claim is this agent's claim on the transaction: the provider lets
	// only the device that fetched first answer (docs/security.md).
	claim string

	// The last fetched session and the options it was fetched with: a
	// Session keeps its options, so another certificate or confirmation
	// needs another fetch.
	sess        *mobilebridge.Session
	sessCert    []byte
	sessConfirm bool
}

func (t *pendingTx) key() jpki.KeyKind {
	if t != nil && t.purpose == protocol.PurposeSign {
		return jpki.SignKey
	}
	return jpki.AuthKey
}

// NewAgent returns an Agent; cfg may be nil.
func NewAgent(cfg *Config) (*Agent, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	ms := func(v, def int) time.Duration {
		if v <= 0 {
			v = def
		}
		return time.Duration(v) * time.Millisecond
	}
	a := &Agent{
		timeout:  ms(c.APDUTimeoutMillis, DefaultAPDUTimeoutMillis),
		deadline: ms(c.DeadlineMillis, DefaultDeadlineMillis),
		cardWait: ms(c.CardWaitMillis, DefaultCardWaitMillis),
		retries:  c.CardRetries,
		store:    &memStore{},
	}
	switch {
	case a.retries == 0:
		a.retries = DefaultCardRetries
	case a.retries < 0:
		a.retries = 0
	}
	if hosts := strings.Fields(strings.ToLower(c.AllowedHosts)); len(hosts) > 0 {
		a.allowed = make(map[string]bool, len(hosts))
		for _, h := range hosts {
			a.allowed[h] = true
		}
	}
	if c.CacheDir != "" {
		s, err := newDirStore(c.CacheDir)
		if err != nil {
			return nil, newError(CodeInternal, "cache directory: "+err.Error(), err)
		}
		a.store = s
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	a.http = &http.Client{Transport: meteredTransport{rt: tr}, Timeout: a.deadline}
	return a, nil
}

// SetStore replaces where the certificate cache is kept (nil: memory).
func (a *Agent) SetStore(s Store) {
	if s == nil {
		s = &memStore{}
	}
	a.mu.Lock()
	a.store = s
	a.mu.Unlock()
}

// SetProgress sets who receives progress steps during Prepare, ReadCard
// and Sign (nil: nobody). Run reports to its Listener instead.
func (a *Agent) SetProgress(listener Progress) {
	a.mu.Lock()
	a.progress = listener
	a.mu.Unlock()
}

// ForgetCard drops the cached certificate and what the SDK remembers about
// a lost PIN answer, e.g. when the user signs out of the app.
func (a *Agent) ForgetCard() error {
	a.mem.clear()
	if err := a.getStore().Save(authCertKey, nil); err != nil {
		return newError(CodeInternal, "store: "+err.Error(), err)
	}
	return nil
}

// Cancel stops the running operation, which then fails with "cancelled".
// A Transceive already running on the host is left to finish; the SDK
// waits for it before its next one.
func (a *Agent) Cancel() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cancel != nil {
		a.cancel()
	}
}

func (a *Agent) getStore() Store {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.store
}

func (a *Agent) currentTx() *pendingTx {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tx
}

// claimFor returns this phone's claim token for link: the same link opened
// again on this phone keeps its claim, because the provider must see the
// same device. The table is small and short-lived, like transactions.
func (a *Agent) claimFor(link string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.claims[link]; ok {
		return c
	}
	if a.claims == nil || len(a.claims) >= 32 {
		a.claims = make(map[string]string)
	}
	c := protocol.NewClaimToken()
	a.claims[link] = c
	return c
}

func (a *Agent) setTx(tx *pendingTx) {
	a.mu.Lock()
	a.tx = tx
	a.mu.Unlock()
}

// begin starts an operation: it takes the operation lock and returns a
// context that Cancel ends, and the function that ends the operation.
func (a *Agent) begin() (context.Context, func()) {
	a.op.Lock()
	ctx, cancel := context.WithCancel(context.Background())
	a.mu.Lock()
	a.cancel = cancel
	a.mu.Unlock()
	return ctx, func() {
		a.mu.Lock()
		a.cancel = nil
		a.mu.Unlock()
		cancel()
		a.op.Unlock()
	}
}

// step returns a context for one step: the deadline, and m for the HTTP
// transport.
func (a *Agent) step(ctx context.Context, m *meter) (context.Context, context.CancelFunc) {
	return context.WithTimeout(withMeter(ctx, m), a.deadline)
}

// reporter returns the progress function for m: host time is charged to
// the host, not the SDK.
func reporter(m *meter, f func(string)) func(string) {
	if f == nil {
		return func(string) {}
	}
	return func(step string) {
		start := time.Now()
		f(step)
		m.addHost(time.Since(start))
	}
}

func (a *Agent) splitProgress(m *meter) func(string) {
	a.mu.Lock()
	p := a.progress
	a.mu.Unlock()
	if p == nil {
		return reporter(m, nil)
	}
	return reporter(m, p.OnProgress)
}

func (a *Agent) newLink(nfc NFC, m *meter, progress func(string)) *cardLink {
	return &cardLink{nfc: nfc, timeout: a.timeout, gate: &a.gate, mem: &a.mem, meter: m, progress: progress, counter: -1}
}

// Prepare parses a bridge link (https or inkan:// form), checks its host,
// fetches the transaction and returns who is asking and for what. It does
// not touch the card. The Agent keeps the transaction for ReadCard and
// Sign; a later Prepare replaces it.
func (a *Agent) Prepare(link string) (*Request, error) {
	ctx, end := a.begin()
	defer end()
	m := &meter{}
	start := time.Now()
	defer func() { m.addTotal(time.Since(start)) }()
	sctx, cancel := a.step(ctx, m)
	defer cancel()
	req, err := a.prepare(sctx, link, m, a.splitProgress(m))
	if err != nil {
		return nil, mapError(err, jpki.AuthKey)
	}
	return req, nil
}

func (a *Agent) prepare(ctx context.Context, link string, m *meter, progress func(string)) (*Request, error) {
	l, err := protocol.ParseLink(link)
	if err != nil {
		return nil, err
	}
	if a.allowed != nil && !a.allowed[l.Host] {
		return nil, newError(CodeServiceNotTrusted, "host "+l.Host+" is not in AllowedHosts", nil)
	}
	progress(StepConnecting)
	cert := loadCert(a.getStore(), time.Now())
	claim := a.claimFor(link)
	sess, err := mobilebridge.Fetch(ctx, link, &mobilebridge.Options{HTTPClient: a.http, CachedCertificate: cert, ClaimToken: claim})
	if err != nil {
		return nil, err
	}
	t := sess.Transaction
	a.setTx(&pendingTx{link: link, purpose: t.Purpose, rp: t.RelyingParty.Name, meter: m, claim: claim, sess: sess, sessCert: cert})
	key := jpki.AuthKey
	if t.Purpose == protocol.PurposeSign {
		key = jpki.SignKey
	}
	req := &Request{
		RelyingPartyName:    t.RelyingParty.Name,
		ClientID:            t.RelyingParty.ClientID,
		Purpose:             string(t.Purpose),
		Credential:          credentialOf(key),
		MaxTries:            key.MaxTries(),
		Attributes:          strings.Join(t.Scopes, " "),
		ExpiresAtUnixMillis: t.ExpiresAt.UnixMilli(),
		Origin:              sess.Link.Origin(),
	}
	// The binding code comes with cross-device claims; an older
	// mobilebridge has no accessor, and the field stays empty.
	if bc, ok := any(sess).(interface{ BindingCode() string }); ok {
		req.BindingCode = bc.BindingCode()
	}
	return req, nil
}

// ReadCard selects the JPKI application and reads the retry counter of
// the credential the prepared transaction needs (the PIN if none was
// prepared). It never spends a try. A blocked PIN fails with pin_blocked;
// a card without the application with not_a_my_number_card; and wrong_pin
// when a PIN whose answer was lost with the tag did reach the card and was
// wrong (ask the user for the PIN again).
func (a *Agent) ReadCard(nfc NFC) (*CardStatus, error) {
	ctx, end := a.begin()
	defer end()
	tx := a.currentTx()
	m := &meter{}
	if tx != nil {
		m = tx.meter
	}
	start := time.Now()
	defer func() { m.addTotal(time.Since(start)) }()
	if nfc == nil {
		return nil, newError(CodeInternal, "ReadCard without an NFC link", nil)
	}
	sctx, cancel := a.step(ctx, m)
	defer cancel()
	st, err := a.readCard(sctx, nfc, tx.key(), m, a.splitProgress(m))
	if err != nil {
		return nil, mapError(err, tx.key())
	}
	return st, nil
}

func (a *Agent) readCard(ctx context.Context, nfc NFC, key jpki.KeyKind, m *meter, progress func(string)) (*CardStatus, error) {
	link := a.newLink(nfc, m, progress)
	progress(StepReading)
	var tries int
	for lost := 0; ; lost++ {
		link.begin()
		c := jpki.New(link, nil)
		err := c.Select(ctx)
		if err == nil {
			tries, _, err = c.Retries(ctx, key)
		}
		if err == nil {
			break
		}
		if errors.Is(err, cardauth.ErrCardGone) && lost < a.retries {
			if err := link.waitForCard(ctx, a.cardWait); err != nil {
				return nil, err
			}
			continue
		}
		return nil, err
	}
	if tries == 0 {
		return nil, pinError(CodePINBlocked, key, 0, "the card's counter is 0", nil)
	}
	if pending, before := a.mem.get(); pending && tries < before {
		// A PIN whose answer was lost reached the card and was wrong.
		// Said once, here or by Sign, so that the next PIN goes through.
		a.mem.clear()
		return nil, pinError(CodeWrongPIN, key, tries, "the previous PIN reached the card and was wrong", nil)
	}
	return &CardStatus{
		Credential:        credentialOf(key),
		TriesLeft:         tries,
		MaxTries:          key.MaxTries(),
		LastTry:           tries == 1,
		CertificateCached: key == jpki.AuthKey && loadCert(a.getStore(), time.Now()) != nil,
	}, nil
}

// Sign answers the prepared transaction with the card: it checks the PIN's
// format (a malformed PIN never reaches the card), re-reads the retry
// counter (refusing at 0, and at 1 unless confirmLastTry), presents the
// PIN once, has the card sign, and posts the answer. On iOS, call it
// inside the NFC session with the PIN typed before it.
//
// After card_moved_away, call Sign again with the same PIN once the card
// is back: it starts over from SELECT and the counter, and if the lost PIN
// did reach the card and was wrong, it reports wrong_pin without sending
// it again.
func (a *Agent) Sign(nfc NFC, pin string, confirmLastTry bool) (*Result, error) {
	ctx, end := a.begin()
	defer end()
	tx := a.currentTx()
	if tx == nil {
		return nil, newError(CodeInternal, "Sign before Prepare (or after the transaction was answered)", nil)
	}
	if nfc == nil {
		return nil, newError(CodeInternal, "Sign without an NFC link", nil)
	}
	start := time.Now()
	sctx, cancel := a.step(ctx, tx.meter)
	defer cancel()
	res, err := a.sign(sctx, nfc, pin, confirmLastTry, tx, a.splitProgress(tx.meter))
	tx.meter.addTotal(time.Since(start))
	if err != nil {
		return nil, mapError(err, tx.key())
	}
	tx.meter.fill(res)
	return res, nil
}

// certRejections are the provider's answers that a stale cached
// certificate can cause: another card (the signature does not match), or
// a card renewed since (the old certificate expired or was revoked).
var certRejections = map[protocol.Code]bool{
	protocol.CodeBadSignature:         true,
	protocol.CodeCertificateExpired:   true,
	protocol.CodeCertificateRevoked:   true,
	protocol.CodeUntrustedCertificate: true,
}

func (a *Agent) sign(ctx context.Context, nfc NFC, pin string, confirm bool, tx *pendingTx, progress func(string)) (*Result, error) {
	key := tx.key()
	if _, err := jpki.NormalizePIN(key, pin); err != nil {
		return nil, err
	}
	store := a.getStore()
	var cert []byte
	if key == jpki.AuthKey {
		cert = loadCert(store, time.Now())
	}
	fromCache := cert != nil
	link := a.newLink(nfc, tx.meter, progress)
	progress(StepReading)
	lost, reread := 0, false
	for attempts := 1; ; attempts++ {
		link.begin()
		res, read, err := a.attempt(ctx, link, tx, key, pin, confirm, cert)
		if err == nil {
			if key == jpki.AuthKey && read {
				_ = store.Save(authCertKey, res.Certificate) // the cache is only an optimisation
			}
			a.setTx(nil)
			progress(StepDone)
			return &Result{
				RelyingPartyName: tx.rp,
				APDUs:            link.apdus,
				CertificateRead:  read,
				CacheHit:         fromCache,
				Attempts:         attempts,
			}, nil
		}
		var pe *protocol.Error
		if fromCache && errors.As(err, &pe) && certRejections[pe.Code] {
			_ = store.Save(authCertKey, nil)
			// Read the certificate and answer once more, while the
			// provider still takes an answer: this presents again the PIN
			// the card accepted a moment ago. It stays the same card
			// because the attempt gives up, rather than wait, if the tag is
			// lost (the reread check below): IsoDep and CoreNFC bind one
			// tag, so an answering card is the card that took the PIN.
			if pe.Retry && !reread && link.verifyOK && !link.lostAfterVerifyOK {
				reread, fromCache, cert = true, false, nil
				continue
			}
		}
		if errors.Is(err, cardauth.ErrCardGone) && !link.verifySent && !reread && lost < a.retries {
			// Nothing sent so far in this attempt can change the card:
			// wait for it and start the attempt over.
			lost++
			if err := link.waitForCard(ctx, a.cardWait); err != nil {
				return nil, err
			}
			continue
		}
		return nil, err
	}
}

// attempt is one run from SELECT to the provider's answer. On the cold
// path of a login the certificate is read before VERIFY (the physical
// card gives it without a PIN), so a lost tag while reading it is safe to
// retry. A smartphone token refuses that read (6982); Login then reads it
// after VERIFY.
func (a *Agent) attempt(ctx context.Context, link *cardLink, tx *pendingTx, key jpki.KeyKind, pin string, confirm bool, cert []byte) (*mobilebridge.Result, bool, error) {
	read := false
	if key == jpki.AuthKey && cert == nil {
		c := jpki.New(link, nil)
		if err := c.Select(ctx); err != nil {
			return nil, false, err
		}
		b, err := c.ReadCertificate(ctx, jpki.AuthKey)
		switch {
		case err == nil:
			cert, read = b, true
		case errors.Is(err, jpki.ErrSecurityStatus):
		default:
			return nil, false, err
		}
	}
	if tx.sess == nil || !bytes.Equal(tx.sessCert, cert) || tx.sessConfirm != confirm {
		sess, err := mobilebridge.Fetch(ctx, tx.link, &mobilebridge.Options{HTTPClient: a.http, CachedCertificate: cert, ConfirmLastTry: confirm, ClaimToken: tx.claim})
		if err != nil {
			return nil, read, err
		}
		tx.sess, tx.sessCert, tx.sessConfirm = sess, cert, confirm
	}
	res, err := tx.sess.Answer(ctx, link, pin)
	if err != nil {
		return nil, read, err
	}
	return res, read || res.CertRead, nil
}

// maxRounds bounds Run's loop; the card's counter and the provider's
// attempt limit end it much earlier in practice.
const maxRounds = 12

// Run answers a bridge link in one call, for apps that can keep the NFC
// link open while the user types the PIN (Android): Prepare, OnRequest,
// ReadCard, AskPIN, Sign. It asks again after a wrong or malformed PIN,
// and retries with the same PIN after the card moved away. It returns
// when the login is done or cannot succeed.
func (a *Agent) Run(link string, nfc NFC, listener Listener) (*Result, error) {
	l := listener
	ctx, end := a.begin()
	defer end()
	m := &meter{}
	start := time.Now()
	if l == nil || nfc == nil {
		return nil, newError(CodeInternal, "Run needs an NFC link and a Listener", nil)
	}
	progress := reporter(m, l.OnProgress)
	host := func(f func()) {
		t := time.Now()
		f()
		m.addHost(time.Since(t))
	}
	key := jpki.AuthKey
	fail := func(err error) (*Result, error) { return nil, mapError(err, key) }

	sctx, cancel := a.step(ctx, m)
	req, err := a.prepare(sctx, link, m, progress)
	cancel()
	if err != nil {
		return fail(err)
	}
	tx := a.currentTx()
	key = tx.key()
	host(func() { l.OnRequest(req) })

	pin, confirm, problem, moved := "", false, "", 0
	for range maxRounds {
		sctx, cancel := a.step(ctx, m)
		st, err := a.readCard(sctx, nfc, key, m, progress)
		cancel()
		if err != nil {
			if se := mapError(err, key); se.Code == CodeWrongPIN {
				// The PIN sent before the tag was lost was wrong.
				pin, problem = "", se.Code
				continue
			}
			return fail(err)
		}
		if pin == "" {
			q := &PINQuestion{Credential: st.Credential, TriesLeft: st.TriesLeft, MaxTries: st.MaxTries,
				LastTry: st.LastTry, Problem: problem, RelyingPartyName: req.RelyingPartyName}
			var ans *PINAnswer
			host(func() { ans = l.AskPIN(q) })
			if ans == nil || ans.Cancel {
				return fail(errCancelled)
			}
			if ctx.Err() != nil {
				return fail(ctx.Err())
			}
			if st.LastTry && !ans.ConfirmLastTry {
				return fail(jpki.ErrLastTry)
			}
			pin, confirm = ans.pin, ans.ConfirmLastTry
		}
		sctx, cancel = a.step(ctx, m)
		res, err := a.sign(sctx, nfc, pin, confirm, tx, progress)
		cancel()
		if err == nil {
			m.addTotal(time.Since(start))
			m.fill(res)
			return res, nil
		}
		se := mapError(err, key)
		switch se.Code {
		case CodeWrongPIN, CodeBadPINFormat, CodeLastTryNeedsConfirmation:
			pin, problem = "", se.Code
		case CodeCardMovedAway:
			if moved++; moved > a.retries+1 {
				return nil, se
			}
			problem = ""
		default:
			return nil, se
		}
	}
	return fail(errors.New("inkansdk: too many rounds"))
}
