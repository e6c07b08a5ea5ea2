package bridge

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/jpki"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// TestClaimOnFirstFetch: the first agent to fetch owns the transaction;
// the page learns that a device connected and both sides hold the same
// binding code; a second device, or an agent without a claim, is refused.
func TestClaimOnFirstFetch(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	if !protocol.ValidBindingCode(c.BindingCode) || len(c.BindingCode) != protocol.BindingCodeLen {
		t.Fatalf("binding code %q", c.BindingCode)
	}
	if st := e.status(c); st.DeviceConnected || st.BindingCode != c.BindingCode {
		t.Fatalf("status before any fetch: %+v", st)
	}

	tx, perr := e.fetch(l)
	if perr != nil {
		t.Fatal(perr)
	}
	if tx.BindingCode != c.BindingCode || tx.Origin != e.svc.Origin() || tx.Origin != l.Origin() {
		t.Fatalf("transaction: code %q (page %q), origin %q", tx.BindingCode, c.BindingCode, tx.Origin)
	}
	if st := e.status(c); !st.DeviceConnected || st.State != protocol.StatePending || st.BindingCode != c.BindingCode || st.Error != nil {
		t.Fatalf("status after the fetch: %+v", st)
	}
	// The same agent may fetch again (the app re-reads it).
	if tx2, perr := e.fetch(l); perr != nil || tx2.Nonce != tx.Nonce || tx2.BindingCode != tx.BindingCode {
		t.Fatalf("second fetch by the claiming agent: %v", perr)
	}

	other := protocol.NewClaimToken()
	_, perr = e.fetchAs(other, l)
	wantCode(t, perr, protocol.CodeClaimedByAnotherDevice)
	if perr.HTTPStatus != http.StatusConflict || perr.Retry || !strings.Contains(perr.Message, "another device") || perr.MessageJA == "" {
		t.Errorf("refusal %+v", perr)
	}
	if !strings.Contains(e.logs.String(), "did not claim") {
		t.Errorf("the refused device is not logged:\n%s", e.logs)
	}
	for name, agent := range map[string]string{
		"no claim":    "",
		"short claim": other[:protocol.ClaimLen-1],
		"not base64":  strings.Repeat("*", protocol.ClaimLen),
	} {
		_, perr = e.fetchAs(agent, l)
		wantCode(t, perr, protocol.CodeClaimRequired)
		if perr.HTTPStatus != http.StatusBadRequest {
			t.Errorf("%s: status %d", name, perr.HTTPStatus)
		}
	}
	// Two claim headers are not one claim.
	req, _ := http.NewRequest("GET", l.TxURL(), nil)
	req.Header.Set("Authorization", "Bearer "+l.Secret)
	req.Header.Add(protocol.ClaimHeader, e.agent)
	req.Header.Add(protocol.ClaimHeader, e.agent)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("two claim headers: %d", res.StatusCode)
	}
	// The secret is still checked first: a wrong one tells nothing about
	// claims.
	_, perr = e.fetchAs(other, &protocol.Link{Scheme: l.Scheme, Host: l.Host, ID: l.ID, Secret: c.BrowserToken})
	wantCode(t, perr, protocol.CodeUnauthorized)

	// The claiming agent completes.
	if perr := e.post(l, l.Secret, sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))); perr != nil {
		t.Fatal(perr)
	}
	if st := e.status(c); st.State != protocol.StateDone {
		t.Fatalf("status %+v", st)
	}
	if strings.Contains(e.logs.String(), e.agent) || strings.Contains(e.logs.String(), other) {
		t.Error("a claim token is in the logs")
	}
}

