package main

import (
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestListenPprofRefuses(t *testing.T) {
	for _, tt := range []struct {
		name, addr string
		dev        bool
	}{
		{"not dev", "127.0.0.1:0", false},
		{"all interfaces", ":0", true},
		{"public address", "192.0.2.1:6060", true},
		{"host name", "localhost:0", true},
		{"no port", "127.0.0.1", true},
	} {
		ln, err := listenPprof(tt.addr, tt.dev)
		if ln != nil {
			ln.Close()
		}
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("%s: %v, want a usage error", tt.name, err)
		}
	}
}

func TestPprofServes(t *testing.T) {
	ln, err := listenPprof("127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go servePprof(ln)
	resp, err := http.Get("http://" + ln.Addr().String() + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(b) == 0 {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
	// Only the profiler's own paths.
	resp2, err := http.Get("http://" + ln.Addr().String() + "/authorize")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNotFound {
		t.Errorf("/authorize on the profiler's port: %d", resp2.StatusCode)
	}
	// A rebinding page's request names its own host.
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/debug/pprof/cmdline", nil)
	req.Host = "attacker.example"
	resp3, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp3.Body.Close()
	if resp3.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Host: %d", resp3.StatusCode)
	}
}
