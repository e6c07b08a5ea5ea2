package inkansdk_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
	inkansdk "github.com/inkan-id/inkan/mobile-bridge/sdk"
	"github.com/inkan-id/inkan/provider/bridge/bridgetest"
)

const authPIN = bridgetest.AuthPIN

// TestLoginColdThenWarm is the iOS order (Prepare, ReadCard, Sign) twice:
// the first login reads the certificate, the second takes it from the
// cache and needs 5 APDUs.
func TestLoginColdThenWarm(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	a := newAgent(t, nil)
	var st steps
	a.SetProgress(&st)

	c := srv.Create(t, protocol.PurposeAuth)
	req, err := a.Prepare(c.Link)
	if err != nil {
		t.Fatal(err)
	}
	if req.RelyingPartyName != bridgetest.RelyingParty.Name || req.ClientID != bridgetest.RelyingParty.ClientID ||
		req.Purpose != "auth" || req.Credential != inkansdk.CredentialPIN || req.MaxTries != 3 ||
		req.Origin != srv.URL || len(req.BindingCode) > 8 || req.SecondsLeft() <= 0 || req.SecondsLeft() > 180 {
		t.Fatalf("request %+v (origin want %s)", req, srv.URL)
	}
	p := newPhone(card)
	status, err := a.ReadCard(p)
	if err != nil {
		t.Fatal(err)
	}
	if status.TriesLeft != 3 || status.MaxTries != 3 || status.LastTry || status.CertificateCached {
		t.Fatalf("status %+v", status)
	}
	res, err := a.Sign(p, authPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.CertificateRead || res.CacheHit || res.APDUs != coldAPDUs(t) || res.Attempts != 1 || res.RelyingPartyName != bridgetest.RelyingParty.Name {
		t.Fatalf("cold result %+v, want %d APDUs", res, coldAPDUs(t))
	}
	if res.TotalMillis <= 0 || res.AgentMillis <= 0 || res.CardMillis <= 0 || res.NetworkMillis <= 0 {
		t.Fatalf("timings %+v", res)
	}
	if srv.State(t, c) != protocol.StateDone || len(srv.Completer.Calls()) != 1 {
		t.Fatal("login not completed")
	}
	if got := st.list(); !inOrder(got, inkansdk.StepConnecting, inkansdk.StepReading, inkansdk.StepSigning, inkansdk.StepSending, inkansdk.StepDone) {
		t.Fatalf("progress %v", got)
	}
	// The transaction is used up.
	if _, err := a.Sign(p, authPIN, false); inkansdk.ErrorCode(err) != inkansdk.CodeInternal {
		t.Fatalf("Sign after done: %v", err)
	}

	c2 := srv.Create(t, protocol.PurposeAuth)
	if _, err := a.Prepare(c2.Link); err != nil {
		t.Fatal(err)
	}
	if status, err = a.ReadCard(p); err != nil || !status.CertificateCached {
		t.Fatalf("status %+v, %v", status, err)
	}
	p2 := newPhone(card)
	warm, err := a.Sign(p2, authPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	if warm.CertificateRead || !warm.CacheHit || warm.APDUs != 5 {
		t.Fatalf("warm result %+v", warm)
	}
	if apdus, verifies, _ := p2.counts(); apdus != 5 || verifies != 1 {
		t.Fatalf("warm: %d APDUs, %d VERIFYs", apdus, verifies)
	}
	if srv.State(t, c2) != protocol.StateDone {
		t.Fatal("warm login not completed")
	}
}

func TestWrongPINThenRightPIN(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	p := newPhone(card)
	a := newAgent(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(p, "9999", false)
	wantCode(t, err, inkansdk.CodeWrongPIN)
	if inkansdk.ErrorTriesLeft(err) != 2 || !inkansdk.ErrorRetryable(err) {
		t.Fatalf("tries %d retryable %v", inkansdk.ErrorTriesLeft(err), inkansdk.ErrorRetryable(err))
	}
	if ja := inkansdk.ErrorMessage(err, "ja"); !strings.Contains(ja, "あと2回") {
		t.Fatalf("message %q", ja)
	}
	// Nothing was posted: the page shows no error.
	st, _ := srv.Service.Status(t.Context(), c.ID, c.BrowserToken)
	if st.State != protocol.StatePending || st.Error != nil {
		t.Fatalf("status %+v", st)
	}
	if _, err := a.Sign(p, authPIN, false); err != nil {
		t.Fatal(err)
	}
	if _, verifies, _ := p.counts(); verifies != 2 {
		t.Fatalf("%d VERIFYs, want 2", verifies)
	}
	if f := card.File(); f.Auth.TriesLeft != 3 {
		t.Fatalf("counter %d after a right PIN", f.Auth.TriesLeft)
	}
}

func TestLastTryAndLockout(t *testing.T) {
	srv := bridgetest.New(t, nil)
	f := bridgetest.Card(t)
	f.Auth.TriesLeft = 1
	card := vcard.New(f)
	p := newPhone(card)
	a := newAgent(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
	status, err := a.ReadCard(p)
	if err != nil || !status.LastTry || status.TriesLeft != 1 {
		t.Fatalf("status %+v, %v", status, err)
	}
	// Without confirmation the PIN is not sent.
	_, err = a.Sign(p, authPIN, false)
	wantCode(t, err, inkansdk.CodeLastTryNeedsConfirmation)
	if inkansdk.ErrorTriesLeft(err) != 1 || !inkansdk.ErrorRetryable(err) {
		t.Fatal("last try: tries or retryable wrong")
	}
	if _, verifies, _ := p.counts(); verifies != 0 {
		t.Fatal("VERIFY sent without confirmation")
	}
	// Confirmed, but wrong: blocked.
	_, err = a.Sign(p, "9999", true)
	wantCode(t, err, inkansdk.CodePINBlocked)
	if inkansdk.ErrorTriesLeft(err) != 0 || inkansdk.ErrorRetryable(err) {
		t.Fatal("blocked: tries or retryable wrong")
	}
	if ja := inkansdk.ErrorMessage(err, "ja"); !strings.Contains(ja, "市区町村の窓口") || strings.Contains(ja, "コンビニ") {
		t.Fatalf("blocked PIN message %q", ja)
	}
	// From now on nothing reaches the card's PIN.
	_, err = a.ReadCard(p)
	wantCode(t, err, inkansdk.CodePINBlocked)
	_, err = a.Sign(p, authPIN, true)
	wantCode(t, err, inkansdk.CodePINBlocked)
	if _, verifies, _ := p.counts(); verifies != 1 {
		t.Fatalf("%d VERIFYs, want 1", verifies)
	}
}

func TestBlockedSignPassword(t *testing.T) {
	srv := bridgetest.New(t, nil)
	f := bridgetest.Card(t)
	f.Sign.TriesLeft = 0
	p := newPhone(vcard.New(f))
	a := newAgent(t, nil)
	c := srv.Create(t, protocol.PurposeSign)
	req, err := a.Prepare(c.Link)
	if err != nil || req.Credential != inkansdk.CredentialPassword || req.MaxTries != 5 {
		t.Fatalf("request %+v, %v", req, err)
	}
	_, err = a.Sign(p, bridgetest.SignPassword, true)
	wantCode(t, err, inkansdk.CodePINBlocked)
	if ja := inkansdk.ErrorMessage(err, "ja"); !strings.Contains(ja, "署名用パスワード") || !strings.Contains(ja, "コンビニ") || !strings.Contains(ja, "市区町村") {
		t.Fatalf("message %q", ja)
	}
	if en := inkansdk.ErrorMessage(err, "en"); !strings.Contains(en, "convenience-store") {
		t.Fatalf("message %q", en)
	}
}

func TestSignPurposeReadsAndDoesNotCacheSignCertificate(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	store := &memStore{}
	a := newAgent(t, nil)
	a.SetStore(store)
	c := srv.Create(t, protocol.PurposeSign)
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(newPhone(card), authPIN, false)
	wantCode(t, err, inkansdk.CodeBadPINFormat)
	if !strings.Contains(inkansdk.ErrorMessage(err, "ja"), "署名用パスワード") {
		t.Fatal("password wording expected")
	}
	res, err := a.Sign(newPhone(card), strings.ToLower(bridgetest.SignPassword), false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.CertificateRead || res.CacheHit {
		t.Fatalf("result %+v", res)
	}
	if len(store.m) != 0 {
		t.Fatal("the signature certificate (name, address) must not be stored")
	}
	if calls := srv.Completer.Calls(); len(calls) != 1 || calls[0].Attributes == nil {
		t.Fatalf("calls %+v", calls)
	}
}

func TestBadPINFormatTouchesNothing(t *testing.T) {
	srv := bridgetest.New(t, nil)
	p := newPhone(vcard.New(bridgetest.Card(t)))
	a := newAgent(t, nil)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	for _, pin := range []string{"", "123", "12345", "12a4", "１２３４"} {
		_, err := a.Sign(p, pin, false)
		wantCode(t, err, inkansdk.CodeBadPINFormat)
	}
	if apdus, _, _ := p.counts(); apdus != 0 {
		t.Fatalf("%d APDUs for malformed PINs", apdus)
	}
}

// TestTagLostMidRead: the tag is lost while the certificate is read, before
// VERIFY. The SDK waits for the card and starts over; one VERIFY in all.
func TestTagLostMidRead(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	card.SetFaults(vcard.Faults{LoseAfter: 4}) // SELECT, 2 reads, then lost
	p := newPhone(card)
	a := newAgent(t, nil)
	var st steps
	a.SetProgress(&st)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	res, err := a.Sign(p, authPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	_, verifies, waits := p.counts()
	if verifies != 1 || card.Stats().Verifies != 1 || waits != 1 || res.Attempts != 2 || !res.CertificateRead {
		t.Fatalf("verifies %d (card %d), waits %d, result %+v", verifies, card.Stats().Verifies, waits, res)
	}
	if !inOrder(st.list(), inkansdk.StepReading, inkansdk.StepWaitingForCard, inkansdk.StepSigning, inkansdk.StepDone) {
		t.Fatalf("progress %v", st.list())
	}
}

// TestTagLostDuringCounterReadOnWarmPath: Login's own SELECT and counter
// read are retried too; the VERIFY is still sent once.
func TestTagLostDuringCounterReadOnWarmPath(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	a := newAgent(t, nil)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sign(newPhone(card), authPIN, false); err != nil {
		t.Fatal(err)
	}
	card.SetFaults(vcard.Faults{LoseAfter: 3}) // the counter read
	p := newPhone(card)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	res, err := a.Sign(p, authPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	if apdus, verifies, waits := p.counts(); apdus != 8 || verifies != 1 || waits != 1 || !res.CacheHit {
		t.Fatalf("%d APDUs, %d VERIFYs, %d waits, %+v", apdus, verifies, waits, res)
	}
}

// TestTagLostMidSign: the card is pulled between VERIFY and the signature.
// The SDK stops (it never repeats a VERIFY on its own); the app calls Sign
// again with the same PIN, which starts over from SELECT.
func TestTagLostMidSign(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	card.SetFaults(vcard.Faults{RemoveBeforeSign: true})
	p := newPhone(card)
	a := newAgent(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(p, authPIN, false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	if !inkansdk.ErrorRetryable(err) {
		t.Fatal("card_moved_away must be retryable")
	}
	if _, verifies, waits := p.counts(); verifies != 1 || waits != 0 {
		t.Fatalf("after the loss: %d VERIFYs, %d waits; want 1 and 0", verifies, waits)
	}
	// "Retry without a new PIN": the card is away, so the SDK waits for it.
	res, err := a.Sign(p, authPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, verifies, waits := p.counts(); verifies != 2 || waits != 1 {
		t.Fatalf("after the retry: %d VERIFYs, %d waits", verifies, waits)
	}
	if card.File().Auth.TriesLeft != 3 || res.Attempts != 2 {
		t.Fatalf("counter %d, attempts %d", card.File().Auth.TriesLeft, res.Attempts)
	}
	if srv.State(t, c) != protocol.StateDone {
		t.Fatal("not done")
	}
}

// TestLostVerifyAnswer: a VERIFY reached the card but its answer was lost.
// The next Sign with the same (wrong) PIN sees the lowered counter and
// reports a wrong PIN instead of spending a second try.
func TestLostVerifyAnswer(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	p := newPhone(card)
	p.dropAnswer = isVerify
	a := newAgent(t, nil)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(p, "9999", false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	if card.File().Auth.TriesLeft != 2 {
		t.Fatal("the wrong PIN should have reached the card")
	}
	_, err = a.Sign(p, "9999", false)
	wantCode(t, err, inkansdk.CodeWrongPIN)
	if inkansdk.ErrorTriesLeft(err) != 2 {
		t.Fatalf("tries %d", inkansdk.ErrorTriesLeft(err))
	}
	if _, verifies, _ := p.counts(); verifies != 1 || card.File().Auth.TriesLeft != 2 {
		t.Fatalf("%d VERIFYs, counter %d: a second try was spent", verifies, card.File().Auth.TriesLeft)
	}
	// The user types the right PIN: it goes through.
	if _, err := a.Sign(p, authPIN, false); err != nil {
		t.Fatal(err)
	}

	// The same with the right PIN: the retry sends it again (it cannot
	// cost a try: the counter shows the first one was not wrong).
	p2 := newPhone(card)
	p2.dropAnswer = isVerify
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err = a.Sign(p2, authPIN, false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	if _, err := a.Sign(p2, authPIN, false); err != nil {
		t.Fatal(err)
	}
	if card.File().Auth.TriesLeft != 3 {
		t.Fatal("counter not full")
	}
}

// TestLostVerifyAnswerSeenByReadCard: ReadCard reports the wrong PIN once;
// the next PIN then goes through.
func TestLostVerifyAnswerSeenByReadCard(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	p := newPhone(card)
	p.dropAnswer = isVerify
	a := newAgent(t, nil)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(p, "9999", false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	card.PowerOn()
	_, err = a.ReadCard(p)
	wantCode(t, err, inkansdk.CodeWrongPIN)
	if st, err := a.ReadCard(p); err != nil || st.TriesLeft != 2 {
		t.Fatalf("status %+v, %v", st, err)
	}
	if _, err := a.Sign(p, authPIN, false); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyLostBeforeReachingCard: LoseAfter drops the VERIFY itself; the
// counter is unchanged, so the retry presents the PIN.
func TestVerifyLostBeforeReachingCard(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	a := newAgent(t, nil)
	a.SetStore(&memStore{m: map[string][]byte{"auth-certificate": bridgetest.Card(t).Auth.Certificate}})
	card.SetFaults(vcard.Faults{LoseAfter: 4}) // warm: SELECT, SELECT EF, counter, VERIFY
	p := newPhone(card)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(p, authPIN, false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	if _, err := a.Sign(p, authPIN, false); err != nil {
		t.Fatal(err)
	}
	if _, verifies, _ := p.counts(); verifies != 2 || card.Stats().Verifies != 1 {
		t.Fatalf("sent %d VERIFYs, card got %d", verifies, card.Stats().Verifies)
	}
}

// TestAPDUTimeoutIsALostTag: a signature that takes longer than the APDU
// timeout counts as a lost tag after VERIFY.
func TestAPDUTimeoutIsALostTag(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	card.SetFaults(vcard.Faults{SignDelay: 700 * time.Millisecond})
	p := newPhone(card)
	a := newAgent(t, &inkansdk.Config{APDUTimeoutMillis: 150})
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(p, authPIN, false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	card.SetFaults(vcard.Faults{})
	// The next Sign waits for the abandoned Transceive before its own.
	if _, err := a.Sign(p, authPIN, false); err != nil {
		t.Fatal(err)
	}
}

func TestDeadline(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	card.SetFaults(vcard.Faults{SignDelay: 600 * time.Millisecond})
	a := newAgent(t, &inkansdk.Config{DeadlineMillis: 200})
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(newPhone(card), authPIN, false)
	wantCode(t, err, inkansdk.CodeTimeout)
}

func TestCardNotBroughtBack(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	card.SetFaults(vcard.Faults{LoseAfter: 2})
	p := newPhone(card)
	p.noCard = true
	a := newAgent(t, nil)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err := a.Sign(p, authPIN, false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	if _, verifies, _ := p.counts(); verifies != 0 {
		t.Fatal("VERIFY sent")
	}
}

func TestExpiredTransaction(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	p := newPhone(card)
	a := newAgent(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
	srv.Advance(4 * time.Minute)
	_, err := a.Sign(p, authPIN, false)
	wantCode(t, err, inkansdk.CodeTransactionExpired)
	if inkansdk.ErrorRetryable(err) {
		t.Fatal("expired is final")
	}
	_, err = a.Prepare(c.Link)
	wantCode(t, err, inkansdk.CodeTransactionExpired)
	if ja := inkansdk.ErrorMessage(err, "ja"); !strings.Contains(ja, "時間切れ") {
		t.Fatalf("message %q", ja)
	}
}

func TestAlreadyUsed(t *testing.T) {
	srv := bridgetest.New(t, nil)
	a := newAgent(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sign(newPhone(vcard.New(bridgetest.Card(t))), authPIN, false); err != nil {
		t.Fatal(err)
	}
	_, err := a.Prepare(c.Link)
	wantCode(t, err, inkansdk.CodeAlreadyUsed)
}

// TestOriginMismatch: the same server reached under another name is
// another origin. The SDK stops with origin_mismatch: at Prepare when the
// provider names its own origin in the transaction, else when it refuses
// the signed answer. Either way no login happens.
func TestOriginMismatch(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	relayed := strings.Replace(c.Link, "127.0.0.1", "localhost", 1)
	a := newAgent(t, nil)
	p := newPhone(vcard.New(bridgetest.Card(t)))
	req, err := a.Prepare(relayed)
	if err == nil {
		if !strings.HasPrefix(req.Origin, "http://localhost:") {
			t.Fatalf("origin %q", req.Origin)
		}
		_, err = a.Sign(p, authPIN, false)
	} else if apdus, _, _ := p.counts(); apdus != 0 {
		t.Fatal("card touched")
	}
	wantCode(t, err, inkansdk.CodeOriginMismatch)
	if inkansdk.ErrorRetryable(err) {
		t.Fatal("origin_mismatch must not invite a retry")
	}
	if len(srv.Completer.Calls()) != 0 {
		t.Fatal("a login completed")
	}
}

func TestAllowedHosts(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	a := newAgent(t, &inkansdk.Config{AllowedHosts: "id.example.jp  ID.Example.com:8443"})
	_, err := a.Prepare(c.Link)
	wantCode(t, err, inkansdk.CodeServiceNotTrusted)
	host := strings.TrimPrefix(srv.URL, "http://")
	a = newAgent(t, &inkansdk.Config{AllowedHosts: "id.example.jp " + host})
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidLinkAndNetwork(t *testing.T) {
	a := newAgent(t, nil)
	_, err := a.Prepare("https://example.com/")
	wantCode(t, err, inkansdk.CodeInvalidLink)
	if strings.Contains(err.Error(), "AAEC") {
		t.Fatal("error repeats the link")
	}
	link := "http://127.0.0.1:1/bridge/v1/tx/AAECAwQFBgcICQoLDA0ODw#AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	_, err = a.Prepare(link)
	wantCode(t, err, inkansdk.CodeNetwork)
	if !inkansdk.ErrorRetryable(err) {
		t.Fatal("network errors are retryable")
	}
	if strings.Contains(err.Error(), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8") {
		t.Fatal("error repeats the secret")
	}
	_, err = a.Sign(newPhone(vcard.New(bridgetest.Card(t))), authPIN, false)
	wantCode(t, err, inkansdk.CodeInternal)
}

// TestCacheMiss: the cache holds the certificate of another card. The
// provider rejects the signature; the SDK reads this card's certificate
// and answers once more, and caches the right one.
func TestCacheMiss(t *testing.T) {
	srv := bridgetest.New(t, nil)
	other, err := vcard.Issue(bridgetest.CA(t), vcard.Spec{AuthPIN: "1111", SignPassword: "XYZ789", Holder: bridgetest.Holder}, time.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{m: map[string][]byte{"auth-certificate": other.Auth.Certificate}}
	a := newAgent(t, nil)
	a.SetStore(store)
	card := vcard.New(bridgetest.Card(t))
	p := newPhone(card)
	c := srv.Create(t, protocol.PurposeAuth)
	if _, err := a.Prepare(c.Link); err != nil {
		t.Fatal(err)
	}
	res, err := a.Sign(p, authPIN, false)
	if err != nil {
		t.Fatal(err)
	}
	if !res.CertificateRead || res.CacheHit || res.Attempts != 2 || res.APDUs != 5+coldAPDUs(t) {
		t.Fatalf("result %+v, want %d APDUs", res, 5+coldAPDUs(t))
	}
	if _, verifies, _ := p.counts(); verifies != 2 || card.File().Auth.TriesLeft != 3 {
		t.Fatalf("%d VERIFYs", verifies)
	}
	if got, _ := store.Load("auth-certificate"); !bytes.Equal(got, bridgetest.Card(t).Auth.Certificate) {
		t.Fatal("cache not updated")
	}
	if srv.State(t, c) != protocol.StateDone {
		t.Fatal("not done")
	}

	// The card leaves the field after the rejected answer: the SDK does
	// not wait for a card that might be another one to present the PIN
	// to; the app's retry then runs cold.
	store.Save("auth-certificate", other.Auth.Certificate)
	card.SetFaults(vcard.Faults{LoseAfter: 6}) // after the 5 warm APDUs
	p = newPhone(card)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	_, err = a.Sign(p, authPIN, false)
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	if _, verifies, waits := p.counts(); verifies != 1 || waits != 0 {
		t.Fatalf("%d VERIFYs, %d waits", verifies, waits)
	}
	if res, err := a.Sign(p, authPIN, false); err != nil || !res.CertificateRead {
		t.Fatalf("retry: %+v, %v", res, err)
	}

	// Garbage in the cache is ignored: a plain cold login.
	store.Save("auth-certificate", []byte("not a certificate"))
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Sign(newPhone(card), authPIN, false); err != nil || res.APDUs != coldAPDUs(t) || res.Attempts != 1 {
		t.Fatalf("garbage cache: %+v, %v", res, err)
	}
}

func TestCacheDirSurvivesTheAgent(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	dir := t.TempDir()
	for i, want := range []int{coldAPDUs(t), 5} {
		a := newAgent(t, &inkansdk.Config{CacheDir: dir})
		if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
			t.Fatal(err)
		}
		res, err := a.Sign(newPhone(card), authPIN, false)
		if err != nil || res.APDUs != want {
			t.Fatalf("login %d: %+v, %v; want %d APDUs", i, res, err, want)
		}
	}
	a := newAgent(t, &inkansdk.Config{CacheDir: dir})
	if err := a.ForgetCard(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Sign(newPhone(card), authPIN, false); err != nil || !res.CertificateRead {
		t.Fatalf("after ForgetCard: %+v, %v", res, err)
	}
}

// fixedNFC answers every command the same way, or fails.
type fixedNFC struct {
	answer []byte
	err    error
}

func (f fixedNFC) Transceive([]byte) ([]byte, error) { return f.answer, f.err }
func (f fixedNFC) WaitForCard(int) error             { return errors.New("no") }

func TestNotAMyNumberCardAndHostCancel(t *testing.T) {
	a := newAgent(t, nil)
	_, err := a.ReadCard(fixedNFC{answer: []byte{0x6A, 0x82}})
	wantCode(t, err, inkansdk.CodeNotAMyNumberCard)
	_, err = a.ReadCard(fixedNFC{err: errors.New("cancelled: the user closed the sheet")})
	wantCode(t, err, inkansdk.CodeCancelled)
	_, err = a.ReadCard(fixedNFC{err: errors.New("Tag was lost.")})
	wantCode(t, err, inkansdk.CodeCardMovedAway)
	_, err = a.ReadCard(fixedNFC{answer: []byte{0x90}})
	wantCode(t, err, inkansdk.CodeCardMovedAway)
}

// pinListener is an Android app: it answers AskPIN from a script.
type pinListener struct {
	steps
	answers   []*inkansdk.PINAnswer
	questions []inkansdk.PINQuestion
	request   *inkansdk.Request
}

func (l *pinListener) OnRequest(r *inkansdk.Request) { l.request = r }

func (l *pinListener) AskPIN(q *inkansdk.PINQuestion) *inkansdk.PINAnswer {
	l.questions = append(l.questions, *q)
	if len(l.answers) == 0 {
		return nil
	}
	a := l.answers[0]
	l.answers = l.answers[1:]
	return a
}

func TestRunAsksAgainAfterWrongPIN(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	p := newPhone(card)
	l := &pinListener{answers: []*inkansdk.PINAnswer{inkansdk.NewPINAnswer("9999", false), inkansdk.NewPINAnswer(authPIN, false)}}
	c := srv.Create(t, protocol.PurposeAuth)
	res, err := newAgent(t, nil).Run(c.Link, p, l)
	if err != nil {
		t.Fatal(err)
	}
	if l.request == nil || l.request.RelyingPartyName != bridgetest.RelyingParty.Name || len(l.questions) != 2 {
		t.Fatalf("request %+v, questions %+v", l.request, l.questions)
	}
	q0, q1 := l.questions[0], l.questions[1]
	if q0.TriesLeft != 3 || q0.Problem != "" || q1.TriesLeft != 2 || q1.Problem != inkansdk.CodeWrongPIN ||
		!strings.Contains(q1.ProblemMessage("ja"), "暗証番号が違います") {
		t.Fatalf("questions %+v", l.questions)
	}
	if !inOrder(l.list(), inkansdk.StepConnecting, inkansdk.StepReading, inkansdk.StepSigning, inkansdk.StepSending, inkansdk.StepDone) {
		t.Fatalf("progress %v", l.list())
	}
	if res.TotalMillis < res.AgentMillis || srv.State(t, c) != protocol.StateDone {
		t.Fatalf("result %+v", res)
	}
}

func TestRunLastTryNeedsConfirmation(t *testing.T) {
	srv := bridgetest.New(t, nil)
	f := bridgetest.Card(t)
	f.Auth.TriesLeft = 1
	p := newPhone(vcard.New(f))
	a := newAgent(t, nil)
	l := &pinListener{answers: []*inkansdk.PINAnswer{inkansdk.NewPINAnswer(authPIN, false)}}
	_, err := a.Run(srv.Create(t, protocol.PurposeAuth).Link, p, l)
	wantCode(t, err, inkansdk.CodeLastTryNeedsConfirmation)
	if len(l.questions) != 1 || !l.questions[0].LastTry {
		t.Fatalf("questions %+v", l.questions)
	}
	if _, verifies, _ := p.counts(); verifies != 0 {
		t.Fatal("VERIFY without confirmation")
	}
	l = &pinListener{answers: []*inkansdk.PINAnswer{inkansdk.NewPINAnswer(authPIN, true)}}
	if _, err := a.Run(srv.Create(t, protocol.PurposeAuth).Link, p, l); err != nil {
		t.Fatal(err)
	}
}

func TestRunCancelAndCardMovedAway(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	a := newAgent(t, nil)
	_, err := a.Run(srv.Create(t, protocol.PurposeAuth).Link, newPhone(card), &pinListener{})
	wantCode(t, err, inkansdk.CodeCancelled)

	// Pulled before the signature: Run retries with the PIN it holds.
	card.SetFaults(vcard.Faults{RemoveBeforeSign: true})
	p := newPhone(card)
	l := &pinListener{answers: []*inkansdk.PINAnswer{inkansdk.NewPINAnswer(authPIN, false)}}
	if _, err := a.Run(srv.Create(t, protocol.PurposeAuth).Link, p, l); err != nil {
		t.Fatal(err)
	}
	if _, verifies, waits := p.counts(); len(l.questions) != 1 || verifies != 2 || waits != 1 {
		t.Fatalf("questions %d, VERIFYs %d, waits %d", len(l.questions), verifies, waits)
	}
	if !inOrder(l.list(), inkansdk.StepSigning, inkansdk.StepWaitingForCard, inkansdk.StepSigning, inkansdk.StepDone) {
		t.Fatalf("progress %v", l.list())
	}
}

func TestCancelFromAnotherThread(t *testing.T) {
	srv := bridgetest.New(t, nil)
	card := vcard.New(bridgetest.Card(t))
	card.SetFaults(vcard.Faults{SignDelay: 2 * time.Second})
	a := newAgent(t, nil)
	if _, err := a.Prepare(srv.Create(t, protocol.PurposeAuth).Link); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(100 * time.Millisecond)
		a.Cancel()
	}()
	start := time.Now()
	_, err := a.Sign(newPhone(card), authPIN, false)
	wantCode(t, err, inkansdk.CodeCancelled)
	if time.Since(start) > 1500*time.Millisecond {
		t.Fatal("Cancel did not stop Sign promptly")
	}
}

// TestClaimedByAnotherDevice: a login forwarded to a second phone (the
// "scan to receive your refund" attack) is refused there, and the phone
// that opened it first shows the binding code the browser shows.
func TestClaimedByAnotherDevice(t *testing.T) {
	srv := bridgetest.New(t, nil)
	c := srv.Create(t, protocol.PurposeAuth)
	first, second := newAgent(t, nil), newAgent(t, nil)
	req, err := first.Prepare(c.Link)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.BindingCode) != 2 {
		t.Fatalf("binding code %q", req.BindingCode)
	}
	st, err := srv.Service.Status(context.Background(), c.ID, c.BrowserToken)
	if err != nil || st.BindingCode != req.BindingCode || !st.DeviceConnected {
		t.Fatalf("browser status %+v, %v", st, err)
	}
	p2 := newPhone(vcard.New(bridgetest.Card(t)))
	_, err = second.Prepare(c.Link)
	wantCode(t, err, inkansdk.CodeClaimedByAnotherDevice)
	if ja := inkansdk.ErrorMessage(err, "ja"); ja == "" || inkansdk.ErrorMessage(err, "en") == "" {
		t.Fatal("no message for claimed_by_another_device")
	}
	if apdus, _, _ := p2.counts(); apdus != 0 {
		t.Fatal("the second phone touched its card")
	}
	// The first phone still completes.
	if _, err := first.Sign(newPhone(vcard.New(bridgetest.Card(t))), authPIN, false); err != nil {
		t.Fatal(err)
	}
}
