package testca

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/ocsp"
)

// maxOCSPRequest caps request bodies; a real request is about 100 bytes.
const maxOCSPRequest = 4096

// ocspValidity is the nextUpdate distance in OCSP responses.
const ocspValidity = 24 * time.Hour

// OCSPHandler returns an RFC 6960 responder for both roots. It accepts POST
// (body application/ocsp-request) and GET (base64 request as the last path
// segment, RFC 6960 appendix A.1), so it can be mounted under any prefix.
// Responses are signed directly by the root that issued the certificate.
// Status is good, revoked (for revocations dated at or before now()), or
// unknown for serials that root never issued. now is called per request so
// tests can move the clock; nil means time.Now.
func (ca *CA) OCSPHandler(now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var raw []byte
		switch req.Method {
		case http.MethodPost:
			body, err := io.ReadAll(io.LimitReader(req.Body, maxOCSPRequest+1))
			if err != nil || len(body) > maxOCSPRequest {
				writeOCSP(w, ocsp.MalformedRequestErrorResponse)
				return
			}
			raw = body
		case http.MethodGet:
			var ok bool
			if raw, ok = requestFromPath(req.URL.EscapedPath()); !ok {
				writeOCSP(w, ocsp.MalformedRequestErrorResponse)
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeOCSP(w, ca.respond(raw, now()))
	})
}

// requestFromPath finds the base64 OCSP request at the end of a GET path.
// RFC 6960 wants it URL-encoded, but some clients leave the '/' of standard
// base64 bare, which splits it over several path segments; so try the last
// one, then the last two, and so on, and take the first that parses.
func requestFromPath(escaped string) ([]byte, bool) {
	segs := strings.Split(escaped, "/")
	for n := 1; n <= len(segs); n++ {
		s, err := url.PathUnescape(strings.Join(segs[len(segs)-n:], "/"))
		if err != nil {
			continue
		}
		// Accept the padded and unpadded forms alike.
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			continue
		}
		if _, err := ocsp.ParseRequest(raw); err == nil {
			return raw, true
		}
	}
	return nil, false
}

// respond builds the DER response to one DER request.
func (ca *CA) respond(raw []byte, now time.Time) []byte {
	req, err := ocsp.ParseRequest(raw)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse
	}
	r := ca.rootFor(req)
	if r == nil {
		// Not one of our issuers: we are not authoritative (RFC 6960 §2.3).
		return ocsp.UnauthorizedErrorResponse
	}
	now = now.UTC().Truncate(time.Second)
	tmpl := ocsp.Response{
		SerialNumber: req.SerialNumber,
		ThisUpdate:   now,
		NextUpdate:   now.Add(ocspValidity),
		IssuerHash:   req.HashAlgorithm,
	}
	issued, rv, revoked := ca.status(r, req.SerialNumber, now)
	switch {
	case !issued:
		tmpl.Status = ocsp.Unknown
	case revoked:
		tmpl.Status = ocsp.Revoked
		tmpl.RevokedAt = rv.At
		tmpl.RevocationReason = rv.Reason
	default:
		tmpl.Status = ocsp.Good
	}
	der, err := ocsp.CreateResponse(r.cert, r.cert, tmpl, r.key)
	if err != nil {
		return ocsp.InternalErrorErrorResponse
	}
	return der
}

// rootFor finds the root whose name and key hashes match the request.
func (ca *CA) rootFor(req *ocsp.Request) *root {
	h := req.HashAlgorithm
	if !h.Available() {
		return nil
	}
	for _, r := range ca.roots {
		nameHash := hashOf(h, r.cert.RawSubject)
		var spki struct {
			Algorithm asn1.RawValue
			PublicKey asn1.BitString
		}
		if _, err := asn1.Unmarshal(r.cert.RawSubjectPublicKeyInfo, &spki); err != nil {
			continue
		}
		keyHash := hashOf(h, spki.PublicKey.RightAlign())
		if bytes.Equal(nameHash, req.IssuerNameHash) && bytes.Equal(keyHash, req.IssuerKeyHash) {
			return r
		}
	}
	return nil
}

func hashOf(h crypto.Hash, b []byte) []byte {
	d := h.New()
	d.Write(b)
	return d.Sum(nil)
}

func writeOCSP(w http.ResponseWriter, der []byte) {
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Header().Set("Cache-Control", "no-store") // tests change state between requests
	w.Write(der)
}
