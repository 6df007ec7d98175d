package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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
	fs := flagSet("serve", "serve [flags]\n\n"+
		"Runs the hub against a Kafka cluster and PostgreSQL. Needs --database-url\n"+
		"(CREDEX_DATABASE_URL), --kafka-brokers (CREDEX_KAFKA_BROKERS), --authorisation-key\n"+
		"(CREDEX_AUTHORISATION_KEY) and, only from the environment:\n\n"+
		"  CREDEX_SUBJECT_KEY    secret key (16 bytes or more) of the hash by which ID numbers\n"+
		"                        are stored and looked up; never change it casually\n"+
		"  CREDEX_METRICS_TOKEN  bearer token (16 bytes or more) without which /metrics\n"+
		"                        answers 401; without it or --metrics-addr, no /metrics is served\n"+
		"  CREDEX_KAFKA_SASL_PASSWORD\n"+
		"                        password of --kafka-sasl-username")
	var hf hubFlags
	hf.register(fs, ":8080", nil)
	dbURL := fs.String("database-url", "", "PostgreSQL `url` of the public credit database (CREDEX_DATABASE_URL)")
	var brokers addrList
	fs.Var(&brokers, "kafka-brokers", "comma-separated Kafka bootstrap `addresses` (CREDEX_KAFKA_BROKERS)")
	authKey := fs.String("authorisation-key", "", "`key` (16 bytes or more, secret) that signs the tokens by which persons authorise inquiries; prefer the variable, which ps does not show (CREDEX_AUTHORISATION_KEY)")
	principalsFile := fs.String("principals", "", "seed `file` of principals to create or update at start; entries give key_sha256 rather than key in production, cert_sha256 for a client certificate, and for agencies the legal_bases under which each may inquire without the person's authorisation (CREDEX_PRINCIPALS)")
	var idp idpFlags
	idp.register(fs)
	tlsCert := fs.String("tls-cert", "", "PEM `file` of the server certificate (and its chain): serve HTTPS; needs --tls-key (CREDEX_TLS_CERT)")
	tlsKey := fs.String("tls-key", "", "PEM `file` of the server certificate's private key (CREDEX_TLS_KEY)")
	clientCA := fs.String("client-ca", "", "PEM `file` of the CA certificates that sign client certificates: ask clients for one and verify it; a verified certificate whose cert_sha256 a principal has authenticates as that principal (CREDEX_CLIENT_CA)")
	if err := parse(fs, args); err != nil {
		return err
	}
	subjectKey := os.Getenv("CREDEX_SUBJECT_KEY")
	if subjectKey == "" {
		return errors.New("CREDEX_SUBJECT_KEY is not set: it keys the hash of ID numbers (16 bytes or more, kept secret, never changed casually)")
	}
	tlsCfg, err := serverTLS(*tlsCert, *tlsKey, *clientCA)
	if err != nil {
		return err
	}
	people, err := idp.config(fs)
	if err != nil {
		return err
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
	cfg, err := hf.config(brokers, cat)
	if err != nil {
		return err
	}
	cfg.DatabaseURL = *dbURL
	cfg.Catalog = cat
	cfg.SubjectKey = []byte(subjectKey)
	cfg.AuthorisationKey = []byte(*authKey)
	cfg.People = people
	cfg.Principals = principals
	cfg.MetricsToken = os.Getenv("CREDEX_METRICS_TOKEN")
	cfg.Logger = slog.New(slog.NewJSONHandler(out, nil))
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.MetricsAddr == "" && cfg.MetricsToken == "" {
		cfg.Logger.Warn("no metrics served: give --metrics-addr (an administration address) or set CREDEX_METRICS_TOKEN for Prometheus to scrape /metrics")
	}
	if !people.Configured() {
		cfg.Logger.Warn("no identity provider configured (--oidc-issuer): persons cannot file objections or repair applications, grant authorisations or read their access log; those endpoints answer 503 identity_provider_not_configured")
	}
	ln, err := net.Listen("tcp", hf.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return run(ctx, cfg, ln, tlsCfg, nil)
}

// serverTLS is the TLS configuration of the certificate and key files, or nil
// when neither is given. With a client CA file, clients are asked for a
// certificate, and one they present must verify against the CA; clients
// without one still connect, for the routes that need no key and for API
// keys.
func serverTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "" && caFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("tls: give both --tls-cert and --tls-key (--client-ca needs them too)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: load --tls-cert %s and --tls-key %s: %w", certFile, keyFile, err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if caFile == "" {
		return cfg, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("tls: read --client-ca: %w", err)
	}
	cfg.ClientCAs = x509.NewCertPool()
	if !cfg.ClientCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("tls: --client-ca %s holds no PEM certificate", caFile)
	}
	cfg.ClientAuth = tls.VerifyClientCertIfGiven
	return cfg, nil
}

// run starts a hub and serves it on ln, which it closes, until ctx ends,
// over TLS when tlsCfg is set. started, when set, is called once the hub
// serves.
func run(ctx context.Context, cfg hub.Config, ln net.Listener, tlsCfg *tls.Config, started func(addr string)) error {
	h, err := hub.Start(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer h.Close()
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	cfg.Logger.Info("credex hub listening", "addr", ln.Addr().String(), "tls", tlsCfg != nil,
		"client_certificates", tlsCfg != nil && tlsCfg.ClientCAs != nil, "types", len(cfg.Catalog.Types()))
	if started != nil {
		started(ln.Addr().String())
	}
	return h.Serve(ctx, ln)
}
