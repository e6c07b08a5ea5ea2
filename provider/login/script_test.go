package login

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestScript runs the login page's inline script under node with a stub
// DOM (testdata/harness.js): the event stream's "done" sends the browser
// once, by location.replace, to the page's data-next (the callback, or the
// consent page by path), and submits the Continue form instead when
// data-next is missing or not on the page's origin; a failure or expiry
// shows the bridge's (or the page's) text, hides the form and goes
// nowhere; a broken stream falls back to polling with the token in an
// Authorization header. Skipped without node; the browser test (headless
// Chromium) covers the real DOM.
func TestScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	e := newEnv(t, nil)
	p := e.openLogin("/login?id=req1")
	consent := e.openLogin("/login?id=req-consent")
	if p.data["data-next"] != testIssuer+"/authorize/callback?id=req1" || consent.data["data-next"] != "/login/consent?id=req-consent" {
		t.Fatalf("data-next %q and %q", p.data["data-next"], consent.data["data-next"])
	}
	start := strings.Index(p.body, "<script nonce=")
	if start < 0 {
		t.Fatal("no script")
	}
	script := p.body[start:]
	script = script[strings.Index(script, ">")+1 : strings.Index(script, "</script>")]
	file := filepath.Join(t.TempDir(), "page.js")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(node, "--check", file).CombinedOutput(); err != nil {
		t.Fatalf("script does not parse: %v\n%s", err, out)
	}
	events, status := p.data["data-events"], p.data["data-status"]
	type result struct {
		Submitted   int
		Navigations []string
		Status      []string
		Fetches     []struct{ URL, Auth string }
		Sources     []string
		Hidden      bool
		Focused     bool
	}
	// run plays scenario on the page, with next as its data-next ("-":
	// none).
	run := func(scenario, next string) result {
		t.Helper()
		out, err := exec.Command(node, "testdata/harness.js", file, scenario, events, status, next, testIssuer).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", scenario, err, out)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: %v\n%s", scenario, err, out)
		}
		return r
	}
	callback := []string{"replace " + p.data["data-next"]}
	tests := []struct {
		name, scenario, next string
		// navigations is where the page went; submitted, how often it
		// submitted the Continue form.
		navigations []string
		submitted   int
		check       func(t *testing.T, r result)
	}{
		{"done: the callback", "sseDone", p.data["data-next"], callback, 0, func(t *testing.T, r result) {
			if !slices.Equal(r.Sources, []string{events + "?t=TOKEN"}) || len(r.Fetches) != 0 {
				t.Errorf("EventSource on %v, fetched %v", r.Sources, r.Fetches)
			}
			if len(r.Status) == 0 || r.Status[len(r.Status)-1] != "DONE" {
				t.Errorf("status %q", r.Status)
			}
		}},
		{"done: consent by path", "sseDone", consent.data["data-next"], []string{"replace " + testIssuer + "/login/consent?id=req-consent"}, 0, nil},
		{"done without data-next", "sseDone", "-", nil, 1, nil},
		{"done, empty data-next", "sseDone", "", nil, 1, nil},
		{"done, data-next on another origin", "sseDone", "https://evil.example/authorize/callback?id=req1", nil, 1, nil},
		{"done, data-next a script", "sseDone", "javascript:alert(1)", nil, 1, nil},
		{"connected, then done", "sseConnected", p.data["data-next"], callback, 0, func(t *testing.T, r result) {
			if !slices.Equal(r.Status, []string{"CONNECTED", "DONE"}) {
				t.Errorf("status %q", r.Status)
			}
		}},
		{"failed", "sseFailed", p.data["data-next"], nil, 0, func(t *testing.T, r result) {
			if !r.Hidden || !r.Focused || len(r.Status) == 0 || r.Status[len(r.Status)-1] != "Error: Too many." {
				t.Errorf("%+v", r)
			}
		}},
		{"expired, then a late done", "sseExpired", p.data["data-next"], nil, 0, func(t *testing.T, r result) {
			if !r.Hidden || !r.Focused || !slices.Equal(r.Status, []string{"Error: EXPIRED"}) {
				t.Errorf("%+v", r)
			}
		}},
		{"stream broken: polling", "sseError", p.data["data-next"], callback, 0, func(t *testing.T, r result) {
			if len(r.Fetches) != 2 {
				t.Fatalf("%d polls, want 2 (pending, done)", len(r.Fetches))
			}
			for _, f := range r.Fetches {
				if f.URL != status || f.Auth != "Bearer TOKEN" {
					t.Errorf("poll %+v", f)
				}
			}
		}},
		{"stream broken, no data-next", "sseError", "-", nil, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(tt.scenario, tt.next)
			if !slices.Equal(r.Navigations, tt.navigations) || r.Submitted != tt.submitted {
				t.Errorf("went to %q and submitted %d times, want %q and %d", r.Navigations, r.Submitted, tt.navigations, tt.submitted)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}
