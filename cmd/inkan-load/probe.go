package main

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// The probe modes measure what the provider spends on a request that does
// next to nothing: GET /healthz answers without the store, GET /readyz
// pings it once. The first is the floor every request of a login pays
// (HTTP, middleware, the request log line); the difference between the two
// is one store round trip. docs/load.md splits a login's CPU with them.
const (
	modeHealthz = "healthz"
	modeReadyz  = "readyz"
)

// probeMode reports whether mode is one of the probe modes, which need
// neither cards nor a client.
func probeMode(mode string) bool { return mode == modeHealthz || mode == modeReadyz }

// runProbe sends GET /healthz or /readyz until --logins or --duration.
func (d *driver) runProbe(ctx context.Context, rep *Report) error {
	o := d.opt
	s, target := stepHealthz, strings.TrimSuffix(o.issuer, "/")+"/"+o.mode
	if o.mode == modeReadyz {
		s = stepReadyz
	}
	c := &http.Client{Transport: d.tr, CheckRedirect: noRedirect, Timeout: o.timeout}
	m, err := startMeter(ctx, o)
	if err != nil {
		return err
	}
	defer m.close()
	all, elapsed := drive(ctx, o, o.concurrency, o.logins, func(_, _ int, t *timings) error {
		return probe(ctx, c, s, target, t)
	})
	rep.fill(all, elapsed)
	return m.finish(rep, elapsed)
}

// probe is one GET of target that must answer 200.
func probe(ctx context.Context, c *http.Client, s step, target string, t *timings) error {
	start := time.Now()
	resp, body, err := get(ctx, c, s, target)
	t[s] = time.Since(start)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return httpFailure(s, resp, body)
	}
	return nil
}
