package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/inkan-id/inkan/cardauth/clientdata"
	"github.com/inkan-id/inkan/cardauth/profile"
	"github.com/inkan-id/inkan/cardauth/revocation"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

func TestVerifyHappyPaths(t *testing.T) {
	f := fx(t)
	tests := []struct {
		name    string
		kind    testca.Kind
		purpose Purpose
		key     crypto.Signer
	}{
		{"auth RSA-2048", testca.Auth, Auth, f.rsaKey},
		{"sign RSA-2048", testca.Sign, Sign, f.rsaKey},
		{"auth ECDSA P-384", testca.Auth, Auth, f.ecKey},
		{"sign ECDSA P-384", testca.Sign, Sign, f.ecKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cert := f.issue(t, f.ca, tc.kind, tc.key.Public(), nil)
			cd := clientData(t, tc.purpose, nil)
			v := newVerifier(t, nil)
			res, err := v.Verify(bg, cert.Raw, cd, sign(t, tc.key, cd), expect(tc.purpose))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.Certificate.Raw, cert.Raw) || res.Root != f.ca.Root(tc.kind) {
				t.Error("result names the wrong certificate or root")
			}
			if res.Card.Serial.Cmp(cert.SerialNumber) != 0 || !bytes.Equal(res.Card.IssuerKeyID, f.ca.Root(tc.kind).SubjectKeyId) {
				t.Errorf("card id = %v", res.Card)
			}
			if res.ClientData.TransactionID != testTx || !bytes.Equal(res.ClientData.Nonce, testNonce) {
				t.Errorf("client data = %+v", res.ClientData)
			}
			if res.Revocation.Status != revocation.Good || res.SoftFailed {
				t.Errorf("revocation = %+v soft=%v", res.Revocation, res.SoftFailed)
			}
		})
	}
}

// input is one call to Verify.
type input struct {
	cert, cd, sig []byte
	exp           Expect
}

// good returns a valid input for purpose p signed by the shared RSA key.
func good(t *testing.T, p Purpose, opt *testca.Options) input {
	f := fx(t)
	k := testca.Auth
	if p == Sign {
		k = testca.Sign
	}
	cert := f.issue(t, f.ca, k, f.rsaKey.Public(), opt)
	cd := clientData(t, p, nil)
	return input{cert.Raw, cd, sign(t, f.rsaKey, cd), expect(p)}
}

// withClientData returns a valid input whose client_data mod changed (and
// which is signed correctly).
func withClientData(t *testing.T, p Purpose, mod func(*clientdata.ClientData)) input {
	in := good(t, p, nil)
	in.cd = clientData(t, p, mod)
	in.sig = sign(t, fx(t).rsaKey, in.cd)
	return in
}

