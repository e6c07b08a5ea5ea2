package bridge

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	"github.com/inkan-id/inkan/provider/store"
)

func TestHappyPath(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	if c.AppLink != l.AppLink() || !strings.HasPrefix(c.Link, e.srv.URL+"/bridge/v1/tx/"+c.ID+"#") {
		t.Fatalf("links: %s %s", c.Link, c.AppLink)
	}
	if st := e.status(c); st.State != protocol.StatePending || st.Error != nil || !st.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("status before: %+v", st)
	}

	tx, perr := e.fetch(l)
	if perr != nil {
		t.Fatal(perr)
	}
	if tx.ID != c.ID || tx.Purpose != protocol.PurposeAuth || tx.RelyingParty != rp || len(tx.Scopes) != 1 ||
		tx.ExpiresAt.Sub(tx.CreatedAt) != MaxTTL || !tx.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("transaction: %+v", tx)
	}
	resp := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
	if perr := e.post(l, l.Secret, resp); perr != nil {
		t.Fatal(perr)
	}

	if e.comp.count() != 1 {
		t.Fatalf("Completer called %d times", e.comp.count())
	}
	got := e.comp.calls[0]
	if got.binding != "authreq-1" || got.login.TxID != c.ID || got.login.Purpose != protocol.PurposeAuth ||
		got.login.Card.String() != cardID(t, fx(t).a) || got.login.Attributes != nil || got.login.SoftFailed ||
		time.Since(got.login.VerifiedAt) > time.Minute || len(got.login.Certificate) == 0 {
		t.Fatalf("login: %+v", got)
	}
	if st := e.status(c); st.State != protocol.StateDone || st.Error != nil {
		t.Fatalf("status after: %+v", st)
	}
	// The agent cannot fetch a used transaction either.
	_, perr = e.fetch(l)
	wantCode(t, perr, protocol.CodeAlreadyUsed)
}

func TestSignPurpose(t *testing.T) {
	e := newEnv(t, nil)
	_, l := e.create(protocol.PurposeSign)
	tx, _ := e.fetch(l)
	// The auth key cannot answer a sign transaction, even with sign-type
	// client_data.
	wrong := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
	perr := e.post(l, l.Secret, wrong)
	wantCode(t, perr, protocol.CodeWrongPurpose)
	if !perr.Retry {
		t.Error("first wrong answer should allow a retry")
	}
	if perr := e.post(l, l.Secret, e.goodAnswer(l)); perr != nil {
		t.Fatal(perr)
	}
	a := e.comp.calls[0].login.Attributes
	if a == nil || a.Name != holder.Name || a.Birthdate != holder.Birthdate || a.Address != holder.Address {
		t.Fatalf("attributes: %+v", a)
	}
}

func TestReplayAfterDone(t *testing.T) {
	e := newEnv(t, nil)
	_, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	if perr := e.post(l, l.Secret, resp); perr != nil {
		t.Fatal(perr)
	}
	wantCode(t, e.post(l, l.Secret, resp), protocol.CodeAlreadyUsed)
	if e.comp.count() != 1 {
		t.Fatalf("Completer called %d times", e.comp.count())
	}
}

func TestExpired(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	e.offset.Store(int64(MaxTTL + time.Second))
	_, perr := e.fetch(l)
	wantCode(t, perr, protocol.CodeExpired)
	wantCode(t, e.post(l, l.Secret, resp), protocol.CodeExpired)
	if st := e.status(c); st.State != protocol.StateExpired || st.Error == nil || st.Error.Code != protocol.CodeExpired {
		t.Fatalf("status: %+v", st)
	}
	if e.comp.count() != 0 {
		t.Fatal("Completer called for an expired transaction")
	}
}

func TestForeignTransaction(t *testing.T) {
	e := newEnv(t, nil)
	_, l1 := e.create(protocol.PurposeAuth)
	_, l2 := e.create(protocol.PurposeAuth)
	// Another transaction's secret opens nothing here.
	_, perr := e.fetch(&protocol.Link{Scheme: l1.Scheme, Host: l1.Host, ID: l1.ID, Secret: l2.Secret})
	wantCode(t, perr, protocol.CodeUnauthorized)
	// A genuine answer to transaction 2, posted to transaction 1 by the
	// agent that opened both.
	if _, perr := e.fetch(l1); perr != nil {
		t.Fatal(perr)
	}
	wantCode(t, e.post(l1, l1.Secret, e.goodAnswer(l2)), protocol.CodeChallengeMismatch)
	if e.comp.count() != 0 {
		t.Fatal("Completer called")
	}
}

