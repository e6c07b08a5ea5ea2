package bridge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/inkan-id/inkan/mobile-bridge/protocol"
)

// serveEvents handles GET /bridge/v1/tx/{id}/events: server-sent events,
// each a protocol.Status as JSON in the data field of an unnamed
// ("message") event. The first event is the current status; another
// follows each change. The stream ends after a final state, or once the
// transaction can no longer change, or when the page goes away. Pages
// close their EventSource on a final state (otherwise the browser
// reconnects and receives the final state again).
//
// It polls the store rather than subscribing: both backends serve a small
// Get cheaply, and polling needs nothing from them beyond Backend.
func (s *Service) serveEvents(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	st, rec, perr := s.status(ctx, id, browserToken(r))
	if perr != nil {
		// Plain JSON error: EventSource fails and the page falls back to
		// polling /status, which shows the same error.
		writeError(w, perr)
		return
	}
	// Each stream holds a connection and polls the store: a page needs
	// one (two while a reload overlaps), not thousands.
	if !s.streams.open(id) {
		writeError(w, protocol.NewError(protocol.CodeBusy)) // the page polls /status instead
		return
	}
	defer s.streams.close(id)
	// The stream cannot outlive the transaction: after expiry plus the
	// time an answer that arrived in time may take, nothing will change
	// any more.
	deadline := rec.ExpiresAt.Add(workTimeout)
	rc := http.NewResponseController(w)
	// The server's WriteTimeout would cut a long stream; extend it to the
	// deadline (ignored by writers that cannot).
	_ = rc.SetWriteDeadline(time.Now().Add(deadline.Sub(s.now()) + 5*time.Second))

	h := w.Header()
	h.Set("Content-Type", protocol.EventStreamType)
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	last, ok := writeEvent(w, rc, st, nil)
	if !ok || st.State.Final() {
		return
	}
	poll := time.NewTicker(pollInterval)
	defer poll.Stop()
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	end := time.NewTimer(max(deadline.Sub(s.now()), 0))
	defer end.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if _, err := w.Write([]byte(": keep-alive\n\n")); err != nil || rc.Flush() != nil {
				return
			}
			continue
		case <-poll.C:
		case <-end.C:
		}
		rec, perr := s.load(ctx, id)
		switch {
		case perr != nil && perr.Code == protocol.CodeNotFound:
			// Swept away: it can only have expired.
			writeEvent(w, rc, protocol.Status{State: protocol.StateExpired, Error: protocol.NewError(protocol.CodeExpired)}, last)
			return
		case perr != nil:
			// A passing store outage: keep the stream, try again.
			if !s.now().Before(deadline) {
				return
			}
			continue
		}
		st := rec.status(s.now())
		if last, ok = writeEvent(w, rc, st, last); !ok || st.State.Final() {
			return
		}
		if !s.now().Before(deadline) {
			// The clock passed the deadline after st was computed: the
			// transaction is over, so say so rather than end silently.
			writeEvent(w, rc, protocol.Status{State: protocol.StateExpired, Error: protocol.NewError(protocol.CodeExpired), ExpiresAt: rec.ExpiresAt}, last)
			return
		}
	}
}

// writeEvent sends st unless it equals the last one sent, and returns what
// was last sent and whether the stream is still usable.
func writeEvent(w http.ResponseWriter, rc *http.ResponseController, st protocol.Status, last []byte) ([]byte, bool) {
	b, err := json.Marshal(st)
	if err != nil {
		return last, false
	}
	if bytes.Equal(b, last) {
		return last, true
	}
	// json.Marshal never emits a newline, so one data line holds it all.
	if _, err := w.Write(append(append([]byte("data: "), b...), "\n\n"...)); err != nil {
		return last, false
	}
	return b, rc.Flush() == nil
}

// Bounds on the event streams one instance serves: per transaction, and
// in all.
const (
	maxStreamsPerTx = 3
	maxStreams      = 4096
)

// streamCount counts the open event streams, in all and per transaction.
type streamCount struct {
	mu    sync.Mutex
	total int
	byTx  map[string]int
}

// open takes a place for a stream of transaction id, or reports false
// when a bound is reached.
func (c *streamCount) open(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total >= maxStreams || c.byTx[id] >= maxStreamsPerTx {
		return false
	}
	if c.byTx == nil {
		c.byTx = map[string]int{}
	}
	c.total++
	c.byTx[id]++
	return true
}

// close gives back the place open took.
func (c *streamCount) close(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total--
	if c.byTx[id]--; c.byTx[id] <= 0 {
		delete(c.byTx, id)
	}
}