func TestVerifyRejects(t *testing.T) {
	f := fx(t)
	tests := []struct {
		name  string
		input func(t *testing.T) input
		cfg   func(*Config)
		want  Code
	}{
		{name: "expired", want: CodeCertificateExpired, input: func(t *testing.T) input {
			return good(t, Auth, &testca.Options{NotBefore: now.Add(-60 * 24 * time.Hour), NotAfter: now.Add(-time.Second)})
		}},
		{name: "not yet valid", want: CodeCertificateNotYet, input: func(t *testing.T) input {
			return good(t, Auth, &testca.Options{NotBefore: now.Add(time.Hour), NotAfter: now.Add(365 * 24 * time.Hour)})
		}},
		{name: "wrong policy: sign policy on an auth certificate", want: CodeWrongPolicy, input: func(t *testing.T) input {
			return good(t, Auth, &testca.Options{Policies: []asn1.ObjectIdentifier{profile.PolicySign}})
		}},
		{name: "wrong policy: JPKI-TEST signature policy", want: CodeWrongPolicy, input: func(t *testing.T) input {
			return good(t, Sign, &testca.Options{Policies: []asn1.ObjectIdentifier{profile.PolicyTestSign}})
		}},
		{name: "auth certificate used for signing", want: CodeWrongPolicy, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cd = clientData(t, Sign, nil)
			in.sig = sign(t, f.rsaKey, in.cd)
			in.exp.Purpose = Sign
			return in
		}},
		{name: "wrong EKU", want: CodeWrongKeyUsage, input: func(t *testing.T) input {
			return good(t, Auth, &testca.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		}},
		{name: "no EKU on auth certificate", want: CodeWrongKeyUsage, input: func(t *testing.T) input {
			return good(t, Auth, &testca.Options{OmitEKU: true})
		}},
		{name: "auth key usage without digitalSignature", want: CodeWrongKeyUsage, input: func(t *testing.T) input {
			return good(t, Auth, &testca.Options{KeyUsage: x509.KeyUsageContentCommitment})
		}},
		{name: "sign key usage without nonRepudiation", want: CodeWrongKeyUsage, input: func(t *testing.T) input {
			return good(t, Sign, &testca.Options{KeyUsage: x509.KeyUsageDigitalSignature})
		}},
		{name: "unknown root", want: CodeUntrustedRoot, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = f.issue(t, f.other(t), testca.Auth, f.rsaKey.Public(), nil).Raw
			return in
		}},
		{name: "forged issuer with the root's key id", want: CodeUntrustedRoot, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = forgedLeaf(t, f.ca.Root(testca.Auth), f.rsaKey.Public())
			return in
		}},
		{name: "CA certificate supplied by the card", want: CodeCACertificate, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = f.ca.Root(testca.Auth).Raw
			return in
		}},
		{name: "certificate too large", want: CodeCertificateTooLarge, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = append(in.cert, make([]byte, 4096)...)
			return in
		}},
		{name: "certificate garbage", want: CodeCertificateMalformed, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = []byte("MIIB this is not DER")
			return in
		}},
		{name: "certificate with trailing data", want: CodeCertificateMalformed, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = append(in.cert, 0, 0)
			return in
		}},
		{name: "empty certificate", want: CodeCertificateMalformed, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = nil
			return in
		}},
		{name: "ECDSA P-256 key", want: CodeUnsupportedKey, input: func(t *testing.T) input {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			in := good(t, Auth, nil)
			in.cert = f.issue(t, f.ca, testca.Auth, k.Public(), nil).Raw
			return in
		}},
		{name: "RSA exponent 3", want: CodeUnsupportedKey, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cert = f.issue(t, f.ca, testca.Auth, &rsa.PublicKey{N: f.rsaKey.N, E: 3}, nil).Raw
			return in
		}},
		{name: "bad signature", want: CodeBadSignature, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.sig[10] ^= 1
			return in
		}},
		{name: "signature over other client_data", want: CodeBadSignature, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.sig = sign(t, f.rsaKey, clientData(t, Auth, func(c *clientdata.ClientData) { c.Time = c.Time.Add(-time.Second) }))
			return in
		}},
		{name: "signature by another key", want: CodeBadSignature, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.sig = sign(t, f.ecKey, in.cd)
			return in
		}},
		{name: "truncated signature", want: CodeBadSignature, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.sig = in.sig[:255]
			return in
		}},
		{name: "client_data malformed", want: CodeClientDataMalformed, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.cd = append([]byte(" "), in.cd...)
			in.sig = sign(t, f.rsaKey, in.cd)
			return in
		}},
		{name: "client_data wrong type", want: CodeWrongType, input: func(t *testing.T) input {
			return withClientData(t, Auth, func(c *clientdata.ClientData) { c.Type = clientdata.TypeSign })
		}},
		{name: "client_data wrong origin", want: CodeOriginMismatch, input: func(t *testing.T) input {
			return withClientData(t, Auth, func(c *clientdata.ClientData) { c.Origin = "https://evil.example" })
		}},
		{name: "client_data wrong transaction", want: CodeTransactionMismatch, input: func(t *testing.T) input {
			return withClientData(t, Auth, func(c *clientdata.ClientData) { c.TransactionID = "tx_fedcba9876543210" })
		}},
		{name: "client_data wrong nonce", want: CodeNonceMismatch, input: func(t *testing.T) input {
			return withClientData(t, Auth, func(c *clientdata.ClientData) { c.Nonce = bytes.Repeat([]byte{7}, 32) })
		}},
		{name: "client_data from the future", want: CodeStaleClientData, input: func(t *testing.T) input {
			return withClientData(t, Auth, func(c *clientdata.ClientData) { c.Time = now.Add(2 * time.Minute) })
		}},
		{name: "client_data before the transaction", want: CodeStaleClientData, input: func(t *testing.T) input {
			in := withClientData(t, Auth, func(c *clientdata.ClientData) { c.Time = now.Add(-2 * time.Minute) })
			in.exp.NotBefore = now.Add(-10 * time.Second) // minus 60s skew: still after client_data
			return in
		}},
		{name: "client_data too old", want: CodeStaleClientData, input: func(t *testing.T) input {
			in := withClientData(t, Auth, func(c *clientdata.ClientData) { c.Time = now.Add(-5 * time.Minute) })
			in.exp.NotBefore = time.Time{}
			return in
		}},
		{name: "expected origin empty", want: CodeOriginMismatch, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.exp.Origin = ""
			return in
		}},
		{name: "expected nonce empty", want: CodeNonceMismatch, input: func(t *testing.T) input {
			in := good(t, Auth, nil)
			in.exp.Nonce = nil
			return in
		}},
		{name: "revoked", want: CodeCertificateRevoked, input: func(t *testing.T) input { return good(t, Auth, nil) },
			cfg: func(c *Config) { c.Revocation = revokeAll() }},
		{name: "revoked, even with soft-fail", want: CodeCertificateRevoked, input: func(t *testing.T) input { return good(t, Auth, nil) },
			cfg: func(c *Config) { c.Revocation = revokeAll(); c.SoftFail = time.Hour }},
		{name: "revocation unknown fails closed", want: CodeRevocationUnavailable, input: func(t *testing.T) input { return good(t, Auth, nil) },
			cfg: func(c *Config) { c.Revocation = revocation.NewStatic(revocation.Unknown) }},
		{name: "revocation error fails closed", want: CodeRevocationUnavailable, input: func(t *testing.T) input { return good(t, Auth, nil) },
			cfg: func(c *Config) { c.Revocation = failingChecker() }},
		{name: "signing never soft-fails", want: CodeRevocationUnavailable, input: func(t *testing.T) input { return good(t, Sign, nil) },
			cfg: func(c *Config) { c.Revocation = revocation.NewStatic(revocation.Unknown); c.SoftFail = time.Hour }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.input(t)
			v := newVerifier(t, tc.cfg)
			res, err := v.Verify(bg, in.cert, in.cd, in.sig, in.exp)
			if res != nil {
				t.Fatalf("got a result for a broken input: %+v", res)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.Code != tc.want {
				t.Fatalf("code = %s (%v), want %s", e.Code, err, tc.want)
			}
			if e.Message == "" || !errors.Is(err, &Error{Code: tc.want}) || CodeOf(err) != tc.want {
				t.Errorf("error plumbing: %+v", e)
			}
		})
	}
}

