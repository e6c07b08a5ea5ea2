// Package bolt is the embedded store.Backend on go.etcd.io/bbolt: one file,
// one process, durable on one machine. It is the default backend.
//
// Layout: one bucket per namespace holds that namespace's records under
// their keys; the bucket ":sets" holds every set as a header "ns:set"
// (its expiry) followed by one key "ns:set\x00member" per member; ":meta"
// holds the format version. Namespaces cannot contain ':' or NUL, so none of
// these names can collide. Every value and set header starts with an 8-byte
// big-endian expiry in Unix nanoseconds (0 = never).
//
// Every write runs in a bbolt read-write transaction that is fsynced before
// the call returns (bbolt's NoSync stays false), so an acknowledged write
// survives a crash of the process or the machine. Writes that arrive while a
// commit is in progress share the next transaction and its fsync (group
// commit, see group.go), which is what lets many logins at once go faster
// than one fsync per write. bbolt allows one writer at a time, which is what
// makes Create, Take and Update atomic here without retries.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"

	"github.com/inkan-id/inkan/provider/store"
)

// Options tune a Store. The zero value (or nil) is the production default.
type Options struct {
	// SweepInterval is how often the background janitor deletes expired
	// entries (they are invisible to reads either way; sweeping reclaims
	// space). 0 means one minute; negative disables the janitor.
	SweepInterval time.Duration

	// LockTimeout bounds how long Open waits for another process to
	// release the file. 0 means 5 seconds.
	LockTimeout time.Duration

	// Now is the clock used for expiry; nil means time.Now. Tests inject a
	// fake clock to step over TTLs without sleeping.
	Now func() time.Time

	// Logger receives janitor failures; nil means slog.Default().
	Logger *slog.Logger
}

// Store is a store.Backend in one bbolt file. Create it with Open.
type Store struct {
	db     *bbolt.DB
	now    func() time.Time
	log    *slog.Logger
	closed atomic.Bool

	// The janitor runs until ctx is cancelled and closes done on return.
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	closeOnce sync.Once
	closeErr  error

	// Group commit (group.go). mu guards the queue of writes waiting for a
	// group; busy is set while some writer leads a group, and idle is
	// signalled when it is cleared.
	mu          sync.Mutex
	idle        *sync.Cond
	queue       []*write
	busy        bool
	queueClosed bool

	// testHookCommit, if set, is called after each commit with the number
	// of writes it holds. Set it before the Store is used.
	testHookCommit func(writes int)
}

var _ store.Backend = (*Store)(nil)

// Bucket names that are not namespaces start with ':', which namespaces
// cannot contain.
var (
	setsBucket = []byte(":sets")
	metaBucket = []byte(":meta")
	formatKey  = []byte("format")
)

// formatVersion is stored in ":meta" so that a future incompatible layout is
// refused instead of misread.
const formatVersion = "1"

// errClosed is returned by every call on a closed Store.
var errClosed = fmt.Errorf("store: bolt: %w: store is closed", store.ErrUnavailable)

// errNoop leaves a write body that found nothing to change out of its
// group's commit; a group left with no body to write is rolled back instead
// of paying for an fsync. Callers see success.
var errNoop = errors.New("no change")

// Open opens or creates the database file at path with mode 0600 (an
// existing file with wider permissions is narrowed to 0600: it holds tokens)
// and starts the janitor. The directory must exist.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = time.Minute
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}

	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: o.LockTimeout})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("store: bolt: open %s: file is locked (is another inkan process using it?): %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: bolt: open %s: %w", path, err)
	}
	if err := narrowMode(path); err != nil {
		db.Close()
		return nil, err
	}
	if err := db.Update(initLayout); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: bolt: open %s: %w", path, err)
	}

	s := &Store{db: db, now: o.Now, log: o.Logger, done: make(chan struct{})}
	s.idle = sync.NewCond(&s.mu)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if o.SweepInterval > 0 {
		go s.janitor(o.SweepInterval)
	} else {
		close(s.done)
	}
	return s, nil
}

func narrowMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("store: bolt: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("store: bolt: narrowing mode of %s to 0600: %w", path, err)
		}
	}
	return nil
}

func initLayout(tx *bbolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(metaBucket)
	if err != nil {
		return err
	}
	switch v := meta.Get(formatKey); {
	case v == nil:
		if err := meta.Put(formatKey, []byte(formatVersion)); err != nil {
			return err
		}
	case string(v) != formatVersion:
		return fmt.Errorf("unsupported store format %q (this build reads %q)", v, formatVersion)
	}
	_, err = tx.CreateBucketIfNotExists(setsBucket)
	return err
}

// Ping reports whether the Store is open.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(*bbolt.Tx) error { return nil })
}

// Close stops the janitor and closes the file. Writes still queued for a
// group fail, the group being committed (if any) finishes, and running reads
// finish; calls after Close fail with an error wrapping
// store.ErrUnavailable. Closing twice is harmless.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.cancel()
		s.mu.Lock()
		s.closeQueueLocked()
		for s.busy {
			s.idle.Wait()
		}
		s.mu.Unlock()
		<-s.done
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("store: bolt: close: %w", err)
		}
	})
	return s.closeErr
}

// view runs body in a read-only transaction. Errors that body returns come
// back unchanged; errors of bbolt itself wrap store.ErrUnavailable.
func (s *Store) view(ctx context.Context, body func(*bbolt.Tx) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	var berr error
	err := s.db.View(func(tx *bbolt.Tx) error {
		berr = body(tx)
		return berr
	})
	switch {
	case berr != nil:
		return berr
	case err != nil:
		return unavailable(err)
	}
	return nil
}

func (s *Store) ready(ctx context.Context) error {
	if s.closed.Load() {
		return errClosed
	}
	return ctx.Err()
}

// unavailable wraps an error of bbolt itself. bbolt fails only when the
// database is closed or the disk does, and a caller can do nothing about
// either but answer 503 and retry later.
func unavailable(err error) error {
	if errors.Is(err, bbolt.ErrDatabaseNotOpen) {
		return errClosed
	}
	return fmt.Errorf("store: bolt: %w: %w", store.ErrUnavailable, err)
}
