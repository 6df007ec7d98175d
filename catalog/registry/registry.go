// Package registry keeps the published versions of the catalogue's record
// types in the database and serves the current ones to the rest of the hub.
//
// A new version is published only if it is compatible with the earlier ones
// under its type's compatibility mode. It takes effect at once on the hub
// that published it and, within the refresh interval, on every other hub of
// the same database; no restart is needed. Records are validated against the
// version a department names, or the latest.
package registry

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/compat"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// Store keeps the versions.
type Store interface {
	CatalogVersions(ctx context.Context) ([]store.CatalogVersion, error)
	PublishCatalogVersion(ctx context.Context, code string, decide func(earlier []store.CatalogVersion) (*store.CatalogVersion, error)) error
}

// Errors of Publish.
var (
	// ErrIncompatible: the version breaks compatibility; see IncompatibleError.
	ErrIncompatible = errors.New("incompatible with earlier versions")
	// ErrVersionConflict: the version number is taken by other content, or
	// skips numbers.
	ErrVersionConflict = errors.New("version conflict")
)

// IncompatibleError lists the breaking changes that refused a version.
type IncompatibleError struct {
	Mode    compat.Mode
	Changes []compat.Change
}

func (e *IncompatibleError) Error() string {
	return fmt.Sprintf("%d breaking changes under %s compatibility", len(e.Changes), e.Mode)
}

// Unwrap makes errors.Is(err, ErrIncompatible) true.
func (e *IncompatibleError) Unwrap() error { return ErrIncompatible }

// Version describes one published version.
type Version struct {
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
}

// Published is the result of Publish.
type Published struct {
	Version int
	// Unchanged: this exact version was published already.
	Unchanged bool
	// Changes between the previous version and this one.
	Changes []compat.Change
}

// Registry is the catalogue as published. It is safe for concurrent use;
// readers see a consistent snapshot per call.
type Registry struct {
	store Store
	log   *slog.Logger
	snap  atomic.Pointer[snapshot]

	published *prometheus.CounterVec
}

type snapshot struct {
	types  map[string]*history
	latest []*catalog.RecordType // sorted by code
}

type history struct {
	byVersion map[int]*catalog.RecordType
	versions  []Version // oldest first
	latest    *catalog.RecordType
}

// Open loads the published versions, first publishing every record type of
// files that has none yet. A type whose files differ from its latest
// published version is logged: publishing is a maintainer's act.
func Open(ctx context.Context, st Store, files *catalog.Catalog, log *slog.Logger, reg prometheus.Registerer) (*Registry, error) {
	r := &Registry{store: st, log: cmp.Or(log, slog.Default()),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_catalog_publications_total",
			Help: "Catalogue versions submitted for publication, by result: published, unchanged, incompatible, conflict or error.",
		}, []string{"result"}),
	}
	reg.MustRegister(r.published)
	if err := r.Refresh(ctx); err != nil {
		return nil, err
	}
	for _, t := range files.Types() {
		latest, ok := r.Type(t.Code)
		switch {
		case !ok:
			if _, err := r.Publish(ctx, t, "catalogue files"); err != nil {
				return nil, fmt.Errorf("register %s: %w", t.Code, err)
			}
		case !same(latest, t):
			r.log.Warn("catalogue files differ from the published version; publish them with credex catalog publish",
				"type", t.Code, "published", latest.Version, "files", t.Version)
		}
	}
	return r, nil
}

// Refresh reloads the versions from the database.
func (r *Registry) Refresh(ctx context.Context) error {
	versions, err := r.store.CatalogVersions(ctx)
	if err != nil {
		return err
	}
	s := &snapshot{types: map[string]*history{}}
	for _, v := range versions {
		t, err := catalog.ParseType(v.Definition)
		if err != nil {
			return fmt.Errorf("published %s version %d: %w", v.Code, v.Version, err)
		}
		h := s.types[v.Code]
		if h == nil {
			h = &history{byVersion: map[int]*catalog.RecordType{}}
			s.types[v.Code] = h
		}
		h.byVersion[v.Version] = t
		h.versions = append(h.versions, Version{Version: v.Version, PublishedAt: v.PublishedAt, PublishedBy: v.PublishedBy})
		h.latest = t // versions come oldest first
	}
	for _, h := range s.types {
		s.latest = append(s.latest, h.latest)
	}
	slices.SortFunc(s.latest, func(a, b *catalog.RecordType) int { return cmp.Compare(a.Code, b.Code) })
	r.snap.Store(s)
	return nil
}