// switchable answers Good (Revoked for the serials in revoked), decided
// at now(), until down is set; then it fails like an unreachable OCSP
// responder or answers Unknown.
type switchable struct {
	down    bool
	unknown bool
	revoked map[string]bool // decimal serials
	now     func() time.Time
}

func (s *switchable) Check(ctx context.Context, cert, issuer *x509.Certificate) (revocation.Result, error) {
	switch {
	case !s.down && s.revoked[cert.SerialNumber.String()]:
		return revocation.Result{Status: revocation.Revoked, Source: "test", CheckedAt: s.now()}, nil
	case !s.down:
		return revocation.Result{Status: revocation.Good, Source: "test", CheckedAt: s.now()}, nil
	case s.unknown:
		return revocation.Result{Status: revocation.Unknown, Source: "test"}, nil
	}
	return revocation.Result{}, errors.New("responder unreachable")
}

func TestVerifySoftFail(t *testing.T) {
	for _, unknown := range []bool{false, true} {
		clock := now
		src := &switchable{unknown: unknown, now: func() time.Time { return clock }}
		v := newVerifier(t, func(c *Config) {
			c.Revocation = src
			c.SoftFail = 10 * time.Minute
			c.Now = func() time.Time { return clock }
		})
		verifyAt := func(p Purpose, at time.Time) (*Result, error) {
			clock = at
			in := good(t, p, nil)
			in.exp.NotBefore = at.Add(-time.Minute)
			in.cd = clientData(t, p, func(c *clientdata.ClientData) { c.Time = at })
			in.sig = sign(t, fx(t).rsaKey, in.cd)
			return v.Verify(bg, in.cert, in.cd, in.sig, in.exp)
		}

		// An outage before any definitive answer fails closed.
		src.down = true
		if _, err := verifyAt(Auth, now); CodeOf(err) != CodeRevocationUnavailable {
			t.Fatalf("outage at start: err = %v", err)
		}
		// A Good answer opens the window; an outage within it soft-fails.
		src.down = false
		if res, err := verifyAt(Auth, now); err != nil || res.SoftFailed {
			t.Fatalf("good: %+v %v", res, err)
		}
		src.down = true
		res, err := verifyAt(Auth, now.Add(9*time.Minute))
		if err != nil || !res.SoftFailed || res.Revocation.Status != revocation.Unknown {
			t.Fatalf("within the bound: %+v %v", res, err)
		}
		// Signing never soft-fails; past the bound logins fail closed.
		if _, err := verifyAt(Sign, now.Add(9*time.Minute)); CodeOf(err) != CodeRevocationUnavailable {
			t.Fatalf("sign within the bound: err = %v", err)
		}
		if _, err := verifyAt(Auth, now.Add(11*time.Minute)); CodeOf(err) != CodeRevocationUnavailable {
			t.Fatalf("past the bound: err = %v", err)
		}
	}
}

