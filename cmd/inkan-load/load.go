package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inkan-id/inkan/cardauth/vcard"
	"github.com/inkan-id/inkan/cardauth/vcard/testca"
)

// sampleEvery is how often the provider's RSS is sampled during a run.
const sampleEvery = 200 * time.Millisecond

// runLoad prepares the cards, runs the load and measures it. Progress
// goes to log.
func runLoad(ctx context.Context, o *options, log io.Writer) (*Report, error) {
	if probeMode(o.mode) {
		tr := newTransport(o.concurrency)
		defer tr.CloseIdleConnections()
		rep := &Report{Mode: o.mode, Issuer: o.issuer, Concurrency: o.concurrency}
		return rep, (&driver{opt: o, tr: tr}).runProbe(ctx, rep)
	}
	caDir := filepath.Join(o.dataDir, "testca")
	ca, err := testca.Load(caDir)
	if err != nil {
		return nil, fmt.Errorf("test CA in %s (start the provider once in dev mode to create it): %w", caDir, err)
	}
	if o.ocspAddr != "" {
		stop, err := serveOCSP(ca, o.ocspAddr)
		if err != nil {
			return nil, err
		}
		defer stop()
	}

	start := time.Now()
	cards, err := issueCards(ctx, ca, o.cards)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "inkan-load: issued %d virtual cards in %.1f s\n", len(cards), time.Since(start).Seconds())

	tr := newTransport(o.concurrency)
	defer tr.CloseIdleConnections()
	ep, err := discover(ctx, tr, o.issuer, o.timeout)
	if err != nil {
		return nil, err
	}
	d := &driver{opt: o, ep: ep, tr: tr, rp: o.redirectURI}

	// Every request ends within its timeout, so the run cannot outlast
	// the duration by more than one operation's worth of them.
	ctx, cancel := context.WithTimeout(ctx, o.duration+time.Duration(numSteps)*o.timeout)
	defer cancel()

	rep := &Report{Mode: o.mode, Issuer: o.issuer, Concurrency: o.concurrency, Cards: len(cards)}
	if o.mode == modeRefresh {
		err = d.runRefresh(ctx, cards, rep, log)
	} else {
		err = d.runLogins(ctx, cards, rep)
	}
	return rep, err
}

// serveOCSP answers OCSP for the CA (which knows the serials of the cards
// issued here, unlike the provider's copy loaded at its start) on addr.
func serveOCSP(ca *testca.CA, addr string) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--ocsp: %w", err)
	}
	ca.OCSPURL = "http://" + ln.Addr().String() + "/"
	srv := &http.Server{Handler: ca.OCSPHandler(nil), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return func() { srv.Close() }, nil
}

// issueCards issues n in-memory cards (auth certificate only: a login
// needs no signature key, and each key is an RSA-2048 generation), on all
// CPUs.
func issueCards(ctx context.Context, ca *testca.CA, n int) ([]*card, error) {
	cards := make([]*card, n)
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				f, err := vcard.Issue(ca, vcard.Spec{
					AuthPIN:    pin,
					NoSignCert: true,
					// Synthetic holder; never a real person's data.
					Holder: testca.Holder{Name: "負荷　試験" + strconv.Itoa(i), Birthdate: "1980-01-01", Address: "東京都千代田区千代田１－１", Gender: "3"},
				}, time.Now())
				if err != nil {
					errs[i] = err
					return
				}
				cards[i] = &card{c: vcard.New(f)}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("issuing virtual cards: %w", err)
	}
	return cards, nil
}

// cardsFor returns worker w's cards: its own share when there are at
// least as many cards as workers (a card signs one thing at a time, like
// a real one), else one card shared with other workers.
func cardsFor(cards []*card, w, workers int) []*card {
	if len(cards) < workers {
		return []*card{cards[w%len(cards)]}
	}
	var mine []*card
	for i := w; i < len(cards); i += workers {
		mine = append(mine, cards[i])
	}
	return mine
}

