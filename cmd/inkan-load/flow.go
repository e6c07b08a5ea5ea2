package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/inkan-id/inkan/cardauth"
	"github.com/inkan-id/inkan/cardauth/vcard"
	mobilebridge "github.com/inkan-id/inkan/mobile-bridge"
	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// step is one timed part of an operation.
type step int

const (
	stepAuthorize step = iota // GET /authorize → the login page, or a redirect to it
	stepLogin                 // GET the login page, where /authorize redirected to it
	stepBridge                // mobilebridge Fetch + Answer, card time included
	stepCard                  // of which: the virtual card, in this process
	stepCallback              // GET the page's data-next, the callback → redirect to the RP with the code
	stepToken                 // POST /token, authorization_code grant
	stepUserinfo              // GET /userinfo
	stepTotal                 // the whole login
	stepRefresh               // POST /token, refresh_token grant
	stepHealthz               // GET /healthz (probe mode)
	stepReadyz                // GET /readyz (probe mode)
	numSteps
)

var stepNames = [numSteps]string{"authorize", "login page", "bridge", "  card (local)", "callback", "token", "userinfo", "login total", "refresh", "healthz", "readyz"}

// maxBody caps what is read of any answer.
const maxBody = 1 << 20

// pin is the auth PIN of every card the tool issues.
const pin = "1234"

// endpoints are the provider's, from its discovery document.
type endpoints struct {
	Issuer        string `json:"issuer"`
	Authorization string `json:"authorization_endpoint"`
	Token         string `json:"token_endpoint"`
	Userinfo      string `json:"userinfo_endpoint"`
}

// failure is a failed operation: the step and a short kind (status and
// error code), which is how failures are counted.
type failure struct {
	step step
	kind string
}

func (f *failure) Error() string { return stepNames[f.step] + ": " + f.kind }

func fail(s step, format string, a ...any) *failure {
	return &failure{step: s, kind: fmt.Sprintf(format, a...)}
}

// transportKind names a transport error briefly.
func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, errNotLoopback):
		return "non-loopback address refused"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	return "transport error"
}

// httpFailure describes a non-expected answer by status and the error
// code in its body: OAuth's "error" or the bridge's "code".
func httpFailure(s step, resp *http.Response, body []byte) *failure {
	var e struct {
		Error string `json:"error"`
		Code  string `json:"code"`
	}
	code := ""
	if json.Unmarshal(body, &e) == nil {
		code = e.Error
		if code == "" {
			code = e.Code
		}
	}
	if code == "" {
		return fail(s, "HTTP %d", resp.StatusCode)
	}
	return fail(s, "HTTP %d %s", resp.StatusCode, code)
}

// card is one virtual card with the certificate an app would cache after
// its first login (the warm path).
type card struct {
	c *vcard.Card
	// inUse is held for a whole card session: a card shared by several
	// virtual users (fewer cards than users) serves one phone at a time,
	// since the APDUs of two sessions must not interleave.
	inUse sync.Mutex
	mu    sync.Mutex
	cert  []byte
}

func (c *card) cached() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cert
}

func (c *card) remember(cert []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cert = cert
}

// timedCard adds up the time spent in the card.
type timedCard struct {
	t cardauth.Transceiver
	d time.Duration
}

func (c *timedCard) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	start := time.Now()
	r, err := c.t.Transmit(ctx, cmd)
	c.d += time.Since(start)
	return r, err
}

// driver holds what every virtual user shares.
type driver struct {
	opt *options
	ep  endpoints
	tr  http.RoundTripper
	// rp is the redirect URI, where every flow ends.
	rp string
}

// timings of one operation, indexed by step; zero means not reached.
type timings [numSteps]time.Duration

// tokens are what a login yields.
type tokens struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	IDToken string `json:"id_token"`
	Type    string `json:"token_type"`
}

// send runs one request and reads its body; the caller checks the status.
func send(ctx context.Context, c *http.Client, s step, req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.Do(req.WithContext(ctx))
	if err != nil {
		return nil, nil, fail(s, "%s", transportKind(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, fail(s, "%s (reading body)", transportKind(err))
	}
	return resp, body, nil
}

// get is send for a GET of target.
func get(ctx context.Context, c *http.Client, s step, target string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, fail(s, "bad URL")
	}
	return send(ctx, c, s, req)
}

// redirect returns the resolved Location of a 302 or 303.
func redirect(resp *http.Response) (*url.URL, bool) {
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return nil, false
	}
	loc, err := resp.Location()
	return loc, err == nil
}