// answeredAt returns in with client_data signed at when, as if the card
// answered a transaction created a minute before.
func answeredAt(t *testing.T, in input, when time.Time) input {
	t.Helper()
	in.exp.NotBefore = when.Add(-time.Minute)
	in.cd = clientData(t, in.exp.Purpose, func(c *clientdata.ClientData) { c.Time = when })
	in.sig = sign(t, fx(t).rsaKey, in.cd)
	return in
}

// TestVerifySoftFailCachedAnswers checks that answers a revocation.Cache
// repeats during an outage do not keep the soft-fail window open: it counts
// from when the source decided (Result.CheckedAt).
func TestVerifySoftFailCachedAnswers(t *testing.T) {
	clock := now
	clk := func() time.Time { return clock }
	src := &switchable{revoked: map[string]bool{}, now: clk}
	v := newVerifier(t, func(c *Config) {
		c.Revocation = revocation.NewCache(src, revocation.CacheConfig{Now: clk})
		c.SoftFail = 10 * time.Minute
		c.Now = clk
	})
	verifyAt := func(in input, at time.Time) (*Result, error) {
		clock = at
		in = answeredAt(t, in, at)
		return v.Verify(bg, in.cert, in.cd, in.sig, in.exp)
	}
	revoked := good(t, Auth, nil)
	cert, err := x509.ParseCertificate(revoked.cert)
	if err != nil {
		t.Fatal(err)
	}
	src.revoked[cert.SerialNumber.String()] = true

	// The source decides at now, and the cache keeps the answer.
	if _, err := verifyAt(revoked, now); CodeOf(err) != CodeCertificateRevoked {
		t.Fatalf("revoked card at start: err = %v", err)
	}
	src.down = true
	if res, err := verifyAt(good(t, Auth, nil), now.Add(5*time.Minute)); err != nil || !res.SoftFailed {
		t.Fatalf("new card 5 min into the outage: %+v %v, want soft-failed", res, err)
	}
	// The revoked card keeps trying; the cache answers each time.
	for d := 9 * time.Minute; d <= 54*time.Minute; d += 9 * time.Minute {
		if _, err := verifyAt(revoked, now.Add(d)); CodeOf(err) != CodeCertificateRevoked {
			t.Fatalf("revoked card at +%v: err = %v", d, err)
		}
	}
	// An hour into the outage, a card the cache has not seen fails closed.
	if res, err := verifyAt(good(t, Auth, nil), now.Add(60*time.Minute)); CodeOf(err) != CodeRevocationUnavailable {
		t.Fatalf("new card 60 min into the outage: err = %v, soft-failed = %v; want %s", err, res != nil && res.SoftFailed, CodeRevocationUnavailable)
	}
}