// TestAnswerFromAnotherDevice: a device that did not claim the
// transaction cannot answer it, even with the secret and a genuine,
// correctly bound card answer, and its attempt changes nothing.
func TestAnswerFromAnotherDevice(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAttempts = 1 })
	c, l := e.create(protocol.PurposeAuth)
	tx, perr := e.fetch(l)
	if perr != nil {
		t.Fatal(perr)
	}
	good := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
	before, err := e.db.Get(bg, Namespace, c.ID)
	if err != nil {
		t.Fatal(err)
	}

	wantCode(t, e.postAs(protocol.NewClaimToken(), l, good), protocol.CodeClaimedByAnotherDevice)
	wantCode(t, e.postAs("", l, good), protocol.CodeClaimRequired)
	bad := good
	bad.Signature = bytes.Clone(good.Signature)
	bad.Signature[0] ^= 1
	wantCode(t, e.postAs(protocol.NewClaimToken(), l, bad), protocol.CodeClaimedByAnotherDevice)

	after, err := e.db.Get(bg, Namespace, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatalf("the record changed:\n%s\n%s", before, after)
	}
	if e.comp.count() != 0 {
		t.Fatal("Completer called")
	}
	if st := e.status(c); st.State != protocol.StatePending || st.Error != nil {
		t.Fatalf("status %+v", st)
	}
	// No attempt was spent (MaxAttempts is 1): the claiming device
	// completes.
	if perr := e.post(l, l.Secret, good); perr != nil {
		t.Fatal(perr)
	}
	// Once done, the other device is still refused as another device,
	// and the claiming one is told the transaction is used.
	wantCode(t, e.postAs(protocol.NewClaimToken(), l, good), protocol.CodeClaimedByAnotherDevice)
	wantCode(t, e.post(l, l.Secret, good), protocol.CodeAlreadyUsed)
	if e.comp.count() != 1 {
		t.Fatalf("Completer called %d times", e.comp.count())
	}
}

// TestAnswerWithoutFetch: an answer to a transaction no agent has
// fetched is refused and claims nothing.
func TestAnswerWithoutFetch(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	// Build a well-formed answer without fetching: the nonce is not
	// needed to show that the claim is checked first.
	tx := &protocol.Transaction{ID: l.ID, Purpose: protocol.PurposeAuth, Nonce: protocol.EncodeBase64URL(make([]byte, protocol.NonceBytes))}
	resp := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
	wantCode(t, e.post(l, l.Secret, resp), protocol.CodeClaimRequired)
	if st := e.status(c); st.DeviceConnected || st.Error != nil {
		t.Fatalf("status %+v", st)
	}
	// The first fetch still claims it.
	if _, perr := e.fetchAs(protocol.NewClaimToken(), l); perr != nil {
		t.Fatal(perr)
	}
	_, perr := e.fetch(l)
	wantCode(t, perr, protocol.CodeClaimedByAnotherDevice)
}

// TestConcurrentClaims: of several devices fetching at once, exactly one
// gets the transaction.
func TestConcurrentClaims(t *testing.T) {
	e := newEnv(t, nil)
	_, l := e.create(protocol.PurposeAuth)
	const n = 8
	errs := make([]*protocol.Error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = e.fetchAs(protocol.NewClaimToken(), l) })
	}
	wg.Wait()
	won := 0
	for _, perr := range errs {
		switch {
		case perr == nil:
			won++
		case perr.Code != protocol.CodeClaimedByAnotherDevice:
			t.Errorf("loser got %s", perr.Code)
		}
	}
	if won != 1 {
		t.Fatalf("%d devices claimed the transaction", won)
	}
}

// TestShortLivedSingleUse: a transaction lives at most 3 minutes, and
// once answered even the device that claimed it cannot use it again.
func TestShortLivedSingleUse(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	tx, _ := e.fetch(l)
	if life := tx.ExpiresAt.Sub(tx.CreatedAt); life > 3*time.Minute || !c.ExpiresAt.Equal(tx.ExpiresAt) {
		t.Fatalf("lifetime %s", life)
	}
	good := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l, tx, nil))
	if perr := e.post(l, l.Secret, good); perr != nil {
		t.Fatal(perr)
	}
	_, perr := e.fetch(l)
	wantCode(t, perr, protocol.CodeAlreadyUsed)
	wantCode(t, e.post(l, l.Secret, good), protocol.CodeAlreadyUsed)

	// A claimed, unanswered transaction expires on time for its device.
	_, l2 := e.create(protocol.PurposeAuth)
	tx2, _ := e.fetch(l2)
	late := sign(t, fx(t).a, jpki.AuthKey, clientData(t, l2, tx2, nil))
	e.offset.Store(int64(3*time.Minute + time.Second))
	_, perr = e.fetch(l2)
	wantCode(t, perr, protocol.CodeExpired)
	wantCode(t, e.post(l2, l2.Secret, late), protocol.CodeExpired)
	if e.comp.count() != 1 {
		t.Fatalf("Completer called %d times", e.comp.count())
	}
}

