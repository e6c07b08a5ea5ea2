package testca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

func TestRevokeAndCRL(t *testing.T) {
	ca, key := shared(t)
	good, err := ca.Issue(Auth, &key.PublicKey, holder, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := ca.Issue(Auth, &key.PublicKey, holder, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	future, err := ca.Issue(Auth, &key.PublicKey, holder, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := testNow.Add(10 * time.Minute)
	if err := ca.Revoke(Auth, bad.SerialNumber, ReasonKeyCompromise, at); err != nil {
		t.Fatal(err)
	}
	if err := ca.Revoke(Auth, future.SerialNumber, ReasonSuperseded, at.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := ca.Revoke(Auth, bad.SerialNumber, ReasonSuperseded, at); !errors.Is(err, ErrAlreadyRevoked) {
		t.Errorf("second revoke: %v", err)
	}
	if err := ca.Revoke(Sign, good.SerialNumber, 0, at); !errors.Is(err, ErrNotIssued) {
		t.Errorf("revoke under the other root: %v", err)
	}
	if err := ca.Revoke(Auth, big.NewInt(1), 0, at); !errors.Is(err, ErrNotIssued) {
		t.Errorf("revoke unknown serial: %v", err)
	}
	for _, r := range []int{-1, 7, 8, 11} {
		if err := ca.Revoke(Auth, good.SerialNumber, r, at); !errors.Is(err, ErrBadReason) {
			t.Errorf("reason %d: %v", r, err)
		}
	}
	if ok, reason, when := ca.IsRevoked(Auth, bad.SerialNumber); !ok || reason != ReasonKeyCompromise || !when.Equal(at) {
		t.Errorf("IsRevoked = %v %d %v", ok, reason, when)
	}
	if ok, _, _ := ca.IsRevoked(Auth, good.SerialNumber); ok {
		t.Error("good serial revoked")
	}

	now := testNow.Add(time.Hour)
	der, err := ca.CRL(Auth, now)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(ca.Root(Auth)); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if !bytes.Equal(crl.RawIssuer, ca.Root(Auth).RawSubject) || !bytes.Equal(crl.AuthorityKeyId, ca.Root(Auth).SubjectKeyId) {
		t.Error("CRL issuer")
	}
	if !crl.ThisUpdate.Equal(now) || !crl.NextUpdate.Equal(now.Add(24*time.Hour)) {
		t.Errorf("CRL update times %v %v", crl.ThisUpdate, crl.NextUpdate)
	}
	found := map[string]x509.RevocationListEntry{}
	for _, e := range crl.RevokedCertificateEntries {
		found[e.SerialNumber.String()] = e
	}
	e, ok := found[bad.SerialNumber.String()]
	if !ok || e.ReasonCode != ReasonKeyCompromise || !e.RevocationTime.Equal(at) {
		t.Errorf("revoked entry %+v", e)
	}
	if _, ok := found[good.SerialNumber.String()]; ok {
		t.Error("good serial on the CRL")
	}
	if _, ok := found[future.SerialNumber.String()]; ok {
		t.Error("future revocation on today's CRL")
	}
	// The sign CRL is signed by the sign root and lists none of these.
	der, err = ca.CRL(Sign, now)
	if err != nil {
		t.Fatal(err)
	}
	scrl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if scrl.CheckSignatureFrom(ca.Root(Sign)) != nil {
		t.Error("sign CRL signature")
	}
	// The CA is shared with the other tests, which revoke sign
	// certificates of their own: check this test's serials only.
	for _, e := range scrl.RevokedCertificateEntries {
		for _, c := range []*x509.Certificate{bad, good, future} {
			if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
				t.Errorf("sign CRL lists auth serial %v", c.SerialNumber)
			}
		}
	}
}

func TestOCSP(t *testing.T) {
	ca, key := shared(t)
	var mu sync.Mutex
	clock := testNow.Add(time.Hour)
	srv := httptest.NewServer(http.StripPrefix("/ocsp", ca.OCSPHandler(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	})))
	defer srv.Close()

	good, _ := ca.Issue(Sign, &key.PublicKey, holder, testNow, nil)
	revoked, _ := ca.Issue(Sign, &key.PublicKey, holder, testNow, nil)
	later, _ := ca.Issue(Auth, &key.PublicKey, holder, testNow, nil)
	if good == nil || revoked == nil || later == nil {
		t.Fatal("issue failed")
	}
	at := testNow.Add(30 * time.Minute)
	if err := ca.Revoke(Sign, revoked.SerialNumber, ReasonAffiliationChanged, at); err != nil {
		t.Fatal(err)
	}
	if err := ca.Revoke(Auth, later.SerialNumber, ReasonSuperseded, testNow.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	never := *good
	never.SerialNumber = big.NewInt(0x01020304)

	post := func(c, issuer *x509.Certificate) []byte {
		req, err := ocsp.CreateRequest(c, issuer, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(srv.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(req))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/ocsp-response" {
			t.Errorf("content type %q", ct)
		}
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	get := func(c, issuer *x509.Certificate, escape bool) []byte {
		req, err := ocsp.CreateRequest(c, issuer, &ocsp.RequestOptions{Hash: 0})
		if err != nil {
			t.Fatal(err)
		}
		p := base64.StdEncoding.EncodeToString(req)
		if escape {
			p = url.PathEscape(p)
		}
		resp, err := http.Get(srv.URL + "/ocsp/" + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	check := func(name string, der []byte, c, issuer *x509.Certificate, want int) *ocsp.Response {
		t.Helper()
		r, err := ocsp.ParseResponseForCert(der, c, issuer)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Status != want {
			t.Errorf("%s: status %d, want %d", name, r.Status, want)
		}
		if !r.ThisUpdate.Equal(clock) || !r.NextUpdate.Equal(clock.Add(24*time.Hour)) {
			t.Errorf("%s: update times %v %v", name, r.ThisUpdate, r.NextUpdate)
		}
		return r
	}
	sign, auth := ca.Root(Sign), ca.Root(Auth)
	check("good POST", post(good, sign), good, sign, ocsp.Good)
	check("good GET", get(good, sign, true), good, sign, ocsp.Good)
	check("good GET unescaped", get(good, sign, false), good, sign, ocsp.Good)
	r := check("revoked", post(revoked, sign), revoked, sign, ocsp.Revoked)
	if r.RevocationReason != ReasonAffiliationChanged || !r.RevokedAt.Equal(at) {
		t.Errorf("revoked: reason %d at %v", r.RevocationReason, r.RevokedAt)
	}
	check("never issued", post(&never, sign), &never, sign, ocsp.Unknown)
	check("revocation in the future", post(later, auth), later, auth, ocsp.Good)
	mu.Lock()
	clock = testNow.Add(3 * time.Hour)
	mu.Unlock()
	check("revocation now past", post(later, auth), later, auth, ocsp.Revoked)

	// A sign serial asked about under the auth root was never issued there.
	check("other root", post(good, auth), good, auth, ocsp.Unknown)
	// An issuer that is not ours at all: not authoritative.
	if _, err := ocsp.ParseResponse(post(good, foreignCA(t)), nil); !isOCSPError(err, ocsp.Unauthorized) {
		t.Errorf("foreign issuer: %v", err)
	}
	resp, err := http.Post(srv.URL+"/ocsp", "application/ocsp-request", bytes.NewReader([]byte("junk")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if _, err := ocsp.ParseResponse(b, nil); !isOCSPError(err, ocsp.Malformed) {
		t.Errorf("junk request: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/ocsp", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("PUT: %d", resp.StatusCode)
	}
}

// foreignCA is a self-signed CA that this package did not create.
func foreignCA(t *testing.T) *x509.Certificate {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "foreign"},
		NotBefore: testNow, NotAfter: testNow.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func isOCSPError(err error, want ocsp.ResponseStatus) bool {
	var re ocsp.ResponseError
	return errors.As(err, &re) && re.Status == want
}

// TestConcurrent runs issuing, revoking and OCSP at once; run with -race.
func TestConcurrent(t *testing.T) {
	ca, key := shared(t)
	h := ca.OCSPHandler(nil)
	first, err := ca.Issue(Auth, &key.PublicKey, holder, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	ocspReq, _ := ocsp.CreateRequest(first, ca.Root(Auth), nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ca.Issue(Auth, &key.PublicKey, holder, testNow, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if err := ca.Revoke(Auth, c.SerialNumber, ReasonSuperseded, testNow); err != nil {
				t.Error(err)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(ocspReq)))
			if _, err := ocsp.ParseResponseForCert(rec.Body.Bytes(), first, ca.Root(Auth)); err != nil {
				t.Error(err)
			}
			if _, err := ca.CRL(Auth, testNow); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}

// TestOCSPGetSlash covers GET requests whose standard base64 contains '/'
// left unescaped, and SHA-256 issuer hashes.
func TestOCSPGetSlash(t *testing.T) {
	ca, key := shared(t)
	c, err := ca.Issue(Auth, &key.PublicKey, holder, testNow, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := ca.OCSPHandler(func() time.Time { return testNow })
	probe := *c
	for i := int64(0); i < 5000; i++ {
		req, err := ocsp.CreateRequest(&probe, ca.Root(Auth), &ocsp.RequestOptions{Hash: crypto.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		p := base64.StdEncoding.EncodeToString(req)
		if !strings.Contains(p, "/") || probe.SerialNumber.Cmp(c.SerialNumber) == 0 {
			probe.SerialNumber = big.NewInt(0x10000 + i)
			continue
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/prefix/ocsp/"+p, nil))
		r, err := ocsp.ParseResponseForCert(rec.Body.Bytes(), &probe, ca.Root(Auth))
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != ocsp.Unknown || r.IssuerHash != crypto.SHA256 {
			t.Errorf("status %d hash %v", r.Status, r.IssuerHash)
		}
		return
	}
	t.Fatal("no request with '/' found")
}
