package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CatalogVersion is one published version of a record type.
type CatalogVersion struct {
	Code        string
	Version     int
	Definition  []byte // the record type's JSON: rules, schema, example
	PublishedAt time.Time
	PublishedBy string
}

// CatalogVersions returns every published version, by code and version.
func (s *Store) CatalogVersions(ctx context.Context) ([]CatalogVersion, error) {
	versions, err := collectVersions(s.pool.Query(ctx, qCatalogVersions))
	if err != nil {
		return nil, fmt.Errorf("read catalogue versions: %w", err)
	}
	return versions, nil
}

// PublishCatalogVersion runs decide with the published versions of code
// while no one else publishes that code, and stores the version decide
// returns, if any. decide sees the versions oldest first.
func (s *Store) PublishCatalogVersion(ctx context.Context, code string,
	decide func(earlier []CatalogVersion) (*CatalogVersion, error)) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, qCatalogLock, code); err != nil {
			return fmt.Errorf("lock catalogue type %s: %w", code, err)
		}
		earlier, err := collectVersions(tx.Query(ctx, qCatalogVersionOf, code))
		if err != nil {
			return fmt.Errorf("read versions of %s: %w", code, err)
		}
		next, err := decide(earlier)
		if err != nil || next == nil {
			return err
		}
		if _, err := tx.Exec(ctx, qCatalogVersionInsert, next.Code, next.Version, string(next.Definition), next.PublishedBy); err != nil {
			return fmt.Errorf("store %s version %d: %w", next.Code, next.Version, err)
		}
		return nil
	})
}

func collectVersions(rows pgx.Rows, err error) ([]CatalogVersion, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CatalogVersion, error) {
		var v CatalogVersion
		var def string
		err := row.Scan(&v.Code, &v.Version, &def, &v.PublishedAt, &v.PublishedBy)
		v.Definition = []byte(def)
		return v, err
	})
}