func TestUnauthorized(t *testing.T) {
	e := newEnv(t, nil)
	_, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	body, _ := json.Marshal(resp)
	wrong := l.Secret[:len(l.Secret)-2] + "AA"
	for name, auth := range map[string]string{
		"none":         "",
		"wrong secret": "Bearer " + wrong,
		"basic":        "Basic " + l.Secret,
		"no token":     "Bearer ",
	} {
		for _, method := range []string{"GET", "POST"} {
			req, _ := http.NewRequest(method, l.TxURL(), strings.NewReader(string(body)))
			req.Header.Set("Content-Type", protocol.MediaType)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: %d", name, method, res.StatusCode)
			}
		}
	}
	// Nothing was spent: the right secret still works.
	if perr := e.post(l, l.Secret, resp); perr != nil {
		t.Fatal(perr)
	}
}

func TestRejectedAnswers(t *testing.T) {
	cases := []struct {
		name string
		code protocol.Code
		make func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response
	}{
		{"bad signature", protocol.CodeBadSignature, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			r := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
			r.Signature[10] ^= 1
			return r
		}},
		{"other card's certificate", protocol.CodeBadSignature, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			r := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
			r.Certificate = fx(t).b.Auth.Certificate
			return r
		}},
		{"wrong origin", protocol.CodeOriginMismatch, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			return sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, func(c *clientdata.ClientData) { c.Origin = "https://evil.example.com" }))
		}},
		{"wrong nonce", protocol.CodeChallengeMismatch, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			return sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, func(c *clientdata.ClientData) { c.Nonce[0] ^= 1 }))
		}},
		{"wrong type", protocol.CodeWrongPurpose, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			return sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, func(c *clientdata.ClientData) { c.Type = clientdata.TypeSign }))
		}},
		{"old time", protocol.CodeStaleResponse, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			return sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, func(c *clientdata.ClientData) { c.Time = time.Now().Add(-time.Hour) }))
		}},
		{"not a certificate", protocol.CodeMalformed, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			r := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
			r.Certificate = []byte{0x30, 0x03, 0x02, 0x01, 0x01}
			return r
		}},
		{"CA certificate", protocol.CodeUntrustedCertificate, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			r := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
			r.Certificate = fx(t).a.Auth.CACertificate
			return r
		}},
		{"revoked", protocol.CodeCertificateRevoked, func(e *env, l *protocol.Link, tx *protocol.Transaction) protocol.Response {
			r := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
			cert := mustParse(t, r.Certificate)
			e.rev.Revoke(cert.AuthorityKeyId, cert.SerialNumber, 1, time.Now().Add(-time.Hour))
			return r
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			cr, l := e.create(protocol.PurposeAuth)
			tx, _ := e.fetch(l)
			perr := e.post(l, l.Secret, c.make(e, l, tx))
			wantCode(t, perr, c.code)
			if !perr.Retry || perr.MessageJA == "" {
				t.Errorf("error %+v", perr)
			}
			if e.comp.count() != 0 {
				t.Fatal("Completer called")
			}
			// The page sees the reason, and the transaction is still open.
			st := e.status(cr)
			if st.State != protocol.StatePending || st.Error == nil || st.Error.Code != c.code {
				t.Fatalf("status %+v", st)
			}
			if c.code == protocol.CodeCertificateRevoked {
				return // the card stays revoked
			}
			if perr := e.post(l, l.Secret, e.goodAnswer(l)); perr != nil {
				t.Fatalf("good answer after a rejected one: %v", perr)
			}
		})
	}
}

func TestMalformedBodies(t *testing.T) {
	// One attempt only: a malformed body must not spend it.
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 1 })
	c, l := e.create(protocol.PurposeAuth)
	good := e.goodAnswer(l)
	goodJSON, _ := json.Marshal(good)
	cases := []struct {
		name, ctype, body string
	}{
		{"empty", protocol.MediaType, ""},
		{"not JSON", protocol.MediaType, "hello"},
		{"array", protocol.MediaType, "[" + string(goodJSON) + "]"},
		{"unknown key", protocol.MediaType, strings.Replace(string(goodJSON), "{", `{"extra":"AA",`, 1)},
		{"missing key", protocol.MediaType, `{"client_data":"YQ","certificate":"YQ"}`},
		{"duplicate key", protocol.MediaType, strings.Replace(string(goodJSON), "{", `{"signature":"YQ",`, 1)},
		{"std base64", protocol.MediaType, `{"client_data":"a+/=","certificate":"YQ","signature":"YQ"}`},
		{"trailing data", protocol.MediaType, string(goodJSON) + "{}"},
		{"too large", protocol.MediaType, `{"client_data":"` + strings.Repeat("A", protocol.MaxResponseSize) + `"}`},
		{"text/plain", "text/plain", string(goodJSON)},
		{"no content type", "", string(goodJSON)},
	}
	for _, tc := range cases {
		wantCode(t, e.postRaw(l, l.Secret, tc.ctype, []byte(tc.body)), protocol.CodeMalformed)
	}
	if st := e.status(c); st.State != protocol.StatePending || st.Error != nil {
		t.Fatalf("status after malformed bodies: %+v", st)
	}
	if perr := e.post(l, l.Secret, good); perr != nil {
		t.Fatalf("good answer after malformed ones: %v", perr)
	}
}

