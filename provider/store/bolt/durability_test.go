package bolt_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/provider/store"
	"github.com/inkan-id/inkan/provider/store/bolt"
)

// childEnv makes the test binary act as a writer process that the parent
// kills (see TestMain and TestKilledWriterLosesNothing).
const childEnv = "INKAN_BOLT_TEST_WRITER"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		writer(path)
		return
	}
	os.Exit(m.Run())
}

// writer Puts records forever, printing each key only after Put returned,
// i.e. after the write was acknowledged. It never closes the store: the
// parent kills it mid-stream.
func writer(path string) {
	s, err := bolt.Open(path, &bolt.Options{SweepInterval: -1})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	for i := 0; ; i++ {
		key := fmt.Sprintf("k%06d", i)
		if err := s.Put(ctx, "rt", key, []byte("token-"+key), time.Hour); err != nil {
			fmt.Println("put:", err)
			os.Exit(2)
		}
		if err := s.AddMember(ctx, "fam", "f", key, 0); err != nil {
			fmt.Println("add:", err)
			os.Exit(2)
		}
		fmt.Println(key)
	}
}

// A process killed with SIGKILL in the middle of writing must leave a file
// that opens cleanly and holds every write it acknowledged. (A process kill
// leaves the page cache intact; surviving power loss rests on the fsync
// that bbolt does on every commit, which this test cannot cut.)
func TestKilledWriterLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inkan.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	for len(acked) < 200 && sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "k") {
			t.Fatalf("writer: %s", line)
		}
		acked = append(acked, line)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // keys acknowledged before the kill landed count too
		acked = append(acked, sc.Text())
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Exited() {
		t.Fatalf("writer was not killed: %v", err)
	}
	if len(acked) < 200 {
		t.Fatalf("writer acknowledged only %d writes", len(acked))
	}

	s := open(t, path, nil)
	ctx := t.Context()
	members, err := s.Members(ctx, "fam", "f")
	if err != nil {
		t.Fatal(err)
	}
	have := make(map[string]bool, len(members))
	for _, m := range members {
		have[m] = true
	}
	for _, key := range acked {
		got, err := s.Get(ctx, "rt", key)
		if err != nil || string(got) != "token-"+key {
			t.Fatalf("acknowledged record %s after kill: %q, %v", key, got, err)
		}
		if !have[key] {
			t.Fatalf("acknowledged member %s lost after kill", key)
		}
	}
	// The file is still writable.
	if err := s.Put(ctx, "rt", "after", []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inkan.db")
	clk := newClock()
	ctx := t.Context()
	s, err := bolt.Open(path, &bolt.Options{Now: clk.Now, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []error{
		s.Put(ctx, "acct", "a1", []byte("account"), 0),
		s.Put(ctx, "rt", "r1", []byte("refresh"), 24*time.Hour),
		s.Put(ctx, "code", "c1", []byte("code"), time.Minute),
		s.AddMember(ctx, "fam", "f1", "r1", 24*time.Hour),
	} {
		if w != nil {
			t.Fatal(w)
		}
	}
	if err := s.Close(); err != nil { // no Sweep before closing
		t.Fatal(err)
	}

	clk.Advance(2 * time.Minute) // the code expires while the store is closed
	s = open(t, path, &bolt.Options{Now: clk.Now, SweepInterval: -1})
	for key, want := range map[string]string{"acct/a1": "account", "rt/r1": "refresh"} {
		ns, k, _ := strings.Cut(key, "/")
		got, err := s.Get(ctx, ns, k)
		if err != nil || string(got) != want {
			t.Errorf("after reopen Get(%s) = %q, %v; want %q", key, got, err, want)
		}
	}
	if _, err := s.Get(ctx, "code", "c1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after reopen expired code: %v, want ErrNotFound", err)
	}
	if m, err := s.Members(ctx, "fam", "f1"); err != nil || len(m) != 1 || m[0] != "r1" {
		t.Errorf("after reopen Members = %q, %v", m, err)
	}
}

func TestFileMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "inkan.db")
	open(t, path, nil)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new file mode = %v, %v; want 0600", fi.Mode(), err)
	}

	// An existing file readable by others is narrowed: it holds tokens.
	wide := filepath.Join(dir, "wide.db")
	s, err := bolt.Open(wide, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(wide, 0o644); err != nil {
		t.Fatal(err)
	}
	open(t, wide, nil)
	if fi, err := os.Stat(wide); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("reopened 0644 file mode = %v, %v; want 0600", fi.Mode(), err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := bolt.Open(filepath.Join(dir, "missing", "inkan.db"), nil); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
	path := filepath.Join(dir, "inkan.db")
	open(t, path, nil)
	// bbolt's lock is per open file, so a second Open in this process
	// behaves like another process holding the file.
	_, err := bolt.Open(path, &bolt.Options{LockTimeout: 100 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("Open of a locked file = %v, want a 'locked' error", err)
	}
}