// TestEventsShowDeviceConnected: the waiting page's stream reports the
// claim as it happens.
func TestEventsShowDeviceConnected(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	resp := openEvents(t, e, c, c.BrowserToken)
	var once sync.Once
	done := make(chan []protocol.Status)
	go func() {
		done <- readEvents(t, resp.Body, func(st protocol.Status) {
			switch {
			case !st.DeviceConnected:
				once.Do(func() { go e.fetch(l) })
			case st.State == protocol.StatePending:
				go e.post(l, l.Secret, e.goodAnswer(l))
			}
		})
	}()
	var states []protocol.Status
	select {
	case states = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not end")
	}
	if len(states) != 3 || states[0].DeviceConnected || !states[1].DeviceConnected || states[1].State != protocol.StatePending ||
		states[2].State != protocol.StateDone || states[1].BindingCode != c.BindingCode {
		t.Fatalf("states %+v", states)
	}
}

// FuzzAgentClaim sends arbitrary claim headers to a claimed transaction:
// only the claiming token is ever let through, every other value gets a
// protocol error, and the record never changes.
func FuzzAgentClaim(f *testing.F) {
	e := newEnv(f, nil)
	c, l := e.create(protocol.PurposeAuth)
	if _, perr := e.fetch(l); perr != nil {
		f.Fatal(perr)
	}
	before, err := e.db.Get(bg, Namespace, c.ID)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(protocol.NewClaimToken())
	f.Add(e.agent[:protocol.ClaimLen-1] + "B")
	f.Add(e.agent + "=")
	f.Add(" " + e.agent)
	f.Add("")
	h := e.svc.Handler()
	f.Fuzz(func(t *testing.T, claim string) {
		if claim == e.agent {
			return // the one value that may pass
		}
		for _, method := range []string{"GET", "POST"} {
			req := httptest.NewRequest(method, protocol.TxPath+c.ID, strings.NewReader(`{"client_data":"YQ","certificate":"YQ","signature":"YQ"}`))
			req.Header.Set("Authorization", "Bearer "+l.Secret)
			req.Header.Set("Content-Type", protocol.MediaType)
			if claim != "" {
				req.Header[protocol.ClaimHeader] = []string{claim}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			pe := protocol.DecodeErrorBody(w.Body.Bytes(), w.Code)
			if pe == nil || (pe.Code != protocol.CodeClaimRequired && pe.Code != protocol.CodeClaimedByAnotherDevice) {
				t.Fatalf("%s with claim %q: %d %s", method, claim, w.Code, w.Body)
			}
		}
		after, err := e.db.Get(bg, Namespace, c.ID)
		if err != nil || !bytes.Equal(before, after) {
			t.Fatalf("record changed: %v", err)
		}
	})
}

// release decides on the record as it is when it writes: one that became
// done since the answer read it is left alone and reported failed (no
// retry), although on the stale copy the wrong answer had attempts left.
func TestReleaseOnChangedRecord(t *testing.T) {
	e := newEnv(t, nil)
	c, _ := e.create(protocol.PurposeAuth)
	raw, err := e.db.Get(bg, Namespace, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := decodeRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	done, err := rec.finished(stateDone, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Put(bg, Namespace, c.ID, done, time.Minute); err != nil {
		t.Fatal(err)
	}
	if failed := e.svc.release(bg, rec, raw, protocol.CodeBadSignature, true); !failed {
		t.Error("release on a done record says a retry may work")
	}
	now, err := e.db.Get(bg, Namespace, c.ID)
	if err != nil || !bytes.Equal(now, done) {
		t.Errorf("release changed a done record (%v)", err)
	}
}