// Watch refreshes every interval until ctx ends, so that versions another
// hub published take effect here too.
func (r *Registry) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("refresh catalogue", "err", err)
			}
		}
	}
}

// Type returns the latest version of a record type.
func (r *Registry) Type(code string) (*catalog.RecordType, bool) {
	h, ok := r.snap.Load().types[code]
	if !ok {
		return nil, false
	}
	return h.latest, true
}

// TypeVersion returns one version of a record type.
func (r *Registry) TypeVersion(code string, version int) (*catalog.RecordType, bool) {
	h, ok := r.snap.Load().types[code]
	if !ok {
		return nil, false
	}
	t, ok := h.byVersion[version]
	return t, ok
}

// Types returns the latest version of every record type, sorted by code.
func (r *Registry) Types() []*catalog.RecordType {
	return slices.Clone(r.snap.Load().latest)
}

// Versions lists the published versions of a record type, oldest first.
func (r *Registry) Versions(code string) []Version {
	h, ok := r.snap.Load().types[code]
	if !ok {
		return nil
	}
	return slices.Clone(h.versions)
}

// Publish registers t as a new version of its record type. The version
// number is t.Version: the next one after the latest, or any for a new type.
// Publishing the latest version again is a no-op. A version incompatible
// with the earlier ones under t's mode is refused with an
// *IncompatibleError.
func (r *Registry) Publish(ctx context.Context, t *catalog.RecordType, by string) (Published, error) {
	var res Published
	def, err := json.Marshal(t)
	if err != nil {
		return res, fmt.Errorf("encode %s: %w", t.Code, err)
	}
	mode, err := compat.ParseMode(string(t.Compatibility))
	if err != nil {
		return res, err
	}
	err = r.store.PublishCatalogVersion(ctx, t.Code, func(earlier []store.CatalogVersion) (*store.CatalogVersion, error) {
		res = Published{Version: t.Version}
		if len(earlier) == 0 {
			return &store.CatalogVersion{Code: t.Code, Version: t.Version, Definition: def, PublishedBy: by}, nil
		}
		last := earlier[len(earlier)-1]
		switch {
		case t.Version == last.Version && sameJSON(def, last.Definition):
			res.Unchanged = true
			return nil, nil
		case t.Version <= last.Version:
			return nil, fmt.Errorf("%w: %s version %d is published already with other content; publish it as version %d",
				ErrVersionConflict, t.Code, t.Version, last.Version+1)
		case t.Version != last.Version+1:
			return nil, fmt.Errorf("%w: %s version %d skips versions; the next one is %d",
				ErrVersionConflict, t.Code, t.Version, last.Version+1)
		}
		schemas := make([]json.RawMessage, len(earlier))
		for i, v := range earlier {
			old, err := catalog.ParseType(v.Definition)
			if err != nil {
				return nil, fmt.Errorf("published %s version %d: %w", v.Code, v.Version, err)
			}
			schemas[i] = old.Schema
		}
		breaking, err := compat.Check(mode, schemas, t.Schema)
		if err != nil {
			return nil, err
		}
		if len(breaking) > 0 {
			return nil, &IncompatibleError{Mode: mode, Changes: breaking}
		}
		if res.Changes, err = compat.Diff(schemas[len(schemas)-1], t.Schema); err != nil {
			return nil, err
		}
		return &store.CatalogVersion{Code: t.Code, Version: t.Version, Definition: def, PublishedBy: by}, nil
	})
	r.count(err, res.Unchanged)
	if err != nil {
		return Published{}, err
	}
	if !res.Unchanged {
		if err := r.Refresh(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (r *Registry) count(err error, unchanged bool) {
	result := "published"
	switch {
	case errors.Is(err, ErrIncompatible):
		result = "incompatible"
	case errors.Is(err, ErrVersionConflict):
		result = "conflict"
	case err != nil:
		result = "error"
	case unchanged:
		result = "unchanged"
	}
	r.published.WithLabelValues(result).Inc()
}

// same reports whether two record types have the same definition.
func same(a, b *catalog.RecordType) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && sameJSON(x, y)
}

// sameJSON reports whether two documents are the same JSON, whatever the
// order of keys and the spacing.
func sameJSON(a, b []byte) bool {
	x, err1 := record.Canonical(a)
	y, err2 := record.Canonical(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}
