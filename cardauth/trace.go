package cardauth

import (
	"context"
	"encoding/hex"
	"log/slog"
	"strings"
)

// Tracer wraps a Transceiver and logs every exchange at debug level. The
// data of VERIFY and CHANGE REFERENCE DATA is masked: PIN bytes never reach
// a log (design.md rule 2).
type Tracer struct {
	T   Transceiver
	Log *slog.Logger
}

// Transmit forwards to the wrapped Transceiver and logs the exchange.
func (t *Tracer) Transmit(ctx context.Context, command []byte) ([]byte, error) {
	resp, err := t.T.Transmit(ctx, command)
	if t.Log != nil && t.Log.Enabled(ctx, slog.LevelDebug) {
		attrs := []any{"c", Redact(command), "r", hex.EncodeToString(resp)}
		if err != nil {
			attrs = append(attrs, "err", err)
		}
		t.Log.DebugContext(ctx, "apdu", attrs...)
	}
	return resp, err
}

// Redact returns a command APDU as hex with the data field of PIN commands
// (INS 20 VERIFY, INS 24 CHANGE REFERENCE DATA) replaced by asterisks.
func Redact(command []byte) string {
	s := hex.EncodeToString(command)
	if len(command) > 5 && (command[1] == 0x20 || command[1] == 0x24) {
		return s[:10] + strings.Repeat("*", len(s)-10)
	}
	return s
}

// Lock takes the wrapped Transceiver's lock when it offers one.
func (t *Tracer) Lock(ctx context.Context) error { return lockInner(ctx, t.T) }

// Unlock releases what Lock took.
func (t *Tracer) Unlock() error { return unlockInner(t.T) }
