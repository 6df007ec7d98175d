// Package registry keeps the published versions of the catalogue's record
// types in the database and serves the current ones to the rest of the hub.
//
// A new version is published only if it is compatible with the earlier ones
// under its type's compatibility mode. It takes effect at once on the hub
// that published it and, within the refresh interval, on every other hub of
// the same database; no restart is needed. Records are validated against the
// version a department names, or the latest.
//
// A new version of an existing type that widens its policy (see
// catalog.PolicyDiff: who sees its records, with whom and what for they
// are shared, how long they are displayed) does not take effect when a
// maintainer publishes it: it waits, one at a time per type, until an
// operator other than its proposer approves it (Approve), and then takes
// effect like any other; an operator may reject it instead (Reject). Until
// then the type keeps its current version on every hub, and no record is
// validated against the waiting one. A version that only narrows takes
// effect at once. Spans tells when each version was in force, so that
// readers can hold each record to the rules in force when it was published.
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

	"github.com/credex/credex/audit"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/compat"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// Store keeps the versions, and those waiting for approval.
type Store interface {
	CatalogVersions(ctx context.Context) ([]store.CatalogVersion, error)
	CatalogProposals(ctx context.Context) ([]store.CatalogProposal, error)
	PublishCatalogVersion(ctx context.Context, code string,
		decide func(earlier []store.CatalogVersion, pending *store.CatalogProposal) (*store.CatalogVersion, bool, error)) error
	DecideCatalogProposal(ctx context.Context, code string, decide func(pending *store.CatalogProposal) (*store.CatalogDecision, error)) error
}

// Errors of Publish.
var (
	// ErrIncompatible: the version breaks compatibility; see IncompatibleError.
	ErrIncompatible = errors.New("incompatible with earlier versions")
	// ErrVersionConflict: the version number is taken by other content, or
	// skips numbers.
	ErrVersionConflict = errors.New("version conflict")
	// ErrApprovalPending: another version of the type waits for approval;
	// it must be approved or rejected before the next is published.
	ErrApprovalPending = errors.New("a version waits for approval")
	// ErrNotPending: no such version of the type waits for approval.
	ErrNotPending = errors.New("not waiting for approval")
	// ErrOwnProposal: the operator deciding is the principal who proposed
	// the version; another must decide.
	ErrOwnProposal = errors.New("the proposer cannot decide on their own version")
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
	Version int `json:"version"`
	// PublishedAt is when the version took effect: for one that waited
	// for approval, when it was approved.
	PublishedAt time.Time `json:"published_at"`
	PublishedBy string    `json:"published_by"`
	// ApprovedBy is the operator who approved a version that waited.
	ApprovedBy string `json:"approved_by,omitempty"`
}

// Proposal is a version that waits for an operator's approval.
type Proposal struct {
	Version    int       `json:"version"`
	ProposedAt time.Time `json:"proposed_at"`
	ProposedBy string    `json:"proposed_by"`
	// Policy are the policy changes from the current version, at least one
	// of them widening.
	Policy []catalog.PolicyChange `json:"policy_changes"`
	// Type is the version itself.
	Type *catalog.RecordType `json:"-"`
}

// Published is the result of Publish.
type Published struct {
	Version int
	// Unchanged: this exact version was published, or proposed, already.
	Unchanged bool
	// Pending: the version widens the type's policy and waits for an
	// operator's approval; it is not in force.
	Pending bool
	// Changes between the schemas of the previous version and this one.
	Changes []compat.Change
	// Policy are the policy changes from the previous version.
	Policy []catalog.PolicyChange
}

// Decision is an operator's decision on a version that waits for approval.
type Decision struct {
	// By is the operator's principal name.
	By string
	// Reason says why; required to reject.
	Reason string
	// Audit are appended to the audit log in the transaction that applies
	// the decision: it is applied only if they are logged.
	Audit []audit.Entry
}

