package server

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestMalformedRequests: every bad request gets a 4xx with a proper OAuth
// error, never a 500, and unknown parameters are ignored.
func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	p := newPKCE()
	good := authParams("web", rpRedirect, p)
	with := func(kv ...string) string {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v.Encode()
	}
	type tc struct {
		name, method, path, body, query string
		user, pass                      string
		want                            int    // status
		wantErr                         string // error code in JSON or in the redirect
	}
	cases := []tc{
		// Authorization endpoint.
		{name: "authorize empty", method: "GET", path: pathAuthorize, want: 400, wantErr: "invalid_request"},
		{name: "authorize only client", method: "GET", path: pathAuthorize, query: "client_id=web", want: 400, wantErr: "invalid_request"},
		{name: "authorize bad max_age", method: "GET", path: pathAuthorize, query: with("max_age", "abc"), want: 400, wantErr: "invalid_request"},
		{name: "authorize token", method: "GET", path: pathAuthorize, query: with("response_type", "token"), want: 303, wantErr: "unauthorized_client"},
		{name: "authorize id_token", method: "GET", path: pathAuthorize, query: with("response_type", "id_token"), want: 303, wantErr: "unauthorized_client"},
		{name: "authorize no response_type", method: "GET", path: pathAuthorize, query: with("response_type", ""), want: 303, wantErr: "invalid_request"},
		{name: "authorize no scope", method: "GET", path: pathAuthorize, query: with("scope", ""), want: 303, wantErr: "invalid_request"},
		{name: "authorize prompt none+login", method: "GET", path: pathAuthorize, query: with("prompt", "none login"), want: 303, wantErr: "invalid_request"},
		{name: "authorize request object", method: "GET", path: pathAuthorize, query: with("request", "e30.e30.x"), want: 303, wantErr: "request_not_supported"},
		{name: "authorize request_uri", method: "GET", path: pathAuthorize, query: with("request_uri", "urn:example:x"), want: 303, wantErr: "request_uri_not_supported"},
		{name: "authorize bad challenge", method: "GET", path: pathAuthorize, query: with("code_challenge", "short"), want: 303, wantErr: "invalid_request"},
		{name: "authorize huge state", method: "GET", path: pathAuthorize, query: with("state", strings.Repeat("s", 5000)), want: 303, wantErr: "invalid_request"},
		{name: "authorize bad response_mode", method: "GET", path: pathAuthorize, query: with("response_mode", "jwt"), want: 303, wantErr: "invalid_request"},
		{name: "authorize bad id_token_hint", method: "GET", path: pathAuthorize, query: with("id_token_hint", "a.b.c"), want: 303, wantErr: "invalid_request"},
		{name: "authorize unknown parameter", method: "GET", path: pathAuthorize, query: with("extra", "foobar"), want: 303},
		{name: "authorize by POST", method: "POST", path: pathAuthorize, body: with(), want: 303},
		{name: "authorize 64-char nonce", method: "GET", path: pathAuthorize, query: with("nonce", strings.Repeat("n", 64)), want: 303},
		{name: "authorize bad percent", method: "GET", path: pathAuthorize, query: "client_id=%zz", want: 400},
		// Token endpoint.
		{name: "token no grant", method: "POST", path: pathToken, body: "", user: "web", pass: "web-secret", want: 400, wantErr: "invalid_request"},
		{name: "token unknown grant", method: "POST", path: pathToken, body: "grant_type=password&username=a&password=b", user: "web", pass: "web-secret", want: 400, wantErr: "unsupported_grant_type"},
		{name: "token jwt-bearer", method: "POST", path: pathToken, body: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=x", want: 400, wantErr: "unsupported_grant_type"},
		{name: "token exchange", method: "POST", path: pathToken, body: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token=x&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token", user: "web", pass: "web-secret", want: 400},
		{name: "token device", method: "POST", path: pathToken, body: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=x", user: "web", pass: "web-secret", want: 400},
		{name: "token code missing", method: "POST", path: pathToken, body: "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(rpRedirect), user: "web", pass: "web-secret", want: 400, wantErr: "invalid_request"},
		{name: "token huge code", method: "POST", path: pathToken, body: "grant_type=authorization_code&code=" + strings.Repeat("c", 10000) + "&redirect_uri=x&code_verifier=" + p.verifier, user: "web", pass: "web-secret", want: 400, wantErr: "invalid_grant"},
		{name: "token no client", method: "POST", path: pathToken, body: "grant_type=authorization_code&code=x&redirect_uri=x", want: 400, wantErr: "invalid_request"},
		{name: "token huge client id", method: "POST", path: pathToken, body: "grant_type=refresh_token&refresh_token=x&client_id=" + strings.Repeat("c", 2000) + "&client_secret=x", want: 401, wantErr: "invalid_client"},
		{name: "token refresh missing", method: "POST", path: pathToken, body: "grant_type=refresh_token", user: "web", pass: "web-secret", want: 400, wantErr: "invalid_request"},
		{name: "token bad form", method: "POST", path: pathToken, body: "%zz", user: "web", pass: "web-secret", want: 400},
		// Userinfo, introspection, revocation, logout.
		{name: "userinfo no token", method: "GET", path: pathUserinfo, want: 401},
		{name: "userinfo bad token", method: "GET", path: pathUserinfo, user: "bearer", pass: "garbage", want: 401, wantErr: "invalid_token"},
		{name: "userinfo token in query", method: "GET", path: pathUserinfo, query: "access_token=x", want: 400, wantErr: "invalid_request"},
		{name: "introspect no auth", method: "POST", path: pathIntrospect, body: "token=x", want: 400},
		{name: "introspect no token", method: "POST", path: pathIntrospect, body: "", user: "web", pass: "web-secret", want: 400},
		{name: "introspect garbage token", method: "POST", path: pathIntrospect, body: "token=a.b.c", user: "web", pass: "web-secret", want: 200},
		{name: "revoke no token", method: "POST", path: pathRevoke, body: "", user: "web", pass: "web-secret", want: 400},
		{name: "revoke unknown token", method: "POST", path: pathRevoke, body: "token=nothing", user: "web", pass: "web-secret", want: 200},
		{name: "logout bad hint", method: "GET", path: pathEndSession, query: "id_token_hint=a.b.c", want: 400, wantErr: "invalid_request"},
		{name: "logout unregistered redirect", method: "GET", path: pathEndSession, query: "client_id=web&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F", want: 400, wantErr: "invalid_request"},
		{name: "logout redirect without client", method: "GET", path: pathEndSession, query: "post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye", want: 400, wantErr: "invalid_request"},
		{name: "callback unknown", method: "GET", path: pathCallback, query: "id=nope", want: 400},
		{name: "callback no id", method: "GET", path: pathCallback, want: 400},
		{name: "callback NUL id", method: "GET", path: pathCallback, query: "id=%00", want: 400},
		{name: "callback long id", method: "GET", path: pathCallback, query: "id=" + strings.Repeat("i", 600), want: 400},
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := e.issuer + c.path
			if c.query != "" {
				u += "?" + c.query
			}
			req, _ := http.NewRequest(c.method, u, strings.NewReader(c.body))
			if c.method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			switch c.user {
			case "":
			case "bearer":
				req.Header.Set("Authorization", "Bearer "+c.pass)
			default:
				req.SetBasicAuth(c.user, c.pass)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 {
				t.Fatalf("status %d: %s", resp.StatusCode, raw)
			}
			if resp.StatusCode != c.want {
				t.Fatalf("status %d, want %d: %s %s", resp.StatusCode, c.want, raw, resp.Header.Get("Location"))
			}
			if c.wantErr == "" {
				if loc := location(resp); loc.Query().Get("error") != "" {
					t.Fatalf("unexpected error redirect %s", loc)
				}
				return
			}
			got := ""
			if resp.StatusCode == 303 {
				loc := location(resp)
				q := loc.Query()
				if loc.Fragment != "" { // implicit response types answer in the fragment
					q, _ = url.ParseQuery(loc.Fragment)
				}
				got = q.Get("error")
				if q.Get("iss") != e.issuer {
					t.Errorf("error redirect without iss: %s", loc)
				}
			} else if i := strings.Index(string(raw), `"error":"`); i >= 0 {
				got = strings.SplitN(string(raw[i+9:]), `"`, 2)[0]
			}
			if got != c.wantErr {
				t.Fatalf("error %q, want %q (%s %s)", got, c.wantErr, raw, resp.Header.Get("Location"))
			}
		})
	}
}
