package main

import (
	"maps"
	"slices"
	"time"
)

// recorder collects one virtual user's results; each worker owns one, so
// recording takes no lock. They are merged when the run is over.
type recorder struct {
	ok       int
	failed   int
	samples  [numSteps][]time.Duration
	failures map[string]int
}

func newRecorder() *recorder { return &recorder{failures: map[string]int{}} }

// add records one operation: its timings, and its failure if any. Only
// successful operations contribute timings, so that a fast failure does
// not flatter the percentiles.
func (r *recorder) add(t *timings, err error) {
	if err != nil {
		r.failed++
		r.failures[failureKey(err)]++
		return
	}
	r.ok++
	for s, d := range t {
		if d > 0 {
			r.samples[s] = append(r.samples[s], d)
		}
	}
}

func failureKey(err error) string {
	if f, ok := err.(*failure); ok {
		return f.Error()
	}
	return err.Error()
}

func (r *recorder) merge(o *recorder) {
	r.ok += o.ok
	r.failed += o.failed
	for s := range r.samples {
		r.samples[s] = append(r.samples[s], o.samples[s]...)
	}
	for k, n := range o.failures {
		r.failures[k] += n
	}
}

// StepStats are the latency figures of one step, in milliseconds.
type StepStats struct {
	Step  string  `json:"step"`
	Count int     `json:"count"`
	Mean  float64 `json:"mean_ms"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// stepStats summarises the steps that have samples, in step order.
func (r *recorder) stepStats() []StepStats {
	var out []StepStats
	for s, d := range r.samples {
		if len(d) == 0 {
			continue
		}
		sorted := slices.Clone(d)
		slices.Sort(sorted)
		var sum time.Duration
		for _, x := range sorted {
			sum += x
		}
		out = append(out, StepStats{
			Step:  stepNames[s],
			Count: len(sorted),
			Mean:  ms(sum / time.Duration(len(sorted))),
			P50:   ms(percentile(sorted, 50)),
			P90:   ms(percentile(sorted, 90)),
			P99:   ms(percentile(sorted, 99)),
			Max:   ms(sorted[len(sorted)-1]),
		})
	}
	return out
}

// percentile of sorted by the nearest-rank method.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// sortedFailures lists failure kinds, most frequent first.
func sortedFailures(m map[string]int) []FailureCount {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		if a < b {
			return -1
		}
		return 1
	})
	out := make([]FailureCount, 0, len(keys))
	for _, k := range keys {
		out = append(out, FailureCount{Kind: k, Count: m[k]})
	}
	return out
}

// FailureCount is how often one kind of failure happened.
type FailureCount struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
}