// runLogins runs complete logins until --logins or --duration.
func (d *driver) runLogins(ctx context.Context, cards []*card, rep *Report) error {
	o := d.opt
	m, err := startMeter(ctx, o)
	if err != nil {
		return err
	}
	defer m.close()
	mine := make([][]*card, o.concurrency)
	for w := range mine {
		mine[w] = cardsFor(cards, w, o.concurrency)
	}
	all, elapsed := drive(ctx, o, o.concurrency, o.logins, func(w, i int, t *timings) error {
		_, err := d.login(ctx, mine[w][i%len(mine[w])], t)
		return err
	})
	rep.fill(all, elapsed)
	return m.finish(rep, elapsed)
}

// drive runs op on workers goroutines until limit operations have started
// or --duration has passed, and returns their results merged and the time
// they took. op(w, i, t) is worker w's i-th operation; it fills t.
func drive(ctx context.Context, o *options, workers, limit int, op func(w, i int, t *timings) error) (*recorder, time.Duration) {
	deadline := time.Now().Add(o.duration)
	var tickets atomic.Int64
	recs := make([]*recorder, workers)
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range workers {
		recs[w] = newRecorder()
		wg.Go(func() {
			for i := 0; ctx.Err() == nil && time.Now().Before(deadline) && tickets.Add(1) <= int64(limit); i++ {
				var t timings
				err := op(w, i, &t)
				recs[w].add(&t, err)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	all := newRecorder()
	for _, r := range recs {
		all.merge(r)
	}
	return all, elapsed
}

// runRefresh logs every virtual user in once, then runs refresh_token
// grants until --grants or --duration. Only the grants are measured.
func (d *driver) runRefresh(ctx context.Context, cards []*card, rep *Report, log io.Writer) error {
	o := d.opt
	setup := make([]*recorder, o.concurrency)
	rts := make([]string, o.concurrency)
	var wg sync.WaitGroup
	for w := range o.concurrency {
		setup[w] = newRecorder()
		wg.Go(func() {
			var t timings
			tok, err := d.login(ctx, cardsFor(cards, w, o.concurrency)[0], &t)
			setup[w].add(&t, err)
			if err == nil {
				rts[w] = tok.Refresh
			}
		})
	}
	wg.Wait()
	logins := newRecorder()
	for _, r := range setup {
		logins.merge(r)
	}
	rep.Setup = &SetupReport{Succeeded: logins.ok, Failed: logins.failed, Failures: sortedFailures(logins.failures)}
	fmt.Fprintf(log, "inkan-load: %d of %d virtual users logged in; refreshing\n", logins.ok, o.concurrency)
	if logins.ok == 0 {
		return fmt.Errorf("no virtual user could log in: %v", sortedFailures(logins.failures))
	}

	var active []string // the refresh token of each user that logged in
	for _, rt := range rts {
		if rt != "" {
			active = append(active, rt)
		}
	}
	m, err := startMeter(ctx, o)
	if err != nil {
		return err
	}
	defer m.close()
	all, elapsed := drive(ctx, o, len(active), o.grants, func(w, _ int, t *timings) error {
		rt, err := d.refresh(ctx, active[w], t)
		if err == nil {
			active[w] = rt
		}
		return err
	})
	rep.fill(all, elapsed)
	rep.Failed += logins.failed
	return m.finish(rep, elapsed)
}

// meter measures the provider, its Redis and this process over a run.
type meter struct {
	opt         *options
	pid         string
	server      procStat
	self        procStat
	machine     machineCPU
	redis       *redisInfo
	redisConn   *redisConn
	sampler     *sampler
	stopSampler func()
}

func startMeter(ctx context.Context, o *options) (*meter, error) {
	m := &meter{opt: o}
	var err error
	if o.serverPID > 0 {
		m.pid = strconv.Itoa(o.serverPID)
		if m.server, err = readProc(m.pid); err != nil {
			return nil, fmt.Errorf("--server-pid: %w", err)
		}
		m.sampler, m.stopSampler = startSampler(ctx, m.pid, sampleEvery)
	}
	if o.redisAddr != "" {
		if m.redisConn, err = dialRedis(ctx, o.redisAddr); err != nil {
			m.stop()
			return nil, fmt.Errorf("--redis: %w", err)
		}
		if m.redis, err = m.redisConn.info(); err != nil {
			m.close()
			return nil, fmt.Errorf("--redis: %w", err)
		}
	}
	if m.self, err = readProc("self"); err != nil {
		m.close()
		return nil, err
	}
	m.machine, _ = readMachineCPU() // informative only
	return m, nil
}

func (m *meter) stop() {
	if m.stopSampler != nil {
		m.stopSampler()
		m.stopSampler = nil
	}
}

// close releases the Redis connection.
func (m *meter) close() {
	m.stop()
	if m.redisConn != nil {
		m.redisConn.Close()
		m.redisConn = nil
	}
}

// finish reads everything again and puts the differences into rep.
func (m *meter) finish(rep *Report, elapsed time.Duration) error {
	defer m.close()
	m.stop()
	ops := float64(rep.Succeeded)
	perOp := func(x float64) float64 {
		if ops == 0 {
			return 0
		}
		return x / ops
	}
	var errs []error
	if mc, err := readMachineCPU(); err == nil && m.machine.total > 0 {
		rep.Machine = &MachineReport{
			CPUs:      runtime.NumCPU(),
			BusyCores: round3((mc.busy - m.machine.busy).Seconds() / elapsed.Seconds()),
		}
	}
	if self, err := readProc("self"); err == nil {
		cpu := self.cpu - m.self.cpu
		rep.Load = &ProcReport{CPUSeconds: round3(cpu.Seconds()), CPUMsPerOp: round3(perOp(ms(cpu))), Cores: round3(cpu.Seconds() / elapsed.Seconds())}
	}
	if m.pid != "" {
		after, err := readProc(m.pid)
		if err != nil {
			errs = append(errs, fmt.Errorf("--server-pid: %w", err))
		} else {
			cpu := after.cpu - m.server.cpu
			rep.Server = &ProcReport{
				PID:        m.opt.serverPID,
				CPUSeconds: round3(cpu.Seconds()),
				CPUMsPerOp: round3(perOp(ms(cpu))),
				Cores:      round3(cpu.Seconds() / elapsed.Seconds()),
				RSSIdleMiB: mib(m.server.rss),
				RSSMaxMiB:  mib(max(m.server.rss, m.sampler.maxRSS, after.rss)),
				RSSEndMiB:  mib(after.rss),
				Samples:    m.sampler.samples,
			}
		}
	}
	if m.redis != nil {
		after, err := m.redisConn.info()
		if err != nil {
			errs = append(errs, fmt.Errorf("--redis: %w", err))
		} else {
			// The second reading counts the first INFO (a command is
			// counted once it has run) and its own read event (counted
			// before it runs). Neither belongs to the provider.
			cmds := after.commands - m.redis.commands - 1
			reads := after.reads - m.redis.reads - 1
			cpu := after.cpu - m.redis.cpu
			rr := &RedisReport{
				Commands: cmds, CommandsPerOp: round3(perOp(float64(cmds))),
				Reads: reads, ReadsPerOp: round3(perOp(float64(reads))),
				CPUSeconds: round3(cpu.Seconds()), CPUMsPerOp: round3(perOp(ms(cpu))),
			}
			for name, n := range after.calls {
				if name == "info" {
					continue
				}
				if delta := n - m.redis.calls[name]; delta > 0 {
					rr.Calls = append(rr.Calls, CallCount{Command: name, Calls: delta, PerOp: round3(perOp(float64(delta)))})
				}
			}
			sortCalls(rr.Calls)
			rep.Redis = rr
		}
	}
	return errors.Join(errs...)
}

func mib(b int64) float64 { return round3(float64(b) / (1 << 20)) }