// TestNoteDefinitive covers how decision times move the soft-fail window
// (SoftFail 10 min, decisions noted at now).
func TestNoteDefinitive(t *testing.T) {
	tests := []struct {
		name      string
		checkedAt []time.Time // noted in order, each at now
		probe     time.Duration
		want      bool // within the window at now+probe
	}{
		{"decision opens the window", []time.Time{now}, 10 * time.Minute, true},
		{"window closes", []time.Time{now}, 11 * time.Minute, false},
		{"zero CheckedAt is ignored", []time.Time{{}}, 0, false},
		{"decision older than the bound", []time.Time{now.Add(-11 * time.Minute)}, 0, false},
		{"decision in the future counts as now", []time.Time{now.Add(time.Hour)}, 11 * time.Minute, false},
		{"never moves backwards", []time.Time{now, now.Add(-5 * time.Minute)}, 10 * time.Minute, true},
		{"moves forwards", []time.Time{now.Add(-5 * time.Minute), now}, 10 * time.Minute, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newVerifier(t, func(c *Config) { c.SoftFail = 10 * time.Minute })
			for _, at := range tc.checkedAt {
				v.noteDefinitive(at, now)
			}
			if got := v.withinSoftFail(Auth, now.Add(tc.probe)); got != tc.want {
				t.Fatalf("within the window at +%v: %v, want %v", tc.probe, got, tc.want)
			}
		})
	}
}

// TestVerifySigningAsksFresh checks that eKYC signing does not reuse a
// cached Good answer (jpki.md §6.2), while a login within the cache's TTL
// does, as intended: the TTL is the login freshness the operator chose.
func TestVerifySigningAsksFresh(t *testing.T) {
	f := fx(t)
	tests := []struct {
		name    string
		purpose Purpose
		want    Code // after the revocation, within the TTL ("" is success)
	}{
		{"sign asks the source again", Sign, CodeCertificateRevoked},
		{"auth reuses the cached good answer", Auth, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := now
			clk := func() time.Time { return clock }
			st := revocation.NewStatic(revocation.Good)
			v := newVerifier(t, func(c *Config) {
				c.Revocation = revocation.NewCache(st, revocation.CacheConfig{GoodTTL: time.Hour, Now: clk})
				c.Now = clk
			})
			in := good(t, tc.purpose, nil)
			if _, err := v.Verify(bg, in.cert, in.cd, in.sig, in.exp); err != nil {
				t.Fatalf("before the revocation: %v", err)
			}
			cert, err := x509.ParseCertificate(in.cert)
			if err != nil {
				t.Fatal(err)
			}
			root := f.ca.Root(testca.Auth)
			if tc.purpose == Sign {
				root = f.ca.Root(testca.Sign)
			}
			st.Revoke(root.SubjectKeyId, cert.SerialNumber, revocation.ReasonKeyCompromise, now)
			clock = now.Add(time.Minute)
			in = answeredAt(t, in, clock)
			if _, err := v.Verify(bg, in.cert, in.cd, in.sig, in.exp); CodeOf(err) != tc.want {
				t.Fatalf("after the revocation: err = %v, want code %q", err, tc.want)
			}
		})
	}
}

