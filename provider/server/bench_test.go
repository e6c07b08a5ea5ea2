package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCodeExchange measures the token endpoint redeeming a code
// (client auth, PKCE, take, access token, refresh family, ID token), in
// process on the bolt backend. The code records are made with the timer
// stopped.
func BenchmarkCodeExchange(b *testing.B) {
	keysCacheTTL = 0
	defer func() { keysCacheTTL = -1 }()
	e := newEnv(b)
	h := e.srv.Handler()
	ctx := context.Background()
	p := newPKCE()
	acct, err := e.srv.accountForCard(ctx, e.card().Card.String())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		b.StopTimer()
		cpu.pause()
		code := newSecret()
		rec := codeRecord{ClientID: "web", RedirectURI: rpRedirect, Scopes: []string{"openid", "offline_access"},
			Nonce: "n", CodeChallenge: p.challenge, AccountID: acct, AuthTime: e.clock.Now().Unix(),
			AMR: cardAMR, ACR: ACRCard, SID: "sid", IssuedAt: e.clock.Now().UnixNano()}
		if err := createJSON(ctx, e.backend, nsCode, hashKey(code), rec, e.srv.cfg.CodeTTL); err != nil {
			b.Fatal(err)
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect},
			"code_verifier": {p.verifier}}.Encode()
		req := httptest.NewRequest(http.MethodPost, e.issuer+pathToken, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("web", "web-secret")
		w := httptest.NewRecorder()
		cpu.resume()
		b.StartTimer()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	cpu.report(b)
}

// BenchmarkRefresh measures a refresh without rotation (client auth,
// family check, access token, ID token).
func BenchmarkRefresh(b *testing.B) {
	keysCacheTTL = 0
	defer func() { keysCacheTTL = -1 }()
	e := newEnv(b)
	h := e.srv.Handler()
	rt := e.tokens("web", "web-secret")["refresh_token"].(string)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()
	b.ReportAllocs()
	cpu := startCPU()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, e.issuer+pathToken, strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("web", "web-secret")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	cpu.report(b)
}

// cpuMeter measures process CPU time (user+system), which is what a
// request costs the server; wall time on bolt is mostly fsync waits.
type cpuMeter struct {
	total time.Duration
	start time.Duration
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() *cpuMeter   { return &cpuMeter{start: processCPU()} }
func (c *cpuMeter) pause()  { c.total += processCPU() - c.start }
func (c *cpuMeter) resume() { c.start = processCPU() }
func (c *cpuMeter) report(b *testing.B) {
	c.pause()
	b.ReportMetric(float64(c.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
}