func TestConcurrentDoublePost(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	const n = 8
	var wg sync.WaitGroup
	results := make([]*protocol.Error, n)
	for i := range n {
		wg.Go(func() { results[i] = e.post(l, l.Secret, resp) })
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		switch {
		case r == nil:
			ok++
		case r.Code != protocol.CodeAlreadyUsed:
			t.Errorf("loser got %s", r.Code)
		}
	}
	if ok != 1 || e.comp.completed() != 1 {
		t.Fatalf("%d successes, %d completions; want 1 and 1", ok, e.comp.completed())
	}
	if st := e.status(c); st.State != protocol.StateDone {
		t.Fatalf("status %+v", st)
	}
}

func TestCompleterFailureLeavesPending(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 1 })
	e.comp.fail = []error{errors.New("database is down")}
	c, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	perr := e.post(l, l.Secret, resp)
	wantCode(t, perr, protocol.CodeUnavailable)
	if !perr.Retry {
		t.Error("unavailable should allow a retry")
	}
	if st := e.status(c); st.State != protocol.StatePending {
		t.Fatalf("status %+v", st)
	}
	// The same answer, once more: the failure cost no attempt.
	if perr := e.post(l, l.Secret, resp); perr != nil {
		t.Fatal(perr)
	}
	if e.comp.count() != 2 || e.status(c).State != protocol.StateDone {
		t.Fatalf("calls %d, status %+v", e.comp.count(), e.status(c))
	}
}

func TestCompleterBindingGone(t *testing.T) {
	e := newEnv(t, nil)
	e.comp.fail = []error{ErrBindingGone}
	c, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	wantCode(t, e.post(l, l.Secret, resp), protocol.CodeExpired)
	if st := e.status(c); st.State != protocol.StateFailed || st.Error.Code != protocol.CodeExpired {
		t.Fatalf("status %+v", st)
	}
	wantCode(t, e.post(l, l.Secret, resp), protocol.CodeExpired)
	if e.comp.count() != 1 {
		t.Fatalf("calls %d", e.comp.count())
	}
}

func TestAttemptsLimit(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	good := e.goodAnswer(l)
	for i := 1; i <= DefaultMaxAttempts; i++ {
		bad := good
		bad.Signature = append([]byte(nil), good.Signature...)
		bad.Signature[0] ^= 0x80
		perr := e.post(l, l.Secret, bad)
		wantCode(t, perr, protocol.CodeBadSignature)
		if last := i == DefaultMaxAttempts; perr.Retry == last {
			t.Fatalf("attempt %d: retry %v", i, perr.Retry)
		}
	}
	wantCode(t, e.post(l, l.Secret, good), protocol.CodeTooManyAttempts)
	_, perr := e.fetch(l)
	wantCode(t, perr, protocol.CodeTooManyAttempts)
	if st := e.status(c); st.State != protocol.StateFailed || st.Error.Code != protocol.CodeTooManyAttempts {
		t.Fatalf("status %+v", st)
	}
	if e.comp.count() != 0 {
		t.Fatal("Completer called")
	}
}

func TestStoreUnavailable(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	e.db.Close()
	_, perr := e.fetch(l)
	wantCode(t, perr, protocol.CodeUnavailable)
	wantCode(t, e.post(l, l.Secret, resp), protocol.CodeUnavailable)
	_, err := e.svc.Status(bg, c.ID, c.BrowserToken)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeUnavailable {
		t.Fatalf("Status: %v", err)
	}
	if _, err := e.svc.Create(bg, "authreq-2", protocol.PurposeAuth, rp); err == nil {
		t.Fatal("Create on a closed store succeeded")
	}
}

