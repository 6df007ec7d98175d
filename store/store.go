package store

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed queries/*.sql
var queries embed.FS

// query returns the text of an embedded query file.
func query(name string) string {
	b, err := queries.ReadFile("queries/" + name + ".sql")
	if err != nil {
		panic(fmt.Sprintf("store: missing query %s", name))
	}
	return string(b)
}

var (
	qHeadPlaceholders     = query("head_placeholders")
	qHeadLock             = query("head_lock")
	qHeadUpdate           = query("head_update")
	qApplyRecords         = query("apply_records")
	qApplyVersions        = query("apply_versions")
	qApplyRevocations     = query("apply_revocations")
	qApplyLifecycle       = query("apply_lifecycle")
	qRecord               = query("record")
	qRecordHistory        = query("record_history")
	qPrincipalByKey       = query("principal_by_key")
	qPrincipalUpsert      = query("principal_upsert")
	qCatalogVersions      = query("catalog_versions")
	qCatalogVersionOf     = query("catalog_version_of")
	qCatalogVersionInsert = query("catalog_version_insert")
	qCatalogLock          = query("catalog_lock")
	qSubjectSequences     = query("subject_sequences")
	qEventsInsert         = query("events_insert")
	qEventsFanOut         = query("events_fan_out")
	qEventsLock           = query("events_lock")
	qRecordsDisputed      = query("records_disputed")
	qSubscriptionInsert   = query("subscription_insert")
	qSubscriptionClaim    = query("subscription_claim")
	qSubscriptionEvents   = query("subscription_events")
	qSubscriptionPending  = query("subscription_pending")
	qSubscriptionBacklog  = query("subscription_backlog")
	qOutboxInsert         = query("outbox_insert")
	qOutboxOfRecords      = query("outbox_of_records")
	qOutboxRelayLock      = query("outbox_relay_lock")
	qOutboxNext           = query("outbox_next")
	qOutboxDelete         = query("outbox_delete")
	qOutboxPending        = query("outbox_pending")
	qOutboxBacklog        = query("outbox_backlog")

	qMigrateNoTimeout    = query("migrate_no_timeout")
	qMigrateResetTimeout = query("migrate_reset_timeout")
	qMigrateLock         = query("migrate_lock")
	qMigrateUnlock       = query("migrate_unlock")
	qMigrateTable        = query("migrate_table")
	qMigrateApplied      = query("migrate_applied")
	qMigrateDone         = query("migrate_done")
)

// defaultMaxConns bounds the pool unless the URL sets pool_max_conns.
const defaultMaxConns = 20

// Timeouts unless the URL sets connect_timeout (seconds) or
// statement_timeout (a PostgreSQL duration).
const (
	defaultConnectTimeout   = 10 * time.Second
	defaultStatementTimeout = "60s"
)

// ErrNotFound is returned when the thing asked for does not exist.
var ErrNotFound = errors.New("not found")

// Store is the public credit database.
type Store struct {
	pool     *pgxpool.Pool
	admitted chan struct{}
	// audits gathers concurrent appends to the audit log (AppendAudit).
	audits auditGroup
}

// Open connects to the database at url. It does not migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// The pgx default (the number of CPUs, at least 4) would queue
		// requests.
		cfg.MaxConns = defaultMaxConns
	}
	// Unless the URL says otherwise, a database that does not answer fails
	// a connection attempt, and a runaway query is cancelled by the server.
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["statement_timeout"]; !ok {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = defaultStatementTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{pool: pool, admitted: make(chan struct{}, 1)}, nil
}

// Close closes every connection.
func (s *Store) Close() { s.pool.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Migrate applies the migrations not applied yet, in order, each in its own
// transaction. Concurrent callers on the same schema wait for each other.
func (s *Store) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, qMigrateNoTimeout); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), qMigrateResetTimeout)
	if _, err := conn.Exec(ctx, qMigrateLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), qMigrateUnlock)
	if _, err := conn.Exec(ctx, qMigrateTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(base[:strings.IndexByte(base, '_')])
		if err != nil {
			return fmt.Errorf("migration %s: name must start with its number", base)
		}
		var applied bool
		if err := conn.QueryRow(ctx, qMigrateApplied, version).Scan(&applied); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if applied {
			continue
		}
		sql, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if _, err := tx.Exec(ctx, qMigrateDone, version); err != nil {
			tx.Rollback(ctx)
			return fmt.Errorf("migration %s: %w", base, err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}
