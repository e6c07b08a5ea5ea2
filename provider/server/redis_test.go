package server

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/inkan-id/inkan/provider/store/redis"
)

// TestMainFlowOnRedis runs the main flow on the Redis backend, with a
// redis-server of its own on a Unix socket. It is skipped when
// redis-server is not installed.
func TestMainFlowOnRedis(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("INKAN_REQUIRE_REDIS") == "1" {
			t.Fatal("redis-server not on PATH")
		}
		t.Skip("redis-server not on PATH")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	client := goredis.NewClient(&goredis.Options{Network: "unix", Addr: sock})
	ctx := context.Background()
	for i := 0; ; i++ {
		if client.Ping(ctx).Err() == nil {
			break
		}
		if i > 100 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, err := redis.New(client, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	e := newEnvOn(t, newClock(), b)

	br := e.browser()
	p := newPKCE()
	code, _ := br.login(authParams("rot", rpRedirect, p), e.card())
	exchange := func() (int, map[string]any) {
		return e.postFormBasic(code, p.verifier, "rot", "rot-secret")
	}
	st, body := exchange()
	if st != http.StatusOK {
		t.Fatalf("exchange: %d %v", st, body)
	}
	at := body["access_token"].(string)
	if st, ui := e.userinfo(at); st != 200 || ui["sub"] == nil {
		t.Fatalf("userinfo: %d %v", st, ui)
	}
	st, r1 := e.refresh(body["refresh_token"].(string), "rot", "rot-secret")
	if st != http.StatusOK || r1["refresh_token"] == body["refresh_token"] {
		t.Fatalf("rotation: %d %v", st, r1)
	}
	if st, _ := exchange(); st != http.StatusBadRequest {
		t.Fatalf("code reuse: %d", st)
	}
	if got := e.introspectAs(at, "rot", "rot-secret"); got["active"] != false {
		t.Fatalf("token after code reuse: %v", got)
	}
	if st, _ := e.refresh(r1["refresh_token"].(string), "rot", "rot-secret"); st != http.StatusBadRequest {
		t.Fatalf("family after code reuse: %d", st)
	}
}