// TestVerifyRevocationGetsTheRoot checks that the revocation source is asked
// with the configured root as issuer, so a Static keyed by root SKI works.
func TestVerifyRevocationByCard(t *testing.T) {
	f := fx(t)
	in := good(t, Auth, nil)
	cert, _ := x509.ParseCertificate(in.cert)
	st := revocation.NewStatic(revocation.Good)
	st.Revoke(f.ca.Root(testca.Auth).SubjectKeyId, cert.SerialNumber, revocation.ReasonKeyCompromise, now)
	_, err := newVerifier(t, func(c *Config) { c.Revocation = st }).Verify(bg, in.cert, in.cd, in.sig, in.exp)
	if CodeOf(err) != CodeCertificateRevoked {
		t.Fatalf("err = %v", err)
	}
	// Another card of the same CA is still fine.
	other := good(t, Auth, nil)
	if _, err := newVerifier(t, func(c *Config) { c.Revocation = st }).Verify(bg, other.cert, other.cd, other.sig, other.exp); err != nil {
		t.Fatal(err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	roots := testRoots(t, fx(t).ca)
	for name, cfg := range map[string]Config{
		"no roots":      {Revocation: revocation.NewStatic(revocation.Good)},
		"empty roots":   {Roots: NewRoots(Test), Revocation: revocation.NewStatic(revocation.Good)},
		"no revocation": {Roots: roots},
		"test policy in production": {
			Roots:        mustPinnedRoots(t),
			Revocation:   revocation.NewStatic(revocation.Good),
			SignPolicies: []asn1.ObjectIdentifier{profile.PolicyTestSign},
		},
	} {
		if name == "test policy in production" && cfg.Roots == nil {
			continue // real roots absent
		}
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func revokeAll() revocation.Checker {
	return revocation.CheckerFunc(func(_ context.Context, cert, issuer *x509.Certificate) (revocation.Result, error) {
		return revocation.Result{Status: revocation.Revoked, Reason: revocation.ReasonAffiliationChanged, RevokedAt: now, Source: "test"}, nil
	})
}

func failingChecker() revocation.Checker {
	return revocation.CheckerFunc(func(context.Context, *x509.Certificate, *x509.Certificate) (revocation.Result, error) {
		return revocation.Result{Source: "test"}, errors.New("responder down")
	})
}

// forgedLeaf makes an auth-profile certificate whose AKI names the real
// root's key id and whose issuer DN is the root's, but which another key
// signed: only the chain check can catch it.
func forgedLeaf(t *testing.T, realRoot *x509.Certificate, pub crypto.PublicKey) []byte {
	t.Helper()
	fk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	fakeRoot := &x509.Certificate{
		Raw:                   nil,
		SerialNumber:          big.NewInt(1),
		RawSubject:            realRoot.RawSubject,
		SubjectKeyId:          realRoot.SubjectKeyId,
		NotBefore:             realRoot.NotBefore,
		NotAfter:              realRoot.NotAfter,
		BasicConstraintsValid: true,
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		PublicKey:             &fk.PublicKey,
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(424242),
		Subject:      pkix.Name{Country: []string{"JP"}, CommonName: "forged"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Policies:     []x509.OID{mustOID(t, profile.PolicyAuth)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, fakeRoot, pub, fk)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	if !bytes.Equal(c.AuthorityKeyId, realRoot.SubjectKeyId) || !bytes.Equal(c.RawIssuer, realRoot.RawSubject) {
		t.Fatal("forged leaf does not impersonate the root")
	}
	return der
}

func mustOID(t *testing.T, id asn1.ObjectIdentifier) x509.OID {
	ints := make([]uint64, len(id))
	for i, v := range id {
		ints[i] = uint64(v)
	}
	o, err := x509.OIDFromInts(ints)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
