package revocation

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

func TestOCSPSource(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	other := newCA(t, "Auth CA", []byte("other generation"))
	delegated, delegatedKey := ca.responder(t, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning})
	noEKU, noEKUKey := ca.responder(t, nil)
	foreign, foreignKey := other.responder(t, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning})

	good := func(serial *big.Int) ocsp.Response {
		return ocsp.Response{Status: ocsp.Good, SerialNumber: serial, ThisUpdate: t0.Add(-time.Minute), NextUpdate: t0.Add(time.Hour)}
	}
	type answer func(req *ocsp.Request) (status int, body []byte)
	signed := func(issuer, signer *x509.Certificate, key crypto.Signer, edit func(*ocsp.Response)) answer {
		return func(req *ocsp.Request) (int, []byte) {
			tmpl := good(req.SerialNumber)
			if edit != nil {
				edit(&tmpl)
			}
			return 200, ocspResponse(t, issuer, signer, key, tmpl)
		}
	}
	tests := []struct {
		name       string
		answer     answer
		wantErr    error
		wantStatus Status
		wantReason int
	}{
		{name: "good, signed by issuer", answer: signed(ca.cert, ca.cert, ca.key, nil), wantStatus: Good},
		{name: "revoked", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) {
			r.Status, r.RevokedAt, r.RevocationReason = ocsp.Revoked, t0.Add(-time.Hour), ReasonKeyCompromise
		}), wantStatus: Revoked, wantReason: ReasonKeyCompromise},
		{name: "unknown", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) { r.Status = ocsp.Unknown }), wantStatus: Unknown},
		{name: "delegated responder", answer: signed(ca.cert, delegated, delegatedKey, nil), wantStatus: Good},
		{name: "delegated responder without OCSPSigning", answer: signed(ca.cert, noEKU, noEKUKey, nil), wantErr: ErrBadSignature},
		{name: "responder of another CA", answer: signed(ca.cert, foreign, foreignKey, nil), wantErr: ErrBadSignature},
		{name: "wrong signer", answer: func(req *ocsp.Request) (int, []byte) {
			// Hashes name our CA, but another key signs and no certificate is embedded.
			b, err := ocsp.CreateResponse(ca.cert, ca.cert, good(req.SerialNumber), other.key)
			if err != nil {
				t.Fatal(err)
			}
			return 200, b
		}, wantErr: ErrBadSignature},
		{name: "wrong serial", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) { r.SerialNumber = big.NewInt(4242) }), wantErr: ErrMismatch},
		{name: "other issuer's certificate with the same serial", answer: signed(other.cert, ca.cert, ca.key, nil), wantErr: ErrMismatch},
		{name: "expired response", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) {
			r.ThisUpdate, r.NextUpdate = t0.Add(-48*time.Hour), t0.Add(-24*time.Hour)
		}), wantErr: ErrStale},
		{name: "response from the future", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) {
			r.ThisUpdate, r.NextUpdate = t0.Add(time.Hour), t0.Add(2*time.Hour)
		}), wantErr: ErrStale},
		{name: "old response without nextUpdate", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) {
			r.ThisUpdate, r.NextUpdate = t0.Add(-3*time.Hour), time.Time{}
		}), wantErr: ErrStale},
		{name: "fresh response without nextUpdate", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) {
			r.NextUpdate = time.Time{}
		}), wantStatus: Good},
		{name: "small skew tolerated", answer: signed(ca.cert, ca.cert, ca.key, func(r *ocsp.Response) {
			r.ThisUpdate = t0.Add(30 * time.Second)
		}), wantStatus: Good},
		{name: "tryLater", answer: func(*ocsp.Request) (int, []byte) { return 200, ocsp.TryLaterErrorResponse }, wantErr: ErrResponder},
		{name: "unauthorized", answer: func(*ocsp.Request) (int, []byte) { return 200, ocsp.UnauthorizedErrorResponse }, wantErr: ErrResponder},
		{name: "garbage", answer: func(*ocsp.Request) (int, []byte) { return 200, []byte("<html>hello</html>") }, wantErr: ErrMalformed},
		{name: "empty", answer: func(*ocsp.Request) (int, []byte) { return 200, nil }, wantErr: ErrMalformed},
		{name: "truncated", answer: func(req *ocsp.Request) (int, []byte) {
			_, b := signed(ca.cert, ca.cert, ca.key, nil)(req)
			return 200, b[:len(b)-10]
		}, wantErr: ErrMalformed},
		{name: "HTTP 500", answer: func(*ocsp.Request) (int, []byte) { return 500, nil }, wantErr: &HTTPError{}},
		{name: "oversized", answer: func(*ocsp.Request) (int, []byte) { return 200, bytes.Repeat([]byte{0x30}, 70<<10) }, wantErr: ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/ocsp-request" {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				b, _ := io.ReadAll(r.Body)
				req, err := ocsp.ParseRequest(b)
				if err != nil {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				status, body := tc.answer(req)
				w.WriteHeader(status)
				w.Write(body)
			})
			leaf := ca.issue(t, 100, leafOpts{ocspURL: srv.URL})
			src := &OCSPSource{Now: fixedNow(t0)}
			r, err := src.Check(context.Background(), leaf, ca.cert)
			if r.Source != "ocsp:"+srv.URL || !r.CheckedAt.Equal(t0) {
				t.Errorf("metadata = %q %v", r.Source, r.CheckedAt)
			}
			if tc.wantErr != nil {
				if _, isHTTP := tc.wantErr.(*HTTPError); isHTTP {
					var he *HTTPError
					if !errors.As(err, &he) || he.StatusCode != 500 {
						t.Fatalf("err = %v, want HTTP 500", err)
					}
				} else if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if r.Status != Unknown {
					t.Fatalf("status %v with error", r.Status)
				}
				return
			}
			if err != nil || r.Status != tc.wantStatus || r.Reason != tc.wantReason {
				t.Fatalf("got %+v, %v; want %v reason %d", r, err, tc.wantStatus, tc.wantReason)
			}
		})
	}
}

