package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procStat is what /proc says about one process at one moment.
type procStat struct {
	cpu time.Duration // utime + stime, all threads
	rss int64         // VmRSS, bytes
}

// clockTick is the unit of utime and stime in /proc/PID/stat
// (sysconf(_SC_CLK_TCK)), read from the auxiliary vector because sysconf
// needs cgo. Practically always 100.
var clockTick = sync.OnceValue(func() time.Duration {
	const atClkTck = 17
	if b, err := os.ReadFile("/proc/self/auxv"); err == nil {
		for i := 0; i+16 <= len(b); i += 16 {
			k, v := binary.NativeEndian.Uint64(b[i:]), binary.NativeEndian.Uint64(b[i+8:])
			if k == atClkTck && v > 0 {
				return time.Second / time.Duration(v)
			}
		}
	}
	return 10 * time.Millisecond
})

// readProc reads CPU time and RSS of pid ("self" for this process).
func readProc(pid string) (procStat, error) {
	var ps procStat
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return ps, err
	}
	// The command name is in parentheses and may hold anything; the
	// fields after the last ')' start with field 3, the state.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ps, errors.New("/proc/" + pid + "/stat: unexpected format")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return ps, errors.New("/proc/" + pid + "/stat: too few fields")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return ps, fmt.Errorf("/proc/%s/stat: %w", pid, err)
	}
	ps.cpu = time.Duration(utime+stime) * clockTick()
	ps.rss, err = readRSS(pid)
	return ps, err
}

// readRSS returns VmRSS of /proc/PID/status in bytes.
func readRSS(pid string) (int64, error) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%s/status: VmRSS: %w", pid, err)
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("/proc/%s/status: no VmRSS", pid)
}

// sampler reads a process's RSS every interval until stopped, keeping the
// largest value.
type sampler struct {
	pid      string
	interval time.Duration
	done     chan struct{}
	maxRSS   int64
	samples  int
	errs     int
}

// startSampler starts sampling; stop it with stop, which returns after the
// goroutine has ended. It also ends with ctx.
func startSampler(ctx context.Context, pid string, interval time.Duration) (*sampler, func()) {
	s := &sampler{pid: pid, interval: interval, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer close(s.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			rss, err := readRSS(pid)
			if err != nil {
				s.errs++
				continue
			}
			s.samples++
			s.maxRSS = max(s.maxRSS, rss)
		}
	}()
	return s, func() { cancel(); <-s.done }
}

// machineCPU is the whole machine's busy and total CPU time from the
// first line of /proc/stat, to tell the load's share from other work on
// the same machine.
type machineCPU struct {
	busy, total time.Duration
}

func readMachineCPU() (machineCPU, error) {
	var m machineCPU
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return m, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return m, errors.New("/proc/stat: unexpected format")
	}
	// user nice system idle iowait irq softirq steal [guest guest_nice,
	// already counted in user and nice]
	for i, s := range f[1:min(len(f), 9)] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return m, fmt.Errorf("/proc/stat: %w", err)
		}
		d := time.Duration(n) * clockTick()
		m.total += d
		if i != 3 && i != 4 && i != 7 { // idle, iowait, steal
			m.busy += d
		}
	}
	return m, nil
}