func TestRevocationUnavailableIsNotCounted(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 1 })
	c, l := e.create(protocol.PurposeAuth)
	resp := e.goodAnswer(l)
	cert := mustParse(t, resp.Certificate)
	e.rev.Set(cert.AuthorityKeyId, cert.SerialNumber, revocationUnknown())
	perr := e.post(l, l.Secret, resp)
	wantCode(t, perr, protocol.CodeRevocationUnavailable)
	if !perr.Retry {
		t.Error("retry should be allowed")
	}
	e.rev.Set(cert.AuthorityKeyId, cert.SerialNumber, revocationGood())
	if perr := e.post(l, l.Secret, resp); perr != nil {
		t.Fatalf("after the outage: %v (status %+v)", perr, e.status(c))
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	base := e.srv.URL + protocol.TxPath
	for _, tc := range []struct {
		method, url string
		code        protocol.Code
	}{
		{"GET", e.srv.URL + "/bridge/v1/", protocol.CodeNotFound},
		{"GET", e.srv.URL + "/bridge/v2/tx/" + c.ID, protocol.CodeNotFound},
		{"GET", base + "short", protocol.CodeNotFound},
		{"GET", base + "AAAAAAAAAAAAAAAAAAAAAA", protocol.CodeUnauthorized}, // well-formed: auth first
		{"GET", base + c.ID + "/other", protocol.CodeNotFound},
		{"PUT", base + c.ID, protocol.CodeMethodNotAllowed},
		{"DELETE", base + c.ID, protocol.CodeMethodNotAllowed},
		{"POST", base + c.ID + "/status", protocol.CodeMethodNotAllowed},
	} {
		status, body, _ := e.do(tc.method, tc.url, "", "", nil)
		if pe := errorBody(t, status, body); pe.Code != tc.code {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.url, pe.Code, tc.code)
		}
	}
	// A well-formed unknown id with a secret is not found.
	status, body, _ := e.do("GET", base+"AAAAAAAAAAAAAAAAAAAAAA", l.Secret, "", nil)
	if pe := errorBody(t, status, body); pe.Code != protocol.CodeNotFound {
		t.Errorf("unknown id: %s", pe.Code)
	}
}

func TestStatusEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	url := e.srv.URL + protocol.TxPath + c.ID + protocol.StatusSuffix
	for name, tc := range map[string]struct {
		url, bearer string
		want        int
	}{
		"query":        {url + "?t=" + c.BrowserToken, "", 200},
		"header":       {url, c.BrowserToken, 200},
		"none":         {url, "", 401},
		"agent secret": {url, l.Secret, 401},
		"wrong token":  {url + "?t=" + l.Secret, "", 401},
		"two tokens":   {url + "?t=" + c.BrowserToken + "&t=" + c.BrowserToken, "", 401},
	} {
		status, body, _ := e.do("GET", tc.url, tc.bearer, "", nil)
		if status != tc.want {
			t.Errorf("%s: %d %s", name, status, body)
			continue
		}
		if status == 200 {
			var st protocol.Status
			if err := json.Unmarshal(body, &st); err != nil || st.State != protocol.StatePending {
				t.Errorf("%s: %s", name, body)
			}
		}
	}
	// The agent secret does not read the status, nor the token the transaction.
	if _, perr := e.fetch(&protocol.Link{Scheme: l.Scheme, Host: l.Host, ID: l.ID, Secret: c.BrowserToken}); perr == nil || perr.Code != protocol.CodeUnauthorized {
		t.Errorf("browser token opened the transaction: %v", perr)
	}
}