func TestOCSPSourceURLOverrideAndTimeout(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	leaf := ca.issue(t, 100, leafOpts{}) // no AIA
	src := &OCSPSource{Now: fixedNow(t0)}
	if _, err := src.Check(context.Background(), leaf, ca.cert); !errors.Is(err, ErrNoResponder) {
		t.Fatalf("no URL: err = %v", err)
	}
	release := make(chan struct{})
	defer close(release)
	slow := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	src = &OCSPSource{URL: slow.URL, Timeout: 50 * time.Millisecond, Now: fixedNow(t0)}
	if _, err := src.Check(context.Background(), leaf, ca.cert); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("slow responder: err = %v, want deadline exceeded", err)
	}
	if slow.hits.Load() != 1 {
		t.Fatal("override URL not used")
	}
}

// TestOCSPSeveralResponses covers responses with more than one
// SingleResponse. ParseResponseForCert takes the status from the first entry
// with the certificate's serial, whatever issuer it names, so the entry with
// the serial must be unique and must name our issuer.
func TestOCSPSeveralResponses(t *testing.T) {
	ca := newCA(t, "Auth CA", nil)
	other := newCA(t, "Auth CA", []byte("other generation")) // same DN, other key
	leaf := ca.issue(t, 42, leafOpts{})
	tests := []struct {
		name       string
		entries    []ocspEntry
		wantErr    error
		wantStatus Status
	}{
		{name: "other CA's good entry first, ours revoked", wantErr: ErrMalformed,
			entries: []ocspEntry{{other.cert, 42, ocsp.Good}, {ca.cert, 42, ocsp.Revoked}}},
		{name: "ours revoked first, other CA's good entry", wantErr: ErrMalformed,
			entries: []ocspEntry{{ca.cert, 42, ocsp.Revoked}, {other.cert, 42, ocsp.Good}}},
		{name: "ours twice", wantErr: ErrMalformed,
			entries: []ocspEntry{{ca.cert, 42, ocsp.Good}, {ca.cert, 42, ocsp.Good}}},
		{name: "only the other CA's entry for the serial", wantErr: ErrMismatch,
			entries: []ocspEntry{{ca.cert, 7, ocsp.Good}, {other.cert, 42, ocsp.Good}}},
		{name: "no entry for the serial", wantErr: ErrMismatch,
			entries: []ocspEntry{{ca.cert, 7, ocsp.Good}, {ca.cert, 8, ocsp.Good}}},
		{name: "other serials around ours", wantStatus: Revoked,
			entries: []ocspEntry{{ca.cert, 7, ocsp.Good}, {ca.cert, 42, ocsp.Revoked}, {other.cert, 8, ocsp.Good}}},
		{name: "single entry", wantStatus: Good,
			entries: []ocspEntry{{ca.cert, 42, ocsp.Good}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := ocspMultiResponse(t, ca.cert, ca.key, t0.Add(-time.Minute), t0.Add(time.Hour), tc.entries...)
			r, err := (&OCSPSource{}).evaluate(body, leaf, ca.cert, t0)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || r.Status != Unknown {
					t.Fatalf("got %v, %v; want %v", r.Status, err, tc.wantErr)
				}
				return
			}
			if err != nil || r.Status != tc.wantStatus {
				t.Fatalf("got %v, %v; want %v", r.Status, err, tc.wantStatus)
			}
		})
	}
}
