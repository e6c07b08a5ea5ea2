package bolt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.etcd.io/bbolt"

	"github.com/inkan-id/inkan/provider/store"
)

// Group commit.
//
// bbolt allows one writer at a time and every commit costs an fsync, so one
// transaction per write caps the Store at a few thousand writes a second
// however many logins wait. Instead, writes queue up and one leader at a time
// runs a whole group of them in a single transaction with a single fsync:
//
//   - A writer that finds no commit in progress leads at once with whatever
//     is queued (usually only itself): a lone write never waits for a timer,
//     which is why bbolt's own DB.Batch is not used.
//   - Writers that arrive while a commit is in progress queue up. When the
//     commit ends, its leader acknowledges its group and hands the lead to
//     the oldest waiter, which takes up to maxGroup queued writes as the next
//     group.
//   - No write is acknowledged before the commit holding it returned, so
//     durability is that of one transaction per write.
//
// The bodies of a group run one after another in the transaction, each
// seeing the writes of those before it, as separate transactions in queue
// order would. bbolt has no savepoints, so a body that fails (a store error,
// the caller's Update fn error, errNoop, or a panic) is isolated by rolling
// back the whole transaction and replaying the group without it: its partial
// writes never reach a commit, and its error goes to its caller alone. The
// bodies of a group all read one clock instant, taken when the group starts,
// so a replay repeats the run of the bodies before the failed one exactly
// (an Update fn must depend only on its input, as store.Backend asks) and
// the failed body's error is the one it would have had in a transaction of
// its own in that order. Should a replayed body fail all the same, it is
// left out in turn. A group with k failing bodies thus runs at most k+1
// transactions, commits only the last, and skips the commit and its fsync
// when no body is left that changed something.
//
// A panicking body is left out like a failing one and its panic re-raised in
// its caller's goroutine, with the panic value but not the original stack.

// maxGroup bounds the bodies in one transaction, so that one commit stays
// small and a replay after a failed body stays cheap.
const maxGroup = 256

// A write is one caller's transaction body waiting for, or in, a group.
type write struct {
	body func(tx *bbolt.Tx, now time.Time) error
	ctx  context.Context

	// wake is signalled, without blocking, when state becomes leading or
	// done. One pending signal is enough: the waiter rereads state. A
	// write that leads at once never waits and has none.
	wake chan struct{}

	// state is guarded by Store.mu.
	state writeState

	// The rest is written by the leader while the write is taken (err also
	// by Close while it is queued) and read by its caller once it is done.
	err      error // the caller's result
	ran      bool  // the body has run: cancelling no longer withdraws it
	out      bool  // the body failed or was withdrawn: not in the commit
	panicked any   // what the body panicked with, re-raised by its caller
}

type writeState uint8

const (
	queued  writeState = iota // waiting in Store.queue
	leading                   // head of the queue, told to lead the next group
	taken                     // in a group being committed; waits for it
	done                      // err is the caller's result
)

var (
	// errPanicked stands in for the result of a body that panicked; its
	// caller re-raises the panic instead of returning it.
	errPanicked = errors.New("store: bolt: transaction body panicked")

	// errAborted is the result of the writes of a group whose leader's
	// goroutine exited in the middle of it (a body called runtime.Goexit,
	// e.g. t.FailNow in an Update fn); the transaction was rolled back.
	errAborted = fmt.Errorf("store: bolt: %w: write group aborted", store.ErrUnavailable)
)

// update runs body in a group-committed read-write transaction and returns
// once that transaction is committed, or body failed and was left out.
// Errors that body returns (store errors, the caller's fn error) come back
// unchanged and errNoop becomes nil; errors of bbolt itself (closed database,
// I/O, commit) wrap store.ErrUnavailable.
//
// body may run more than once (see group commit above): it must depend only
// on tx and now, and set any result it hands out afresh on every run.
func (s *Store) update(ctx context.Context, body func(tx *bbolt.Tx, now time.Time) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	w := &write{body: body, ctx: ctx}
	s.mu.Lock()
	if s.queueClosed {
		s.mu.Unlock()
		return errClosed
	}
	s.queue = append(s.queue, w)
	if !s.busy {
		s.busy = true
		group := s.takeLocked()
		s.mu.Unlock()
		return s.lead(w, group)
	}
	w.wake = make(chan struct{}, 1)
	s.mu.Unlock()
	return s.wait(w)
}

