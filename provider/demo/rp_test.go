package demo

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func newTestRP(t *testing.T, now *time.Time) *RP {
	t.Helper()
	rp, err := NewRP(RPConfig{Issuer: "http://127.0.0.1:9", ClientID: "demo", ClientSecret: "s3cret",
		RedirectURL: "http://127.0.0.1:9/demo/callback", Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func TestNewRPRefuses(t *testing.T) {
	for _, cfg := range []RPConfig{
		{ClientID: "a", ClientSecret: "b", RedirectURL: "http://h/demo/callback"},
		{Issuer: "http://h", ClientSecret: "b", RedirectURL: "http://h/demo/callback"},
		{Issuer: "http://h", ClientID: "a", ClientSecret: "b", RedirectURL: "http://h/demo/cb"},
		{Issuer: "http://h", ClientID: "a", ClientSecret: "b", RedirectURL: "/demo/callback"},
		{Issuer: "http://h", ClientID: "a", ClientSecret: "b", RedirectURL: "http://h/callback"},
		{Issuer: "http://h", ClientID: "a", ClientSecret: "b", RedirectURL: "http://h/demo/callback", CookieKey: []byte("short")},
	} {
		if _, err := NewRP(cfg); err == nil {
			t.Errorf("NewRP(%+v) accepted", cfg)
		}
	}
}

func TestFlowCookie(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	rp := newTestRP(t, &now)
	f := flow{State: "st", Nonce: "no", Verifier: "ve", Scopes: []string{"openid"}, Expires: now.Add(flowTTL).Unix()}
	sealed := rp.seal(f)
	got, err := rp.open(sealed)
	if err != nil || got.State != "st" || got.Nonce != "no" || got.Verifier != "ve" {
		t.Fatalf("open: %+v, %v", got, err)
	}
	payload, mac, _ := strings.Cut(sealed, ".")
	for name, v := range map[string]string{
		"tampered payload": "x" + payload + "." + mac,
		"no mac":           payload,
		"other key":        newTestRP(t, &now).seal(f),
		"garbage":          "...",
	} {
		if _, err := rp.open(v); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	now = now.Add(flowTTL + time.Second)
	if _, err := rp.open(sealed); err == nil {
		t.Error("expired flow accepted")
	}
}

func TestCallbackRefusals(t *testing.T) {
	now := time.Now()
	rp := newTestRP(t, &now)
	good := rp.seal(flow{State: "st", Nonce: "n", Verifier: "v", Expires: now.Add(time.Minute).Unix()})
	for _, tt := range []struct {
		name, query, cookie, want string
	}{
		{"no cookie", "?state=st&code=c&iss=http://127.0.0.1:9", "", "not started here"},
		{"forged cookie", "?state=st&code=c", "x.y", "could not be matched"},
		{"wrong state", "?state=other&code=c&iss=http://127.0.0.1:9", good, "state does not match"},
		{"wrong iss", "?state=st&code=c&iss=https://evil.example", good, "another issuer"},
		{"denied", "?state=st&error=access_denied&iss=http://127.0.0.1:9", good, "did not agree"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/demo/callback"+tt.query, nil)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: flowCookie, Value: tt.cookie})
			}
			rec := httptest.NewRecorder()
			rp.Routes().ServeHTTP(rec, req)
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("%d, body lacks %q", rec.Code, tt.want)
			}
			if rec.Header().Get("Content-Security-Policy") == "" || rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("security headers missing")
			}
		})
	}
}

func TestRows(t *testing.T) {
	got := rows(map[string]any{
		"sub": "abc", "iat": float64(1_800_000_000), "amr": []any{"pin", "sc"},
		"verified_claims": map[string]any{"claims": map[string]any{"family_name": "山田"}, "verification": map[string]any{"trust_framework": "jp_aml"}},
	})
	var names []string
	for _, r := range got {
		names = append(names, r.Name+"="+r.Value)
	}
	want := "amr=pin, sc iat=1800000000 sub=abc verified_claims.claims.family_name=山田 verified_claims.verification.trust_framework=jp_aml"
	if strings.Join(names, " ") != want {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(names, " "), want)
	}
	if got[1].Note != "2027-01-15T08:00:00Z" {
		t.Errorf("iat note %q", got[1].Note)
	}
}
