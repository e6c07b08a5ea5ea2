package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Report is the result of a run; --json prints it as is.
type Report struct {
	Mode        string  `json:"mode"`
	Issuer      string  `json:"issuer"`
	Concurrency int     `json:"concurrency"`
	Cards       int     `json:"cards"`
	Seconds     float64 `json:"seconds"`
	// Attempted, Succeeded and Failed count logins (login mode) or
	// refresh grants (refresh mode); Failed also counts failed setup
	// logins of refresh mode.
	Attempted int `json:"attempted"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	// PerSecond is succeeded operations per second of the run.
	PerSecond float64        `json:"per_second"`
	Failures  []FailureCount `json:"failures"`
	Steps     []StepStats    `json:"steps"`
	// Setup is refresh mode's one login per virtual user.
	Setup *SetupReport `json:"setup,omitempty"`
	// Server is the provider process (with --server-pid).
	Server *ProcReport `json:"server,omitempty"`
	// Redis is the provider's Redis (with --redis).
	Redis *RedisReport `json:"redis,omitempty"`
	// Load is this process: the virtual cards' RSA signing, the HTTP
	// clients and the page parsing.
	Load *ProcReport `json:"load,omitempty"`
	// Machine is the whole machine's CPU use during the run, others'
	// work included.
	Machine *MachineReport `json:"machine,omitempty"`
}

// MachineReport is the machine's CPU use during the run.
type MachineReport struct {
	CPUs int `json:"cpus"`
	// BusyCores is busy CPU seconds (all but idle, iowait and steal) per
	// second of the run.
	BusyCores float64 `json:"busy_cores"`
}

// SetupReport counts refresh mode's initial logins.
type SetupReport struct {
	Succeeded int            `json:"succeeded"`
	Failed    int            `json:"failed"`
	Failures  []FailureCount `json:"failures"`
}

// ProcReport is what a process spent during the run. Per-operation
// figures divide by succeeded operations.
type ProcReport struct {
	PID        int     `json:"pid,omitempty"`
	CPUSeconds float64 `json:"cpu_seconds"`
	CPUMsPerOp float64 `json:"cpu_ms_per_op"`
	// Cores is CPU seconds per second of the run.
	Cores float64 `json:"cores"`
	// RSSIdleMiB is RSS before the run; RSSMaxMiB the largest of that,
	// the samples taken every 200 ms during the run and RSSEndMiB, RSS
	// after it.
	RSSIdleMiB float64 `json:"rss_idle_mib,omitempty"`
	RSSMaxMiB  float64 `json:"rss_max_mib,omitempty"`
	RSSEndMiB  float64 `json:"rss_end_mib,omitempty"`
	Samples    int     `json:"rss_samples,omitempty"`
}

// RedisReport is what the provider asked of Redis during the run.
type RedisReport struct {
	// Commands is total_commands_processed: every command, including
	// each one inside MULTI/EXEC and each call a script makes.
	Commands      int64   `json:"commands"`
	CommandsPerOp float64 `json:"commands_per_op"`
	// Reads is total_reads_processed, the read events on client
	// connections: about one per round trip, however many commands a
	// pipeline carries.
	Reads      int64       `json:"reads"`
	ReadsPerOp float64     `json:"reads_per_op"`
	CPUSeconds float64     `json:"cpu_seconds"`
	CPUMsPerOp float64     `json:"cpu_ms_per_op"`
	Calls      []CallCount `json:"calls"`
}

// CallCount is one command's calls (INFO commandstats).
type CallCount struct {
	Command string  `json:"command"`
	Calls   int64   `json:"calls"`
	PerOp   float64 `json:"per_op"`
}

func sortCalls(c []CallCount) {
	slices.SortFunc(c, func(a, b CallCount) int {
		if a.Calls != b.Calls {
			if a.Calls > b.Calls {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Command, b.Command)
	})
}

// fill puts a run's results into the report.
func (r *Report) fill(all *recorder, elapsed time.Duration) {
	r.Seconds = round3(elapsed.Seconds())
	r.Attempted = all.ok + all.failed
	r.Succeeded = all.ok
	r.Failed = all.failed
	r.PerSecond = round3(float64(all.ok) / elapsed.Seconds())
	r.Failures = sortedFailures(all.failures)
	r.Steps = all.stepStats()
}

func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *Report) unit() string {
	if r.Mode == modeRefresh {
		return "grant"
	}
	if probeMode(r.Mode) {
		return "request"
	}
	return "login"
}

func (r *Report) writeTable(w io.Writer) error {
	u := r.unit()
	cards := ""
	if r.Cards > 0 {
		cards = fmt.Sprintf(", %d cards", r.Cards)
	}
	fmt.Fprintf(w, "inkan-load: %s mode against %s, %d virtual users%s\n", r.Mode, r.Issuer, r.Concurrency, cards)
	if r.Setup != nil {
		fmt.Fprintf(w, "setup logins: %d ok, %d failed\n", r.Setup.Succeeded, r.Setup.Failed)
	}
	fmt.Fprintf(w, "%ss: %d ok, %d failed in %.2f s = %.1f %ss/s\n\n", u, r.Succeeded, r.Failed-setupFailed(r), r.Seconds, r.PerSecond, u)

	fmt.Fprintf(w, "%-15s %8s %9s %9s %9s %9s %9s\n", "step", "count", "mean ms", "p50 ms", "p90 ms", "p99 ms", "max ms")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "%-15s %8d %9.2f %9.2f %9.2f %9.2f %9.2f\n", s.Step, s.Count, s.Mean, s.P50, s.P90, s.P99, s.Max)
	}
	fmt.Fprintln(w)
	if s := r.Server; s != nil {
		fmt.Fprintf(w, "server pid %d: CPU %.2f s = %.3f ms per %s (%.2f cores busy)\n", s.PID, s.CPUSeconds, s.CPUMsPerOp, u, s.Cores)
		fmt.Fprintf(w, "server RSS: idle %.1f MiB, under load max %.1f MiB (%d samples), at end %.1f MiB\n", s.RSSIdleMiB, s.RSSMaxMiB, s.Samples, s.RSSEndMiB)
	}
	if rr := r.Redis; rr != nil {
		fmt.Fprintf(w, "redis: %.2f commands per %s, %.2f reads (≈ round trips) per %s, CPU %.3f ms per %s\n", rr.CommandsPerOp, u, rr.ReadsPerOp, u, rr.CPUMsPerOp, u)
		var parts []string
		for _, c := range rr.Calls {
			parts = append(parts, fmt.Sprintf("%s %.2f", c.Command, c.PerOp))
		}
		fmt.Fprintf(w, "redis commands per %s: %s\n", u, strings.Join(parts, ", "))
	}
	if l := r.Load; l != nil {
		signing := ", card signing included"
		if r.Cards == 0 {
			signing = ""
		}
		fmt.Fprintf(w, "this process: CPU %.2f s = %.3f ms per %s (%.2f cores)%s\n", l.CPUSeconds, l.CPUMsPerOp, u, l.Cores, signing)
	}
	if m := r.Machine; m != nil {
		fmt.Fprintf(w, "machine: %.2f of %d cores busy during the run (all processes)\n", m.BusyCores, m.CPUs)
	}
	if r.Failed > 0 {
		fmt.Fprintln(w, "\nfailures:")
		for _, f := range r.Failures {
			fmt.Fprintf(w, "%8d  %s\n", f.Count, f.Kind)
		}
		if r.Setup != nil {
			for _, f := range r.Setup.Failures {
				fmt.Fprintf(w, "%8d  setup login: %s\n", f.Count, f.Kind)
			}
		}
	}
	return nil
}

func setupFailed(r *Report) int {
	if r.Setup == nil {
		return 0
	}
	return r.Setup.Failed
}
