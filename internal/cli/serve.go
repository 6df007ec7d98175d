package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	"github.com/credex/credex/hub"
	"github.com/credex/credex/principal"
)

func serve(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("serve", "serve [flags]")
	var hf hubFlags
	hf.register(fs, ":8080", "")
	dbURL := fs.String("database-url", env("CREDEX_DATABASE_URL", ""), "PostgreSQL `url` of the public credit database (CREDEX_DATABASE_URL)")
	brokers := fs.String("kafka-brokers", env("CREDEX_KAFKA_BROKERS", ""), "comma-separated Kafka bootstrap `addresses` (CREDEX_KAFKA_BROKERS)")
	authKey := fs.String("authorisation-key", env("CREDEX_AUTHORISATION_KEY", ""), "`key` (16 bytes or more, secret) that signs the tokens by which persons authorise inquiries; prefer the variable, which ps does not show (CREDEX_AUTHORISATION_KEY)")
	legalBases := fs.String("legal-basis-codes", env("CREDEX_LEGAL_BASIS_CODES", ""), "comma-separated `codes` of the legal bases under which agencies may inquire into authorised-inquiry records without the person's authorisation (CREDEX_LEGAL_BASIS_CODES)")
	principalsFile := fs.String("principals", env("CREDEX_PRINCIPALS", ""), "seed `file` of principals to create or update at start; entries give key_sha256 rather than key in production (CREDEX_PRINCIPALS)")
	if err := parse(fs, args); err != nil {
		return err
	}
	subjectKey := os.Getenv("CREDEX_SUBJECT_KEY")
	if subjectKey == "" {
		return errors.New("CREDEX_SUBJECT_KEY is not set: it keys the hash of ID numbers (16 bytes or more, kept secret, never changed casually)")
	}
	cat, err := loadCatalog(hf.catalogDir)
	if err != nil {
		return err
	}
	var principals []principal.SeedEntry
	if *principalsFile != "" {
		raw, err := os.ReadFile(*principalsFile)
		if err != nil {
			return fmt.Errorf("read principals: %w", err)
		}
		if principals, err = loadPrincipals(raw, cat); err != nil {
			return fmt.Errorf("principals %s: %w", *principalsFile, err)
		}
	}
	cfg := hub.Config{
		DatabaseURL: *dbURL, Kafka: hf.kafka(splitList(*brokers)), Catalog: cat,
		SubjectKey: []byte(subjectKey), AuthorisationKey: []byte(*authKey), LegalBases: splitList(*legalBases), Principals: principals, Ingest: hf.ingest(), ExpiryInterval: hf.expiry,
		Logger: slog.New(slog.NewJSONHandler(out, nil)),
	}
	if err := hf.delivery(&cfg); err != nil {
		return err
	}
	return run(ctx, cfg, hf.addr, nil)
}

// run starts a hub and serves it on addr until ctx ends. started, when set,
// is called once the hub listens.
func run(ctx context.Context, cfg hub.Config, addr string, started func(addr string)) error {
	h, err := hub.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer h.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	cfg.Logger.Info("credex hub listening", "addr", ln.Addr().String(), "types", len(cfg.Catalog.Types()))
	if started != nil {
		started(ln.Addr().String())
	}
	return h.Serve(ctx, ln)
}
