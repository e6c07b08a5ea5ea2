// Package deptest holds the rules about which binary may depend on what
// (design.md, "Parts and where they live").
package deptest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func goList(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestServerIsPureGo: the server binary builds without cgo and never
// reaches the PC/SC library; only the desktop agent may.
func TestServerIsPureGo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	deps := goList(t, []string{"CGO_ENABLED=0"}, "-deps", "./cmd/inkan")
	for _, forbidden := range []string{"github.com/ebfe/scard", "github.com/inkan-id/inkan/cardauth/pcsc"} {
		if strings.Contains(deps, forbidden+"\n") {
			t.Errorf("cmd/inkan depends on %s", forbidden)
		}
	}
	out := filepath.Join(t.TempDir(), "inkan")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/inkan")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build ./cmd/inkan: %v\n%s", err, b)
	}
}

// TestCardLayerImports: cardauth and its pure packages import neither the
// PC/SC binding nor anything above them.
func TestCardLayerImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	out := goList(t, nil, "-f", `{{.ImportPath}}: {{join .Imports " "}}`, "./cardauth/...")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		pkg, imports, _ := strings.Cut(line, ": ")
		if strings.Contains(pkg, "/cardauth/pcsc") { // the PC/SC binding and its test helpers
			continue
		}
		for _, imp := range strings.Fields(imports) {
			switch {
			case imp == "github.com/ebfe/scard",
				strings.HasPrefix(imp, "github.com/inkan-id/inkan/provider"),
				strings.HasPrefix(imp, "github.com/inkan-id/inkan/mobile-bridge"),
				strings.HasPrefix(imp, "github.com/inkan-id/inkan/cmd"):
				t.Errorf("%s imports %s", pkg, imp)
			}
		}
	}
}
