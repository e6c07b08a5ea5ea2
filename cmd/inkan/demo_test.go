package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--dir", dir}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	s := out.String()
	for _, want := range []string{
		"issued a virtual card",
		"0020008004******** r=9000", // the PIN is masked in the trace
		"revocation good via ocsp",
		"12 APDUs", // cold login
		"basic four: name 山田\u3000太郎, born 1990-01-02, gender male",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "31323334") {
		t.Error("PIN bytes in the trace")
	}

	// A second run reuses the card; a wrong PIN is refused with the count.
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"demo", "--dir", dir, "--pin", "9999"}, &out, &errOut); code == 0 {
		t.Fatal("wrong PIN accepted")
	}
	if !strings.Contains(errOut.String(), "2 tries left") {
		t.Errorf("stderr = %q", errOut.String())
	}
}