// atRP reports whether u is the relying party's redirect URI.
func (d *driver) atRP(u *url.URL) bool {
	s := u.String()
	return s == d.rp || strings.HasPrefix(s, d.rp+"?")
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// login runs one complete login as a new browser with card, filling t.
func (d *driver) login(ctx context.Context, cd *card, t *timings) (*tokens, error) {
	begin := time.Now()
	b := browserClient(d.tr, d.opt.timeout)
	state, nonce, verifier := randomString(), randomString(), randomString()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {d.opt.clientID},
		"redirect_uri":          {d.opt.redirectURI},
		"scope":                 {d.opt.scope},
		"state":                 {state},
		"nonce":                 {nonce},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}

	// 1. Authorize: the provider keeps the request and answers with the
	// login page (a provider that redirects to it is followed: step 2).
	start := time.Now()
	authURL := d.ep.Authorization + "?" + q.Encode()
	resp, body, err := get(ctx, b, stepAuthorize, authURL)
	t[stepAuthorize] = time.Since(start)
	if err != nil {
		return nil, err
	}
	pageStep, pageURL := stepAuthorize, resp.Request.URL
	if resp.StatusCode != http.StatusOK {
		loginURL, ok := redirect(resp)
		if !ok {
			return nil, httpFailure(stepAuthorize, resp, body)
		}
		if d.atRP(loginURL) {
			return nil, fail(stepAuthorize, "redirected to the client with error %q", loginURL.Query().Get("error"))
		}
		// 2. The login page, where /authorize sent the browser to it.
		start = time.Now()
		resp, body, err = get(ctx, b, stepLogin, loginURL.String())
		t[stepLogin] = time.Since(start)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, httpFailure(stepLogin, resp, body)
		}
		pageStep, pageURL = stepLogin, loginURL
	}
	page, err := parseLoginPage(body, pageURL)
	if err != nil {
		return nil, fail(pageStep, "%v", err)
	}

	// 3. The phone: fetch the transaction and answer it with the card.
	tc := &timedCard{t: cd.c}
	start = time.Now()
	_, err = d.tap(ctx, page.BridgeLink, cd, tc)
	t[stepBridge], t[stepCard] = time.Since(start), tc.d
	if err != nil {
		return nil, bridgeFailure(err)
	}

	// 4. As the page's script does once the status says done: straight to
	// the page's data-next, the callback, which issues the code and sends
	// the browser to the RP.
	next := page.Next
	start = time.Now()
	for hops := 0; !d.atRP(next); hops++ {
		if hops == 3 {
			return nil, fail(stepCallback, "too many redirects")
		}
		if strings.HasSuffix(next.Path, "/login/consent") {
			return nil, fail(stepCallback, "consent page: the client needs consent_required: false")
		}
		if strings.HasSuffix(next.Path, "/login") {
			return nil, fail(stepCallback, "back to the login page: the login is not done")
		}
		resp, body, err = get(ctx, b, stepCallback, next.String())
		if err != nil {
			return nil, err
		}
		var ok bool
		if next, ok = redirect(resp); !ok {
			return nil, httpFailure(stepCallback, resp, body)
		}
	}
	t[stepCallback] = time.Since(start)
	rq := next.Query()
	if e := rq.Get("error"); e != "" {
		return nil, fail(stepCallback, "error %s", e)
	}
	if rq.Get("state") != state {
		return nil, fail(stepCallback, "state mismatch")
	}
	if iss := rq.Get("iss"); iss != "" && iss != d.ep.Issuer {
		return nil, fail(stepCallback, "iss mismatch")
	}
	code := rq.Get("code")
	if code == "" {
		return nil, fail(stepCallback, "no code")
	}

	// 5. The relying party redeems the code.
	start = time.Now()
	tok, err := d.tokenRequest(ctx, stepToken, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {d.opt.redirectURI},
		"code_verifier": {verifier},
	})
	t[stepToken] = time.Since(start)
	if err != nil {
		return nil, err
	}
	if tok.IDToken == "" {
		return nil, fail(stepToken, "no id_token")
	}
	if got, err := idTokenNonce(tok.IDToken); err != nil || got != nonce {
		return nil, fail(stepToken, "id_token nonce mismatch")
	}
	if hasScope(d.opt.scope, "offline_access") && tok.Refresh == "" {
		return nil, fail(stepToken, "no refresh_token for offline_access")
	}

	// 6. And asks who logged in.
	start = time.Now()
	err = d.userinfo(ctx, tok.Access)
	t[stepUserinfo] = time.Since(start)
	if err != nil {
		return nil, err
	}
	t[stepTotal] = time.Since(begin)
	return tok, nil
}

// tap does what the phone does with the bridge link: fetch the
// transaction, then run the card and post its answer.
func (d *driver) tap(ctx context.Context, link string, cd *card, tc *timedCard) (*mobilebridge.Result, error) {
	sess, err := mobilebridge.Fetch(ctx, link, &mobilebridge.Options{
		HTTPClient:        &http.Client{Transport: d.tr, Timeout: d.opt.timeout},
		CachedCertificate: cd.cached(),
	})
	if err != nil {
		return nil, err
	}
	cd.inUse.Lock()
	defer cd.inUse.Unlock()
	res, err := sess.Answer(ctx, tc, pin)
	if err != nil {
		return nil, err
	}
	if res.CertRead {
		cd.remember(res.Certificate)
	}
	return res, nil
}

