package inkansdk_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGobind generates the Java and Objective-C bindings with gobind, as
// gomobile bind does before it compiles them. Source generation needs no
// Android SDK, NDK or Xcode. It fails when an exported name cannot be
// bound: gobind then skips it and says so in the generated code.
func TestGobind(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gobind; skipped with -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "gobind")
	build := exec.Command(goTool, "build", "-o", bin, "golang.org/x/mobile/cmd/gobind")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building gobind: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "out")
	gen := exec.Command(bin, "-lang=java,objc", "-outdir", out, "github.com/inkan-id/inkan/mobile-bridge/sdk")
	// No Android or Apple toolchain is needed for the sources.
	gen.Env = append(os.Environ(), "ANDROID_HOME=", "ANDROID_NDK_HOME=")
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("gobind: %v\n%s", err, b)
	}

	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	java := map[string][]string{
		"java/inkansdk/Agent.java":    {"public Agent(Config cfg)", "public native Request prepare(String link) throws Exception;", "public native CardStatus readCard(NFC nfc) throws Exception;", "public native Result sign(NFC nfc, String pin, boolean confirmLastTry) throws Exception;", "public native Result run(String link, NFC nfc, Listener listener) throws Exception;", "public native void cancel();"},
		"java/inkansdk/NFC.java":      {"public byte[] transceive(byte[] apdu) throws Exception;", "public void waitForCard(long timeoutMillis) throws Exception;"},
		"java/inkansdk/Listener.java": {"public PINAnswer askPIN(PINQuestion q);", "onProgress(String step)", "onRequest(Request req)"},
		"java/inkansdk/Store.java":    {"byte[] load(String key) throws Exception;"},
		"java/inkansdk/Request.java":  {"getRelyingPartyName()", "getBindingCode()", "getOrigin()"},
		"java/inkansdk/Inkansdk.java": {"errorCode(java.lang.Exception err)", "errorMessage(java.lang.Exception err, String lang)", "errorTriesLeft(java.lang.Exception err)", "errorRetryable(java.lang.Exception err)", `CodeCardMovedAway = "card_moved_away"`},
	}
	for file, wants := range java {
		src := read(file)
		for _, w := range wants {
			if !strings.Contains(src, w) {
				t.Errorf("%s lacks %q", file, w)
			}
		}
	}
	// The PIN must not be a field: generated toString() methods print
	// every field, and an app logging the answer would log the PIN.
	if answer := read("java/inkansdk/PINAnswer.java"); strings.Contains(answer, "getPIN") || !strings.Contains(answer, "public PINAnswer(String pin, boolean confirmLastTry)") {
		t.Error("PINAnswer.java: the PIN must be settable but not readable")
	}
	objc := read("src/gobind/Inkansdk.objc.h")
	for _, w := range []string{
		"@interface InkansdkAgent", "@protocol InkansdkNFC", "@protocol InkansdkListener", "@protocol InkansdkStore",
		"- (InkansdkResult* _Nullable)sign:(id<InkansdkNFC> _Nullable)nfc pin:(NSString* _Nullable)pin confirmLastTry:(BOOL)confirmLastTry error:(NSError* _Nullable* _Nullable)error;",
		"- (NSData* _Nullable)transceive:(NSData* _Nullable)apdu error:(NSError* _Nullable* _Nullable)error;",
		"FOUNDATION_EXPORT NSString* _Nonnull InkansdkErrorCode(NSError* _Nullable err);",
		"@interface InkansdkRequest", "@interface InkansdkSDKError",
	} {
		if !strings.Contains(objc, w) {
			t.Errorf("Inkansdk.objc.h lacks %q", w)
		}
	}
	// Nothing exported may be left out of the bindings.
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if i := strings.Index(string(b), "skipped"); i >= 0 {
			end := min(len(b), i+120)
			t.Errorf("%s: %s", p, b[i:end])
		}
		return nil
	})
}
