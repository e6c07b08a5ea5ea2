package server

import (
	"io"
	"log/slog"
	"os"
	"testing"
)

// TestMain silences the library's own logging (it logs to slog.Default).
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}