// Span is a period during which one version of a record type was in
// force: from From, the zero time for the type's first version, until
// Until, or still when Until is zero.
type Span struct {
	Type        *catalog.RecordType
	From, Until time.Time
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
	pending   *Proposal
}

// Open loads the published versions, first publishing every record type of
// files that has none yet. A type whose files differ from what is published
// is logged with what to do about it (FilesAdvice): publishing is a
// maintainer's act.
func Open(ctx context.Context, st Store, files *catalog.Catalog, log *slog.Logger, reg prometheus.Registerer) (*Registry, error) {
	r := &Registry{store: st, log: cmp.Or(log, slog.Default()),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "credex_catalog_publications_total",
			Help: "Catalogue versions submitted for publication, by result: published, pending (waiting for approval), unchanged, incompatible, conflict or error.",
		}, []string{"result"}),
	}
	reg.MustRegister(r.published, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "credex_catalog_pending_versions",
		Help: "Catalogue versions that widen their type's policy and wait for an operator's approval.",
	}, func() float64 {
		n := 0
		if s := r.snap.Load(); s != nil {
			for _, h := range s.types {
				if h.pending != nil {
					n++
				}
			}
		}
		return float64(n)
	}))
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
		default:
			if advice := r.FilesAdvice(t); advice != "" {
				r.log.Warn(advice, "type", t.Code, "published", latest.Version, "files", t.Version)
			}
		}
	}
	return r, nil
}

// FilesAdvice compares t, a record type as the catalogue files hold it,
// with what is published of its type, and says what the maintainers may do
// about a difference, advising only what Publish would accept. It returns
// "" when the files hold the latest published version, or the one waiting
// for approval, or a type not published at all.
func (r *Registry) FilesAdvice(t *catalog.RecordType) string {
	h, ok := r.snap.Load().types[t.Code]
	if !ok {
		return ""
	}
	latest := h.versions[len(h.versions)-1].Version
	if h.pending != nil && t.Version == h.pending.Version && same(h.pending.Type, t) {
		return ""
	}
	switch {
	case t.Version < latest:
		other := ""
		if old, ok := h.byVersion[t.Version]; !ok || !same(old, t) {
			other = ", with other content than the published one"
		}
		return fmt.Sprintf("catalogue files hold %s version %d%s, older than the database, where %s was published since; "+
			"publishing the files would be refused. No command writes published versions to files: "+
			"copy version %d's definition and schema from GET /v1/catalog/types/%s/versions/%d into them",
			t.Code, t.Version, other, span(t.Version+1, latest), latest, t.Code, latest)
	case t.Version == latest && same(h.latest, t):
		if h.pending != nil {
			return fmt.Sprintf("catalogue files hold version %d of %s, in force; version %d waits for an operator's approval",
				t.Version, t.Code, h.pending.Version)
		}
		return ""
	case t.Version == latest:
		return fmt.Sprintf("catalogue files change %s but keep the published version number %d, which publishing refuses: "+
			"give the change version %d in catalog.yaml, check it with credex catalog diff and publish it with credex catalog publish, "+
			"or restore the files to version %d", t.Code, t.Version, latest+1, latest)
	case h.pending != nil:
		return fmt.Sprintf("catalogue files hold version %d of %s, but version %d waits for an operator's approval: "+
			"it must be approved or rejected before another version is published", t.Version, t.Code, h.pending.Version)
	case t.Version > latest+1:
		return fmt.Sprintf("catalogue files hold version %d of %s, which skips versions: the next one is %d; "+
			"renumber it in catalog.yaml, then publish it with credex catalog publish", t.Version, t.Code, latest+1)
	}
	mode, err := compat.ParseMode(string(t.Compatibility))
	if err != nil {
		return fmt.Sprintf("catalogue files hold version %d of %s, which cannot be published: %v", t.Version, t.Code, err)
	}
	schemas := make([]json.RawMessage, len(h.versions))
	for i, v := range h.versions {
		schemas[i] = h.byVersion[v.Version].Schema
	}
	breaking, err := compat.Check(mode, schemas, t.Schema)
	switch {
	case err != nil:
		return fmt.Sprintf("catalogue files hold version %d of %s, which cannot be compared with the published versions: %v", t.Version, t.Code, err)
	case len(breaking) > 0:
		return fmt.Sprintf("catalogue files hold version %d of %s, which is incompatible with the published versions under %s "+
			"(breaking changes: %d, listed by credex catalog diff) and would be refused: "+
			"make the change compatible, or publish the type under a new code", t.Version, t.Code, mode, len(breaking))
	case len(catalog.Widening(catalog.PolicyDiff(h.latest, t))) > 0:
		return fmt.Sprintf("catalogue files hold version %d of %s, newer than the published %d and compatible; it widens the type's policy: "+
			"publish it with credex catalog publish, and it waits for an operator's approval", t.Version, t.Code, latest)
	}
	return fmt.Sprintf("catalogue files hold version %d of %s, newer than the published %d and compatible: "+
		"publish it with credex catalog publish", t.Version, t.Code, latest)
}