func TestCreateRejects(t *testing.T) {
	e := newEnv(t, nil)
	for name, f := range map[string]func() error{
		"no binding": func() error { _, err := e.svc.Create(bg, "", protocol.PurposeAuth, rp); return err },
		"long binding": func() error {
			_, err := e.svc.Create(bg, strings.Repeat("a", 300), protocol.PurposeAuth, rp)
			return err
		},
		"bad purpose": func() error { _, err := e.svc.Create(bg, "a", "login", rp); return err },
		"no rp name": func() error {
			_, err := e.svc.Create(bg, "a", protocol.PurposeAuth, protocol.RelyingParty{ClientID: "x"})
			return err
		},
	} {
		if f() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Every transaction gets fresh values.
	c1, l1 := e.create(protocol.PurposeAuth)
	c2, l2 := e.create(protocol.PurposeAuth)
	if c1.ID == c2.ID || l1.Secret == l2.Secret || c1.BrowserToken == c2.BrowserToken || c1.BrowserToken == l1.Secret {
		t.Fatal("values repeat")
	}
}

func TestNewConfig(t *testing.T) {
	base := newEnv(t, nil)
	good := Config{Backend: base.db, Verifier: base.svc.verifier, Issuer: "https://id.example.jp/", Completer: base.comp}
	s, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if s.ttl != MaxTTL || s.maxAttempts != DefaultMaxAttempts || s.Origin() != "https://id.example.jp" {
		t.Fatalf("defaults: %v %d %s", s.ttl, s.maxAttempts, s.Origin())
	}
	for name, mod := range map[string]func(*Config){
		"no backend":     func(c *Config) { c.Backend = nil },
		"no verifier":    func(c *Config) { c.Verifier = nil },
		"no completer":   func(c *Config) { c.Completer = nil },
		"long TTL":       func(c *Config) { c.TTL = MaxTTL + time.Second },
		"negative tries": func(c *Config) { c.MaxAttempts = -1 },
		"http issuer":    func(c *Config) { c.Issuer = "http://id.example.jp" },
		"no issuer":      func(c *Config) { c.Issuer = "" },
		"issuer query":   func(c *Config) { c.Issuer = "https://id.example.jp/?x=1" },
	} {
		c := good
		mod(&c)
		if _, err := New(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLogsHoldNoSecrets runs answers of every kind and checks that no
// secret, nonce, signature or personal attribute reached the log.
func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeSign)
	tx, _ := e.fetch(l)
	good := e.goodAnswer(l)
	bad := good
	bad.Signature = append([]byte(nil), good.Signature...)
	bad.Signature[3] ^= 1
	e.post(l, l.Secret, bad)
	if perr := e.post(l, l.Secret, good); perr != nil {
		t.Fatal(perr)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, c.ID) {
		t.Fatalf("expected the tx id in the logs:\n%s", logs)
	}
	for name, s := range map[string]string{
		"secret":    l.Secret,
		"token":     c.BrowserToken,
		"claim":     e.agent,
		"nonce":     tx.Nonce,
		"signature": protocol.EncodeBase64URL(good.Signature)[:40],
		"name":      "山田",
		"birthdate": holder.Birthdate,
		"binding":   "authreq-1",
	} {
		if strings.Contains(logs, s) {
			t.Errorf("log holds the %s:\n%s", name, logs)
		}
	}
}

// TestPrepare: a prepared transaction exists only once its op is
// applied (here in a batch with another write, as the OIDC core does),
// and a long relying-party name is cut at a rune boundary.
func TestPrepare(t *testing.T) {
	e := newEnv(t, nil)
	long := strings.Repeat("銀", 100) // 300 bytes
	c, op, err := e.svc.Prepare("ar-1", protocol.PurposeAuth, protocol.RelyingParty{ClientID: "bank", Name: long}, "openid")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Status(bg, c.ID, c.BrowserToken); err == nil {
		t.Fatal("a prepared transaction exists before its op is applied")
	}
	if err := store.Apply(bg, e.db, store.Put("other", "k", []byte("v"), time.Minute), op); err != nil {
		t.Fatal(err)
	}
	if st := e.status(c); st.State != protocol.StatePending || st.BindingCode != c.BindingCode {
		t.Fatalf("status %+v", st)
	}
	l, err := protocol.ParseLink(c.Link)
	if err != nil {
		t.Fatal(err)
	}
	tx, perr := e.fetch(l)
	if perr != nil {
		t.Fatal(perr)
	}
	if n := tx.RelyingParty.Name; len(n) > maxNameLen || !utf8.ValidString(n) || !strings.HasPrefix(long, n) || len(n) < maxNameLen-3 {
		t.Errorf("name %d bytes: %q", len(n), n)
	}
	// Applying it again finds the id taken.
	if err := store.Apply(bg, e.db, op); !errors.Is(err, store.ErrExists) {
		t.Errorf("second apply: %v", err)
	}
}

// TestAnswerAfterRequestCompleted: once another transaction of the same
// auth request (a "start again") completed it, an answer to the first is
// told already_used and its transaction fails for good, instead of an
// endless "try again".
func TestAnswerAfterRequestCompleted(t *testing.T) {
	e := newEnv(t, nil)
	c1, l1 := e.create(protocol.PurposeAuth)
	first := e.goodAnswer(l1) // fetched (claimed) before the restart
	_, l2 := e.create(protocol.PurposeAuth)
	if perr := e.post(l2, l2.Secret, e.goodAnswer(l2)); perr != nil {
		t.Fatal(perr)
	}
	perr := e.post(l1, l1.Secret, first)
	wantCode(t, perr, protocol.CodeAlreadyUsed)
	if perr.Retry {
		t.Error("already_used invites a retry")
	}
	if st := e.status(c1); st.State != protocol.StateFailed || st.Error == nil || st.Error.Code != protocol.CodeAlreadyUsed {
		t.Fatalf("first transaction: %+v", st)
	}
	if e.comp.completed() != 1 {
		t.Fatalf("%d completions", e.comp.completed())
	}
}