// refresh runs one refresh_token grant and returns the refresh token to
// use next (a new one when the provider rotates).
func (d *driver) refresh(ctx context.Context, rt string, t *timings) (string, error) {
	start := time.Now()
	tok, err := d.tokenRequest(ctx, stepRefresh, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	t[stepRefresh] = time.Since(start)
	if err != nil {
		return rt, err
	}
	if tok.Refresh != "" {
		rt = tok.Refresh
	}
	return rt, nil
}

// tokenRequest posts to the token endpoint with client_secret_basic
// (RFC 6749 §2.3.1: both parts form-urlencoded first).
func (d *driver) tokenRequest(ctx context.Context, s step, form url.Values) (*tokens, error) {
	req, err := http.NewRequest(http.MethodPost, d.ep.Token, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fail(s, "bad URL")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(d.opt.clientID), url.QueryEscape(d.opt.clientSecret))
	resp, body, err := send(ctx, &http.Client{Transport: d.tr, CheckRedirect: noRedirect, Timeout: d.opt.timeout}, s, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, httpFailure(s, resp, body)
	}
	var tok tokens
	if err := json.Unmarshal(body, &tok); err != nil {
		return nil, fail(s, "malformed JSON")
	}
	if tok.Access == "" || !strings.EqualFold(tok.Type, "Bearer") {
		return nil, fail(s, "no Bearer access_token")
	}
	return &tok, nil
}

func (d *driver) userinfo(ctx context.Context, access string) error {
	req, err := http.NewRequest(http.MethodGet, d.ep.Userinfo, nil)
	if err != nil {
		return fail(stepUserinfo, "bad URL")
	}
	req.Header.Set("Authorization", "Bearer "+access)
	resp, body, err := send(ctx, &http.Client{Transport: d.tr, CheckRedirect: noRedirect, Timeout: d.opt.timeout}, stepUserinfo, req)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return httpFailure(stepUserinfo, resp, body)
	}
	var ui struct {
		Sub string `json:"sub"`
	}
	if json.Unmarshal(body, &ui) != nil || ui.Sub == "" {
		return fail(stepUserinfo, "no sub")
	}
	return nil
}

// idTokenNonce reads the nonce claim without verifying the signature: the
// provider's own tests verify tokens; this only checks the answer belongs
// to this login, at no CPU cost that would compete with the provider.
func idTokenNonce(jwt string) (string, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "", errors.New("not a JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	var c struct {
		Nonce string `json:"nonce"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return "", err
	}
	return c.Nonce, nil
}

// bridgeFailure names a failed card step by the bridge's error code.
func bridgeFailure(err error) *failure {
	var pe *protocol.Error
	var te *mobilebridge.TransportError
	var be *mobilebridge.BadAnswerError
	switch {
	case errors.As(err, &pe):
		return fail(stepBridge, "HTTP %d %s", pe.HTTPStatus, pe.Code)
	case errors.As(err, &te):
		return fail(stepBridge, "%s: %s", te.Op, transportKind(te.Err))
	case errors.As(err, &be):
		return fail(stepBridge, "%s: HTTP %d %s", be.Op, be.Status, be.Reason)
	}
	return fail(stepBridge, "card: %v", err)
}

// hasScope reports whether the space-separated scope list has s.
func hasScope(list, s string) bool { return strings.Contains(" "+list+" ", " "+s+" ") }

// discover reads the provider's discovery document.
func discover(ctx context.Context, tr http.RoundTripper, issuer string, timeout time.Duration) (endpoints, error) {
	var ep endpoints
	c := &http.Client{Transport: tr, CheckRedirect: noRedirect, Timeout: timeout}
	resp, body, err := get(ctx, c, stepAuthorize, issuer+"/.well-known/openid-configuration")
	if err != nil {
		return ep, fmt.Errorf("discovery at %s: %w", issuer, err)
	}
	if resp.StatusCode != http.StatusOK {
		return ep, fmt.Errorf("discovery at %s: HTTP %d", issuer, resp.StatusCode)
	}
	if err := json.Unmarshal(body, &ep); err != nil {
		return ep, fmt.Errorf("discovery at %s: %w", issuer, err)
	}
	if ep.Issuer != issuer {
		return ep, fmt.Errorf("discovery: issuer is %q, not %q", ep.Issuer, issuer)
	}
	for _, e := range []string{ep.Authorization, ep.Token, ep.Userinfo} {
		if e == "" {
			return ep, errors.New("discovery: an endpoint is missing")
		}
		if u, err := url.Parse(e); err != nil || !loopbackHost(u.Hostname()) {
			return ep, fmt.Errorf("discovery: endpoint %q is not on a loopback address", e)
		}
	}
	return ep, nil
}
