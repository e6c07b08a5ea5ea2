package revocation

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestCRLSourceFile(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	good, bad := ca.issue(t, 100, leafOpts{}), ca.issue(t, 101, leafOpts{})
	revokedAt := t0.Add(-time.Hour)
	der := ca.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), []x509.RevocationListEntry{
		{SerialNumber: bad.SerialNumber, RevocationTime: revokedAt, ReasonCode: ReasonAffiliationChanged},
	})
	for _, enc := range []struct {
		name string
		data []byte
	}{
		{"der", der},
		{"pem", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})},
	} {
		t.Run(enc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "auth.crl")
			if err := os.WriteFile(path, enc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			src, err := NewCRLSource(CRLConfig{Location: path, Now: fixedNow(t0)})
			if err != nil {
				t.Fatal(err)
			}
			r, err := src.Check(context.Background(), good, ca.cert)
			if err != nil || r.Status != Good {
				t.Fatalf("good cert: %+v, %v", r, err)
			}
			if r.Source != "crl:"+path || !r.NextUpdate.Equal(t0.Add(24*time.Hour)) {
				t.Errorf("result metadata = %+v", r)
			}
			r, err = src.Check(context.Background(), bad, ca.cert)
			if err != nil || r.Status != Revoked || r.Reason != ReasonAffiliationChanged || !r.RevokedAt.Equal(revokedAt) {
				t.Fatalf("revoked cert: %+v, %v", r, err)
			}
		})
	}
}

func TestCRLSourceRejects(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{crldp: crldpValue(t, "Sapporo-shi CRLDP")})
	valid := func() []byte { return ca.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil) }
	// Another CA with the same DN, claiming the real CA's key id: a forged signer.
	forger := newCA(t, "Auth CA", ca.cert.SubjectKeyId)
	// Another generation: same DN, its own key id.
	nextGen := newCA(t, "Auth CA", []byte("generation-2"))
	other := newCA(t, "Sign CA", nil)

	tests := []struct {
		name       string
		status     int
		body       func() []byte
		wantErr    error
		wantStatus Status
	}{
		{name: "valid", body: valid, wantStatus: Good},
		{name: "garbage", body: func() []byte { return []byte("not a CRL at all") }, wantErr: ErrMalformed},
		{name: "truncated", body: func() []byte { b := valid(); return b[:len(b)/2] }, wantErr: ErrMalformed},
		{name: "pem of wrong type", body: func() []byte {
			return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: valid()})
		}, wantErr: ErrMalformed},
		{name: "wrong signer", body: func() []byte { return forger.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil) }, wantErr: ErrBadSignature},
		{name: "other generation", body: func() []byte { return nextGen.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil) }, wantStatus: Unknown},
		{name: "other issuer", body: func() []byte { return other.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil) }, wantStatus: Unknown},
		{name: "expired", body: func() []byte { return ca.crl(t, t0.Add(-48*time.Hour), t0.Add(-time.Hour), nil) }, wantErr: ErrStale},
		{name: "delta CRL", body: func() []byte {
			return ca.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil,
				pkix.Extension{Id: oidExtDeltaCRL, Critical: true, Value: []byte{2, 1, 6}})
		}, wantErr: ErrMalformed},
		{name: "unknown critical extension", body: func() []byte {
			return ca.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil,
				pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}})
		}, wantErr: ErrMalformed},
		{name: "partition of this cert", body: func() []byte {
			return ca.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil,
				pkix.Extension{Id: oidExtIssuingDP, Critical: true, Value: idpValue(t, "Sapporo-shi CRLDP")})
		}, wantStatus: Good},
		{name: "partition of another municipality", body: func() []byte {
			return ca.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil,
				pkix.Extension{Id: oidExtIssuingDP, Critical: true, Value: idpValue(t, "Kiyose-shi CRLDP")})
		}, wantStatus: Unknown},
		{name: "only some reasons", body: func() []byte {
			v := seq(t, []byte{0x83, 0x02, 0x06, 0x40})
			return ca.crl(t, t0.Add(-time.Hour), t0.Add(24*time.Hour), nil,
				pkix.Extension{Id: oidExtIssuingDP, Critical: true, Value: v})
		}, wantStatus: Unknown},
		{name: "HTTP 500", status: http.StatusInternalServerError, body: valid, wantErr: &HTTPError{}},
		{name: "oversized", body: func() []byte { return bytes.Repeat([]byte{0x30}, 5000) }, wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body()
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.status != 0 {
					w.WriteHeader(tc.status)
				}
				w.Write(body)
			})
			src, err := NewCRLSource(CRLConfig{Location: srv.URL + "/auth.crl", Now: fixedNow(t0), MaxSize: 4096})
			if err != nil {
				t.Fatal(err)
			}
			r, err := src.Check(context.Background(), leaf, ca.cert)
			if tc.wantErr != nil {
				var he *HTTPError
				if _, isHTTP := tc.wantErr.(*HTTPError); isHTTP {
					if !errors.As(err, &he) || he.StatusCode != tc.status {
						t.Fatalf("err = %v, want HTTP %d", err, tc.status)
					}
				} else if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if r.Status != Unknown {
					t.Fatalf("status %v with error, want unknown", r.Status)
				}
				return
			}
			if err != nil || r.Status != tc.wantStatus {
				t.Fatalf("got %v, %v; want %v", r.Status, err, tc.wantStatus)
			}
		})
	}
}

