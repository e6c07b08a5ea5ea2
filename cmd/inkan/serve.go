package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/config"
)

// runServe runs the provider.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[--config FILE] [--dev]", "run the OpenID provider", stderr)
	cfgPath := fs.String("config", "", "YAML configuration (docs/config.md); without it, the defaults")
	dev := fs.Bool("dev", false, "development mode: embedded store, generated keys, test JPKI CA, a demo relying party at /demo and a virtual phone")
	addr := fs.String("addr", "", "listen address (default "+config.DefaultAddr+"); in dev the issuer follows it")
	data := fs.String("data", "", "data folder (default "+config.DefaultDevDataDir+" in dev)")
	autoTap := fs.Bool("dev-autotap", false, "dev only: complete the card step automatically with the dev virtual card (for conformance tooling)")
	pprofAddr := fs.String("dev-pprof", "", "dev only: serve Go's profiler (net/http/pprof) on this loopback address, apart from the provider")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usagef("serve takes no arguments")
	}

	cfg, err := loadConfig(*cfgPath, *dev, *addr, *data)
	if err != nil {
		return err
	}

	var pprofLn net.Listener
	if *pprofAddr != "" {
		if pprofLn, err = listenPprof(*pprofAddr, cfg.Dev); err != nil {
			return err
		}
		defer pprofLn.Close()
	}

	log := slog.New(slog.NewJSONHandler(stderr, nil))
	a, err := app.New(ctx, cfg, app.Options{Log: log, DevAutoTap: *autoTap})
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	fmt.Fprintf(stdout, "inkan: serving %s on %s\n", cfg.Issuer, ln.Addr())
	if cfg.Dev {
		fmt.Fprintf(stdout, "  development mode: data in %s, test JPKI CA, NOT for production\n", cfg.DataDir)
		fmt.Fprintf(stdout, "  demo relying party: %s/demo   virtual phone: %s/dev/phone (PIN %s)\n", cfg.Issuer, cfg.Issuer, app.DevPIN)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if pprofLn != nil {
		fmt.Fprintf(stdout, "  profiler: http://%s/debug/pprof/\n", pprofLn.Addr())
		go servePprof(pprofLn)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loadConfig reads the config file, or the defaults, and applies the
// command-line overrides shared by serve and keys.
func loadConfig(path string, dev bool, addr, data string) (*config.Config, error) {
	var cfg *config.Config
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return nil, err
		}
		if dev && !cfg.Dev {
			return nil, usagef("--dev with a config file that does not say dev: true")
		}
	} else {
		cfg = config.Default(dev)
	}
	if addr != "" {
		cfg.Addr = addr
		if cfg.Dev && path == "" {
			cfg.Issuer = "" // derived from the address again
		}
	}
	if data != "" {
		cfg.DataDir = data
		cfg.Store.Bolt.Path, cfg.MasterKeyFile = "", ""
	}
	cfg.Derive()
	return cfg, nil
}
