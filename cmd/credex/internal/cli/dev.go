package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	devseed "github.com/credex/credex/deploy/dev"
	"github.com/credex/credex/internal/devkafka"
	"github.com/credex/credex/internal/devoidc"
	"github.com/credex/credex/internal/devpg"
)

// Files of the demo, read when the working directory is the repository's.
const (
	devSeedFile       = "deploy/dev/seed.yaml"
	devConnectorsFile = "deploy/dev/connectors.yaml"
)

func dev(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("dev", "dev [flags]\n\n"+
		"Runs the whole hub on this machine: an embedded Kafka-protocol broker, a\n"+
		"PostgreSQL it starts itself, the catalogue from schemas/ and the demo\n"+
		"principals. Reads from the environment only:\n\n"+
		"  CREDEX_DATABASE_URL       a database of yours instead of starting PostgreSQL\n"+
		"  CREDEX_AUTHORISATION_KEY  the key that signs persons' authorisations; default\n"+
		"                            one made once in the data dir")
	var hf hubFlags
	hf.register(fs, "127.0.0.1:8080", prefixList{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")})
	dataDir := fs.String("data-dir", ".credex-dev", "`dir` for the hub's state: PostgreSQL cluster, Kafka log, subject key, and the files database.url and kafka.brokers that other commands read (CREDEX_DATA_DIR)")
	seedFile := fs.String("seed", "", "seed `file` of demo principals; default "+devSeedFile+" when present, else the built-in copy (CREDEX_SEED)")
	var brokers addrList
	fs.Var(&brokers, "kafka-brokers", "comma-separated Kafka bootstrap `addresses` to use instead of the embedded broker (CREDEX_KAFKA_BROKERS)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if hf.catalogDir == "" && exists("schemas/catalog.yaml") {
		hf.catalogDir = "schemas"
	}
	if hf.connectors == "" && exists(devConnectorsFile) {
		hf.connectors = devConnectorsFile
	}
	cat, err := loadCatalog(hf.catalogDir)
	if err != nil {
		return err
	}
	seed, err := readSeed(*seedFile)
	if err != nil {
		return err
	}
	principals, err := loadPrincipals(seed, cat)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	subjectKey, err := devSubjectKey(filepath.Join(*dataDir, "subject.key"))
	if err != nil {
		return err
	}
	authKey := []byte(os.Getenv("CREDEX_AUTHORISATION_KEY"))
	if len(authKey) == 0 {
		if authKey, err = devSubjectKey(filepath.Join(*dataDir, "authorisation.key")); err != nil {
			return err
		}
	}
	// What the hub does, request by request, delivery by delivery.
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))

	dbURL := os.Getenv("CREDEX_DATABASE_URL")
	if dbURL == "" {
		fmt.Fprintln(out, "starting PostgreSQL in", filepath.Join(*dataDir, "postgres"), "...")
		pg, err := devpg.Start(ctx, devpg.Config{Dir: filepath.Join(*dataDir, "postgres")})
		if err != nil {
			return fmt.Errorf("%w (or set CREDEX_DATABASE_URL to a database of yours)", err)
		}
		defer pg.Stop()
		dbURL = pg.URL()
	}
	if err := os.WriteFile(filepath.Join(*dataDir, "database.url"), []byte(dbURL+"\n"), 0o600); err != nil {
		return fmt.Errorf("write database url: %w", err)
	}
	kafkaAddrs := []string(brokers)
	if len(kafkaAddrs) == 0 {
		broker, err := devkafka.Start(ctx, devkafka.Config{Dir: filepath.Join(*dataDir, "kafka")})
		if err != nil {
			return err
		}
		defer broker.Close()
		kafkaAddrs = broker.Addrs()
	}
	// For the commands run beside it, such as credex audit verify.
	if err := os.WriteFile(filepath.Join(*dataDir, "kafka.brokers"), []byte(strings.Join(kafkaAddrs, ",")+"\n"), 0o600); err != nil {
		return fmt.Errorf("write kafka brokers: %w", err)
	}
	cfg, err := hf.config(kafkaAddrs, cat)
	if err != nil {
		return err
	}
	// The test identity provider is served on the hub's own address, so
	// the hub listens before it starts.
	ln, err := net.Listen("tcp", hf.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	issuer, err := devoidc.New("http://"+loopbackAddr(ln.Addr())+devoidc.Path, nil)
	if err != nil {
		ln.Close()
		return err
	}
	cfg.People = issuer.Config()
	cfg.People.RedirectURL = "http://" + loopbackAddr(ln.Addr()) + "/signin/callback"
	cfg.DevRoutes = map[string]http.Handler{devoidc.Path + "/": issuer.Handler()}
	cfg.DatabaseURL = dbURL
	cfg.Kafka.Timeout = 5 * time.Second
	cfg.Catalog = cat
	cfg.SubjectKey = subjectKey
	cfg.AuthorisationKey = authKey
	cfg.Principals = principals
	cfg.Logger = log
	cfg.PublicMetrics = true // on the dev hub's own address unless --metrics-addr says otherwise
	if err := cfg.Validate(); err != nil {
		ln.Close()
		return err
	}
	return run(ctx, cfg, ln, nil, func(addr string) {
		fmt.Fprintf(out, "\ncredex dev is running at http://%s\n  portal:   http://%s/ (sign in as any synthetic person at the test identity provider)\n  database: %s\n  kafka:    %s\n\nDemo principals (Authorization: Bearer <key>):\n",
			addr, addr, dbURL, strings.Join(kafkaAddrs, ","))
		for _, p := range principals {
			what := strings.Join(p.Types, ",")
			if len(p.LegalBases) > 0 {
				codes := make([]string, len(p.LegalBases))
				for i, b := range p.LegalBases {
					codes[i] = b.Code
				}
				what = "legal bases " + strings.Join(codes, ",")
			}
			if p.InquiriesPerDay > 0 {
				what = strings.TrimSpace(fmt.Sprintf("%s %d inquiries a day", what, p.InquiriesPerDay))
			}
			fmt.Fprintf(out, "  %-11s %-22s %s  %s\n", p.Kind, p.Name, p.Key, what)
		}
		fmt.Fprintf(out, "\nPersons (Authorization: Bearer <ID token>) get a token from the test identity provider at %s:\n"+
			"  credex token --url http://%s --name NAME --id-number ID\n\nPress Ctrl-C to stop.\n", issuer.URL(), addr)
	})
}

// loopbackAddr is addr as a client on this machine dials it: an unspecified
// host (all addresses) is the loopback address.
func loopbackAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func readSeed(path string) ([]byte, error) {
	if path == "" && exists(devSeedFile) {
		path = devSeedFile
	}
	if path == "" {
		return devseed.Seed, nil
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	return raw, nil
}

// devSubjectKey reads the dev hub's subject key, making one on first use.
func devSubjectKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(key))), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read subject key: %w", err)
	}
	b := make([]byte, 32)
	rand.Read(b)
	key = []byte(hex.EncodeToString(b))
	if err := os.WriteFile(path, append(key, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("write subject key: %w", err)
	}
	return key, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
