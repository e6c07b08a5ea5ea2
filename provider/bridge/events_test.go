package bridge

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// readEvents returns the statuses of an event stream until it ends.
func readEvents(t *testing.T, body io.Reader, each func(protocol.Status)) []protocol.Status {
	t.Helper()
	var out []protocol.Status
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var st protocol.Status
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		out = append(out, st)
		if each != nil {
			each(st)
		}
	}
	return out
}

func openEvents(t *testing.T, e *env, c *Created, token string) *http.Response {
	t.Helper()
	url := e.srv.URL + protocol.TxPath + c.ID + protocol.EventsSuffix + "?" + protocol.BrowserTokenParam + "=" + token
	resp, err := e.srv.Client().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestEventsUntilDone(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	good := e.goodAnswer(l)
	resp := openEvents(t, e, c, c.BrowserToken)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != protocol.EventStreamType || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	done := make(chan struct{})
	var states []protocol.Status
	go func() {
		defer close(done)
		states = readEvents(t, resp.Body, func(st protocol.Status) {
			// Answer once the page is known to be waiting.
			if st.State == protocol.StatePending {
				go e.post(l, l.Secret, good)
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not end after done")
	}
	if len(states) != 2 || states[0].State != protocol.StatePending || states[1].State != protocol.StateDone {
		t.Fatalf("states %+v", states)
	}
}

func TestEventsShowRejectionThenExpiry(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	bad := e.goodAnswer(l)
	bad.Signature[0] ^= 1
	resp := openEvents(t, e, c, c.BrowserToken)
	var states []protocol.Status
	states = readEvents(t, resp.Body, func(st protocol.Status) {
		switch {
		case st.State == protocol.StatePending && st.Error == nil:
			e.post(l, l.Secret, bad)
		case st.State == protocol.StatePending:
			e.offset.Store(int64(MaxTTL + workTimeout + time.Second))
		}
	})
	if len(states) != 3 || states[1].Error == nil || states[1].Error.Code != protocol.CodeBadSignature || states[2].State != protocol.StateExpired {
		t.Fatalf("states %+v", states)
	}
}

func TestEventsFinalAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	if perr := e.post(l, l.Secret, e.goodAnswer(l)); perr != nil {
		t.Fatal(perr)
	}
	states := readEvents(t, openEvents(t, e, c, c.BrowserToken).Body, nil)
	if len(states) != 1 || states[0].State != protocol.StateDone {
		t.Fatalf("states %+v", states)
	}
}

func TestEventsUnauthorized(t *testing.T) {
	e := newEnv(t, nil)
	c, l := e.create(protocol.PurposeAuth)
	resp := openEvents(t, e, c, l.Secret)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != protocol.MediaType {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// One transaction gets at most maxStreamsPerTx event streams at once; the
// next is told busy (the page then polls /status), and a stream that
// ends gives its place back.
func TestEventsStreamsPerTransaction(t *testing.T) {
	e := newEnv(t, nil)
	c, _ := e.create(protocol.PurposeAuth)
	var open []*http.Response
	for range maxStreamsPerTx {
		resp := openEvents(t, e, c, c.BrowserToken)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", len(open)+1, resp.StatusCode)
		}
		open = append(open, resp)
	}
	if resp := openEvents(t, e, c, c.BrowserToken); resp.StatusCode != http.StatusConflict || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("one stream too many: %d", resp.StatusCode)
	}
	other, _ := e.create(protocol.PurposeAuth)
	if resp := openEvents(t, e, other, other.BrowserToken); resp.StatusCode != http.StatusOK {
		t.Fatalf("another transaction's stream: %d", resp.StatusCode)
	}
	open[0].Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp := openEvents(t, e, c, c.BrowserToken)
		if resp.StatusCode == http.StatusOK {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("a closed stream did not give its place back")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
