// Package redistest runs real redis-server processes for tests, each on a
// port of its own on 127.0.0.1 (never 6379) with persistence off.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/inkan-id/inkan/internal/syncbuf"
)

// Server is a redis-server process a test owns: its own port on
// 127.0.0.1 (never 6379, where another Redis may run), no persistence.
type Server struct {
	bin  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	out    *syncbuf.Buffer
	exited chan struct{}
}

// Start starts redis-server on a free port, retrying with another
// port if one was taken between choosing and binding it.
func Start(bin string) (*Server, error) {
	var err error
	for range 5 {
		var port int
		if port, err = freePort(); err != nil {
			return nil, err
		}
		s := &Server{bin: bin, port: port}
		if err = s.Start(); err == nil {
			return s, nil
		}
	}
	return nil, err
}

func freePort() (int, error) {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port != 6379 {
			return port, nil
		}
	}
}

func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Start runs redis-server on s.port and waits until it answers PING.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", os.TempDir())
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	s.cmd, s.out, s.exited = cmd, out, exited

	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(s.Addr()) == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("redis-server on port %d exited: %s", s.port, out.String())
		default:
		}
		if time.Now().After(deadline) {
			s.killLocked()
			return fmt.Errorf("redis-server on port %d did not answer PING: %s", s.port, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server abruptly (SIGKILL) and waits for it to be gone.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.exited
	s.cmd = nil
}

// ping speaks just enough RESP to check the server without go-redis.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return errors.New("unexpected reply " + strconv.Quote(line))
	}
	return nil
}

// Lookup finds redis-server. When it is missing, skip says why tests should
// skip; with INKAN_REQUIRE_REDIS=1 (set by scripts/test) it is an error.
func Lookup() (bin, skip string, err error) {
	bin, err = exec.LookPath("redis-server")
	if err == nil {
		return bin, "", nil
	}
	if os.Getenv("INKAN_REQUIRE_REDIS") == "1" {
		return "", "", errors.New("redis-server is not on PATH, and INKAN_REQUIRE_REDIS=1 requires it")
	}
	return "", "redis-server is not on PATH (INKAN_REQUIRE_REDIS=1 makes this a failure)", nil
}

// New starts a server for one test and stops it when the test ends; it
// skips the test when redis-server is missing and not required.
func New(tb testing.TB) *Server {
	tb.Helper()
	bin, skip, err := Lookup()
	switch {
	case err != nil:
		tb.Fatal(err)
	case skip != "":
		tb.Skip(skip)
	}
	s, err := Start(bin)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Kill)
	return s
}
