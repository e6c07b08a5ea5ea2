package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inkan-id/inkan/provider/config"
)

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	if _, err := config.LoadOrCreateMasterKey(filepath.Join(dir, "master.key"), true); err != nil {
		t.Fatal(err)
	}
	keys := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append([]string{"keys"}, append(args, "--dev", "--data", dir)...), &out, &errOut); code != 0 {
			t.Fatalf("keys %v: exit %d: %s", args, code, errOut.String())
		}
		return out.String()
	}
	keys("rotate") // the first key
	out := keys("rotate")
	if !strings.Contains(out, "new ES256 key") || strings.Count(out, "active ") != 1 || strings.Count(out, "retiring ") != 1 {
		t.Fatalf("after two rotations:\n%s", out)
	}
	if out := keys("rotate", "--alg", "PS256"); !strings.Contains(out, "active     PS256") {
		t.Fatalf("PS256 rotation:\n%s", out)
	}
	var errOut bytes.Buffer
	if code := run(context.Background(), []string{"keys"}, &bytes.Buffer{}, &errOut); code != exitUsage {
		t.Fatalf("keys without a verb: exit %d", code)
	}
}
