package inkansdk

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// meter splits the wall time of one login into the SDK's own work, the
// card (time inside the host's Transceive and WaitForCard), the network
// (HTTP round trips, bodies included) and the host's callbacks (Listener,
// progress), so that the SDK's own cost can be measured apart from what it
// waits for.
type meter struct {
	total, card, network, host atomic.Int64 // nanoseconds
}

func (m *meter) addCard(d time.Duration)    { m.card.Add(int64(d)) }
func (m *meter) addNetwork(d time.Duration) { m.network.Add(int64(d)) }
func (m *meter) addHost(d time.Duration)    { m.host.Add(int64(d)) }
func (m *meter) addTotal(d time.Duration)   { m.total.Add(int64(d)) }

func millis(ns int64) float64 { return float64(ns) / 1e6 }

// fill copies the measurements into r.
func (m *meter) fill(r *Result) {
	total, card, network, host := m.total.Load(), m.card.Load(), m.network.Load(), m.host.Load()
	r.TotalMillis = millis(total - host)
	r.CardMillis = millis(card)
	r.NetworkMillis = millis(network)
	r.AgentMillis = millis(max(total-host-card-network, 0))
}

type meterKey struct{}

// withMeter makes the HTTP transport charge its time to m.
func withMeter(ctx context.Context, m *meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

// meteredTransport times round trips and body reads for the meter in the
// request's context.
type meteredTransport struct{ rt http.RoundTripper }

func (t meteredTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	m, _ := req.Context().Value(meterKey{}).(*meter)
	if m == nil {
		return t.rt.RoundTrip(req)
	}
	start := time.Now()
	resp, err := t.rt.RoundTrip(req)
	m.addNetwork(time.Since(start))
	if resp != nil && resp.Body != nil {
		resp.Body = &meteredBody{ReadCloser: resp.Body, m: m}
	}
	return resp, err
}

type meteredBody struct {
	io.ReadCloser
	m *meter
}

func (b *meteredBody) Read(p []byte) (int, error) {
	start := time.Now()
	n, err := b.ReadCloser.Read(p)
	b.m.addNetwork(time.Since(start))
	return n, err
}
