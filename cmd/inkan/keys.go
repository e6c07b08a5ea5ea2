package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/inkan-id/inkan/provider/app"
	"github.com/inkan-id/inkan/provider/config"
)

// runKeys manages the signing keys in the store: list, rotate, prune.
// Several provider instances may run meanwhile: every change is one
// compare-and-swap of the key set, and instances pick it up within their
// key cache's lifetime.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "rotate" && args[0] != "prune") {
		fmt.Fprintln(stderr, "usage: inkan keys list|rotate|prune [--config FILE | --dev [--data DIR]] [--alg ES256|PS256|RS256]")
		fmt.Fprintln(stderr, "With the embedded store, stop the provider first: bbolt admits one process; with Redis, run it any time.")
		return usagef("keys needs list, rotate or prune")
	}
	verb := args[0]
	fs := newFlagSet("keys "+verb, "[--config FILE | --dev]", "manage the signing keys", stderr)
	cfgPath := fs.String("config", "", "YAML configuration of the provider whose keys to manage")
	dev := fs.Bool("dev", false, "the keys of a dev provider")
	data := fs.String("data", "", "data folder of a dev provider")
	alg := fs.String("alg", "", "algorithm to rotate (default: the config's signing_alg)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, *dev, "", *data)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	master, err := config.LoadOrCreateMasterKey(cfg.MasterKeyFile, false)
	if err != nil {
		return err
	}
	b, err := app.OpenStore(cfg, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer b.Close()
	km, err := app.NewKeys(cfg, b, master, time.Now)
	if err != nil {
		return err
	}
	switch verb {
	case "rotate":
		a := jose.SignatureAlgorithm(cfg.Tokens.SigningAlg)
		if *alg != "" {
			a = jose.SignatureAlgorithm(*alg)
		}
		kid, err := km.Rotate(ctx, a)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new %s key %s: published now, signs after %s\n", a, kid, cfg.Keys.PublishDelay)
	case "prune":
		n, err := km.Prune(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %d expired keys\n", n)
	}
	infos, err := km.List(ctx)
	if err != nil {
		return err
	}
	for _, k := range infos {
		fmt.Fprintf(stdout, "%-10s %-6s %s  created %s\n", k.State, k.Alg, k.KID, k.Created.UTC().Format(time.RFC3339))
	}
	return nil
}