func TestCRLSourceSharedRefresh(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{})
	clk := newClock(t0)
	var mu sync.Mutex
	body := ca.crl(t, t0.Add(-time.Hour), t0.Add(time.Hour), nil)
	gate := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-gate
		mu.Lock()
		defer mu.Unlock()
		w.Write(body)
	})
	src, err := NewCRLSource(CRLConfig{Location: srv.URL, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			r, err := src.Check(context.Background(), leaf, ca.cert)
			if err == nil && r.Status != Good {
				err = errors.New("not good: " + r.Status.String())
			}
			errs <- err
		})
	}
	time.Sleep(20 * time.Millisecond) // let callers pile up on the fetch
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("50 concurrent callers made %d fetches, want 1", n)
	}

	// Still fresh: no fetch.
	clk.Add(30 * time.Minute)
	if _, err := src.Check(context.Background(), leaf, ca.cert); err != nil || srv.hits.Load() != 1 {
		t.Fatalf("fresh CRL refetched: hits=%d err=%v", srv.hits.Load(), err)
	}
	// Past nextUpdate: one new fetch, which sees the new revocation.
	mu.Lock()
	body = ca.crl(t, t0.Add(time.Hour), t0.Add(3*time.Hour), []x509.RevocationListEntry{{SerialNumber: leaf.SerialNumber, RevocationTime: t0}})
	mu.Unlock()
	clk.Add(31 * time.Minute)
	r, err := src.Check(context.Background(), leaf, ca.cert)
	if err != nil || r.Status != Revoked || srv.hits.Load() != 2 {
		t.Fatalf("after nextUpdate: %v %v hits=%d", r.Status, err, srv.hits.Load())
	}
}

func TestCRLSourceRetryAfter(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{})
	clk := newClock(t0)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	src, _ := NewCRLSource(CRLConfig{Location: srv.URL, Now: clk.Now, RetryAfter: time.Minute})
	for range 3 {
		if _, err := src.Check(context.Background(), leaf, ca.cert); err == nil {
			t.Fatal("want error from a failing server")
		}
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d fetches within RetryAfter, want 1", n)
	}
	clk.Add(2 * time.Minute)
	src.Check(context.Background(), leaf, ca.cert)
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("%d fetches after RetryAfter, want 2", n)
	}
}

func TestCRLSourceCallerCancel(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{})
	gate := make(chan struct{})
	body := ca.crl(t, t0.Add(-time.Hour), t0.Add(time.Hour), nil)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { <-gate; w.Write(body) })
	src, _ := NewCRLSource(CRLConfig{Location: srv.URL, Now: fixedNow(t0)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Check(ctx, leaf, ca.cert); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	close(gate)
	// The detached fetch still completes for the next caller.
	if r, err := src.Check(context.Background(), leaf, ca.cert); err != nil || r.Status != Good {
		t.Fatalf("%v %v", r.Status, err)
	}
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

func TestNewCRLSourceEmpty(t *testing.T) {
	if _, err := NewCRLSource(CRLConfig{}); err == nil {
		t.Fatal("empty location accepted")
	}
}
