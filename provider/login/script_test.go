package login

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestScript runs the login page's inline script under node with a stub
// DOM (testdata/harness.js): the event stream's "done" submits the
// Continue form once, a failure shows the bridge's text and hides the
// form, and a broken stream falls back to polling with the token in an
// Authorization header. Skipped without node; the browser test (headless
// Chromium) covers the real DOM.
func TestScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	e := newEnv(t, nil)
	p := e.openLogin("/login?id=req1")
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
	tx := p.form.Get("tx")
	events, status := "/bridge/v1/tx/"+tx+"/events", "/bridge/v1/tx/"+tx+"/status"
	type result struct {
		Submitted int
		Status    []string
		Fetches   []struct{ URL, Auth string }
		Sources   []string
		Hidden    bool
		Focused   bool
	}
	run := func(scenario string) result {
		out, err := exec.Command(node, "testdata/harness.js", file, scenario, events, status).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", scenario, err, out)
		}
		var r result
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: %v\n%s", scenario, err, out)
		}
		return r
	}
	r := run("sseDone")
	if len(r.Sources) != 1 || r.Sources[0] != events+"?t=TOKEN" {
		t.Errorf("EventSource on %v", r.Sources)
	}
	if r.Submitted != 1 || len(r.Fetches) != 0 {
		t.Errorf("sseDone: submitted %d, fetched %v", r.Submitted, r.Fetches)
	}
	r = run("sseConnected")
	if r.Submitted != 1 || len(r.Status) != 2 || r.Status[0] != "CONNECTED" || r.Status[1] != "DONE" {
		t.Errorf("sseConnected: %+v", r)
	}
	r = run("sseFailed")
	if r.Submitted != 0 || !r.Hidden || !r.Focused || len(r.Status) == 0 || r.Status[len(r.Status)-1] != "Error: Too many." {
		t.Errorf("sseFailed: %+v", r)
	}
	r = run("sseError")
	if r.Submitted != 1 || len(r.Fetches) != 2 {
		t.Fatalf("sseError: %+v", r)
	}
	for _, f := range r.Fetches {
		if f.URL != status || f.Auth != "Bearer TOKEN" {
			t.Errorf("poll %+v", f)
		}
	}
}
