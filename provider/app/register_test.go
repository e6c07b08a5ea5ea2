package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/app/apptest"
	"github.com/inkan-id/inkan/provider/config"
)

// Registration works where discovery says it is, also under an issuer
// with a path: register, then read the registration back (RFC 7592).
func TestRegistrationUnderIssuerPath(t *testing.T) {
	for _, path := range []string{"", "/op"} {
		p := apptest.Start(t, func(c *config.Config) { c.Issuer += path }, app.Options{})
		var doc struct {
			Registration string `json:"registration_endpoint"`
		}
		if st := getJSON(t, p.Issuer+"/.well-known/openid-configuration", "", &doc); st != http.StatusOK || doc.Registration != p.Issuer+"/register" {
			t.Fatalf("%q: discovery %d, registration_endpoint %q", path, st, doc.Registration)
		}
		resp, err := http.Post(doc.Registration, "application/json", strings.NewReader(`{"redirect_uris":["https://rp.example/cb"],"client_name":"Test"}`))
		if err != nil {
			t.Fatal(err)
		}
		var reg struct {
			ClientID  string `json:"client_id"`
			URI       string `json:"registration_client_uri"`
			AccessTok string `json:"registration_access_token"`
		}
		json.NewDecoder(resp.Body).Decode(&reg)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || reg.ClientID == "" || !strings.HasPrefix(reg.URI, p.Issuer+"/register/") {
			t.Fatalf("%q: register: %d %+v", path, resp.StatusCode, reg)
		}
		var got struct {
			ClientID string `json:"client_id"`
		}
		if st := getJSON(t, reg.URI, reg.AccessTok, &got); st != http.StatusOK || got.ClientID != reg.ClientID {
			t.Errorf("%q: read back: %d %+v", path, st, got)
		}
	}
}

// getJSON GETs target, with a bearer token if any, and decodes the body
// into v; it returns the status.
func getJSON(t *testing.T, target, bearer string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}