// span names the versions from to to.
func span(from, to int) string {
	if from == to {
		return fmt.Sprintf("version %d", from)
	}
	return fmt.Sprintf("versions %d to %d", from, to)
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
		h.versions = append(h.versions, Version{Version: v.Version, PublishedAt: v.PublishedAt, PublishedBy: v.PublishedBy,
			ApprovedBy: v.ApprovedBy})
		h.latest = t // versions come oldest first
	}
	proposals, err := r.store.CatalogProposals(ctx)
	if err != nil {
		return err
	}
	for _, p := range proposals {
		t, err := catalog.ParseType(p.Definition)
		if err != nil {
			return fmt.Errorf("proposed %s version %d: %w", p.Code, p.Version, err)
		}
		h := s.types[p.Code]
		if h == nil {
			return fmt.Errorf("proposed %s version %d: the type has no published version", p.Code, p.Version)
		}
		h.pending = &Proposal{Version: p.Version, ProposedAt: p.ProposedAt, ProposedBy: p.ProposedBy,
			Policy: catalog.PolicyDiff(h.latest, t), Type: t}
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

// TypeVersion returns one published version of a record type; a version
// waiting for approval is not one.
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

// Pending returns the version of a record type that waits for approval,
// and whether there is one.
func (r *Registry) Pending(code string) (*Proposal, bool) {
	h, ok := r.snap.Load().types[code]
	if !ok || h.pending == nil {
		return nil, false
	}
	return h.pending, true
}

// Spans returns the periods during which the versions of a record type
// were in force, oldest first, each starting when its version took effect
// and ending when the next did. They cover all time: the first starts at
// the zero time, the last has no end.
func (r *Registry) Spans(code string) []Span {
	h, ok := r.snap.Load().types[code]
	if !ok {
		return nil
	}
	spans := make([]Span, len(h.versions))
	for i, v := range h.versions {
		spans[i].Type = h.byVersion[v.Version]
		if i > 0 {
			spans[i].From = v.PublishedAt
			spans[i-1].Until = v.PublishedAt
		}
	}
	return spans
}

// Publish registers t as a new version of its record type. The version
// number is t.Version: the next one after the latest, or any for a new type.
// Publishing the latest version again is a no-op. A version incompatible
// with the earlier ones under t's mode is refused with an
// *IncompatibleError.
//
// A version of an existing type that widens its policy is stored as
// waiting for approval (Published.Pending) and does not take effect; while
// it waits, publishing it again is a no-op and any other version is
// refused with ErrApprovalPending. A new type, and a version that does not
// widen, take effect at once.
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
	err = r.store.PublishCatalogVersion(ctx, t.Code, func(earlier []store.CatalogVersion, pending *store.CatalogProposal) (*store.CatalogVersion, bool, error) {
		res = Published{Version: t.Version}
		next := &store.CatalogVersion{Code: t.Code, Version: t.Version, Definition: def, PublishedBy: by}
		if len(earlier) == 0 {
			return next, false, nil
		}
		if pending != nil {
			if t.Version == pending.Version && sameJSON(def, pending.Definition) {
				res.Unchanged, res.Pending = true, true
				return nil, false, nil
			}
			return nil, false, fmt.Errorf("%w: %s version %d waits for an operator's approval; it must be approved or rejected before another version is published",
				ErrApprovalPending, t.Code, pending.Version)
		}
		last := earlier[len(earlier)-1]
		switch {
		case t.Version == last.Version && sameJSON(def, last.Definition):
			res.Unchanged = true
			return nil, false, nil
		case t.Version <= last.Version:
			return nil, false, fmt.Errorf("%w: %s version %d is published already with other content; publish it as version %d",
				ErrVersionConflict, t.Code, t.Version, last.Version+1)
		case t.Version != last.Version+1:
			return nil, false, fmt.Errorf("%w: %s version %d skips versions; the next one is %d",
				ErrVersionConflict, t.Code, t.Version, last.Version+1)
		}
		types := make([]*catalog.RecordType, len(earlier))
		schemas := make([]json.RawMessage, len(earlier))
		for i, v := range earlier {
			old, err := catalog.ParseType(v.Definition)
			if err != nil {
				return nil, false, fmt.Errorf("published %s version %d: %w", v.Code, v.Version, err)
			}
			types[i], schemas[i] = old, old.Schema
		}
		breaking, err := compat.Check(mode, schemas, t.Schema)
		if err != nil {
			return nil, false, err
		}
		if len(breaking) > 0 {
			return nil, false, &IncompatibleError{Mode: mode, Changes: breaking}
		}
		if res.Changes, err = compat.Diff(schemas[len(schemas)-1], t.Schema); err != nil {
			return nil, false, err
		}
		res.Policy = catalog.PolicyDiff(types[len(types)-1], t)
		res.Pending = len(catalog.Widening(res.Policy)) > 0
		return next, res.Pending, nil
	})
	r.count(err, res)
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

// Approve makes the version of a record type that waits for approval its
// current version, on this hub at once and on the others within their
// refresh interval. d.By must be an operator other than the proposer
// (ErrOwnProposal); a version that does not wait is ErrNotPending.
func (r *Registry) Approve(ctx context.Context, code string, version int, d Decision) error {
	return r.decide(ctx, code, version, true, d)
}

// Reject sets aside the version of a record type that waits for approval,
// with d.Reason; the type keeps its current version, and the maintainers
// may publish another. Errors as for Approve.
func (r *Registry) Reject(ctx context.Context, code string, version int, d Decision) error {
	return r.decide(ctx, code, version, false, d)
}

func (r *Registry) decide(ctx context.Context, code string, version int, approve bool, d Decision) error {
	err := r.store.DecideCatalogProposal(ctx, code, func(p *store.CatalogProposal) (*store.CatalogDecision, error) {
		switch {
		case p == nil || p.Version != version:
			return nil, fmt.Errorf("%w: %s version %d", ErrNotPending, code, version)
		case p.ProposedBy == d.By:
			return nil, fmt.Errorf("%w: %s proposed %s version %d", ErrOwnProposal, d.By, code, version)
		}
		return &store.CatalogDecision{Approve: approve, By: d.By, Reason: d.Reason, Audit: d.Audit}, nil
	})
	if err != nil {
		return err
	}
	return r.Refresh(ctx)
}

func (r *Registry) count(err error, res Published) {
	result := "published"
	switch {
	case errors.Is(err, ErrIncompatible):
		result = "incompatible"
	case errors.Is(err, ErrVersionConflict), errors.Is(err, ErrApprovalPending):
		result = "conflict"
	case err != nil:
		result = "error"
	case res.Unchanged:
		result = "unchanged"
	case res.Pending:
		result = "pending"
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