// wait waits until w's group is committed, or until w is told to lead.
func (s *Store) wait(w *write) error {
	cancel := w.ctx.Done()
	for {
		select {
		case <-w.wake:
		case <-cancel:
		}
		s.mu.Lock()
		switch w.state {
		case done:
			s.mu.Unlock()
			return w.result()
		case taken:
			// The leader may have run the body already: wait for the
			// commit rather than return while the write may yet land.
			s.mu.Unlock()
			cancel = nil
		case leading:
			if err := w.ctx.Err(); err != nil {
				s.queue = slices.DeleteFunc(s.queue, func(q *write) bool { return q == w })
				s.handOffLocked()
				s.mu.Unlock()
				return err
			}
			group := s.takeLocked()
			s.mu.Unlock()
			return s.lead(w, group)
		case queued:
			// Woken by ctx: nothing has run, so withdraw.
			s.queue = slices.DeleteFunc(s.queue, func(q *write) bool { return q == w })
			s.mu.Unlock()
			return w.ctx.Err()
		}
	}
}

// takeLocked takes the next group off the head of the queue.
func (s *Store) takeLocked() []*write {
	n := min(len(s.queue), maxGroup)
	group := slices.Clone(s.queue[:n])
	for _, w := range group {
		w.state = taken
	}
	s.queue = slices.Delete(s.queue, 0, n)
	return group
}

// lead commits group, which w heads, acknowledges the others, hands the lead
// on and returns w's own result.
func (s *Store) lead(w *write, group []*write) error {
	finished := false
	defer func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, g := range group {
			if !finished && !g.out {
				g.err = errAborted
			}
			g.state = done
			if g != w {
				g.signal()
			}
		}
		s.handOffLocked()
	}()
	s.commit(group)
	finished = true
	return w.result()
}

// commit runs group in one transaction and sets each write's err. A failed
// body costs a rollback and a replay of the bodies before it, so a group with
// k failing bodies runs at most k+1 transactions.
func (s *Store) commit(group []*write) {
	now := s.now()
	for {
		retry, err := s.attempt(group, now)
		if err != nil {
			// bbolt failed: every write that was to be committed fails.
			err = unavailable(err)
			for _, w := range group {
				if !w.out {
					w.err = err
				}
			}
			return
		}
		if !retry {
			return
		}
	}
}

// attempt runs the bodies of group that are not left out, in order, in one
// transaction. If one fails it leaves that body out, rolls back and reports
// retry; otherwise it commits, unless no body is left to write.
func (s *Store) attempt(group []*write, now time.Time) (retry bool, err error) {
	tx, err := s.db.Begin(true)
	if err != nil {
		return false, err
	}
	// Drops a failed body's writes; after Commit it does nothing.
	defer tx.Rollback()
	writes := 0
	for _, w := range group {
		if w.out {
			continue
		}
		if !w.ran {
			if err := w.ctx.Err(); err != nil {
				w.err, w.out = err, true
				continue
			}
			w.ran = true
		}
		if w.err = w.run(tx, now); w.err != nil {
			w.out = true
			return true, nil
		}
		writes++
	}
	if writes == 0 {
		return false, nil // all no-ops or failures: no fsync
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	if s.testHookCommit != nil {
		s.testHookCommit(writes)
	}
	return false, nil
}

// run runs w's body, catching a panic so that it neither kills the leader
// with the group waiting nor surfaces in another caller's goroutine.
func (w *write) run(tx *bbolt.Tx, now time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			w.panicked = r
			err = errPanicked
		}
	}()
	return w.body(tx, now)
}

// result is w's outcome for its caller.
func (w *write) result() error {
	if w.panicked != nil {
		panic(w.panicked)
	}
	if w.err == errNoop {
		return nil
	}
	return w.err
}

func (w *write) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// handOffLocked tells the oldest waiter to lead the next group, or marks the
// Store idle if nobody waits.
func (s *Store) handOffLocked() {
	if len(s.queue) == 0 {
		s.busy = false
		s.idle.Broadcast()
		return
	}
	next := s.queue[0]
	next.state = leading
	next.signal()
}

// closeQueueLocked fails every write that is not in a group yet and refuses
// new ones; a group being committed finishes.
func (s *Store) closeQueueLocked() {
	s.queueClosed = true
	for _, w := range s.queue {
		if w.state == leading {
			s.busy = false // it was to lead the next group
		}
		w.state, w.err = done, errClosed
		w.signal()
	}
	s.queue = nil
}
