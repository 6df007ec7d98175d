package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/audit"
)

var (
	qCatalogProposalsPending  = query("catalog_proposals_pending")
	qCatalogProposalPendingOf = query("catalog_proposal_pending_of")
	qCatalogProposalInsert    = query("catalog_proposal_insert")
	qCatalogProposalDecide    = query("catalog_proposal_decide")
)

// CatalogVersion is one published version of a record type.
type CatalogVersion struct {
	Code       string
	Version    int
	Definition []byte // the record type's JSON: rules, schema, example
	// PublishedAt is when the version took effect: when it was published,
	// or, for a version that waited for approval, when it was approved.
	PublishedAt time.Time
	PublishedBy string
	// ApprovedBy is the operator who approved the version, or empty for
	// one that took effect when it was published.
	ApprovedBy string
}

// CatalogProposal is a version of a record type that waits for an
// operator's approval before it takes effect.
type CatalogProposal struct {
	ID         int64
	Code       string
	Version    int
	Definition []byte
	ProposedAt time.Time
	ProposedBy string
}

// CatalogDecision is an operator's decision on a CatalogProposal.
type CatalogDecision struct {
	// Approve makes the proposal a published version; otherwise it is
	// rejected.
	Approve bool
	// By is the operator; Reason why, for a rejection.
	By, Reason string
	// Audit are appended to the audit log in the decision's transaction.
	Audit []audit.Entry
}

// CatalogVersions returns every published version, by code and version.
func (s *Store) CatalogVersions(ctx context.Context) ([]CatalogVersion, error) {
	versions, err := collectVersions(s.pool.Query(ctx, qCatalogVersions))
	if err != nil {
		return nil, fmt.Errorf("read catalogue versions: %w", err)
	}
	return versions, nil
}

// CatalogProposals returns the versions that wait for approval, by code.
func (s *Store) CatalogProposals(ctx context.Context) ([]CatalogProposal, error) {
	proposals, err := collectProposals(s.pool.Query(ctx, qCatalogProposalsPending))
	if err != nil {
		return nil, fmt.Errorf("read catalogue proposals: %w", err)
	}
	return proposals, nil
}

// PublishCatalogVersion runs decide with the published versions of code,
// oldest first, and the version of code that waits for approval, if any,
// while no one else publishes or decides on that code. It stores the
// version decide returns, if any: published at once, or, when decide says
// hold, as a proposal waiting for an operator's approval. A type has at
// most one proposal waiting: holding another fails.
func (s *Store) PublishCatalogVersion(ctx context.Context, code string,
	decide func(earlier []CatalogVersion, pending *CatalogProposal) (next *CatalogVersion, hold bool, err error)) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		earlier, pending, err := lockCatalogType(ctx, tx, code)
		if err != nil {
			return err
		}
		next, hold, err := decide(earlier, pending)
		if err != nil || next == nil {
			return err
		}
		if hold {
			if _, err := tx.Exec(ctx, qCatalogProposalInsert, next.Code, next.Version, string(next.Definition), next.PublishedBy); err != nil {
				return fmt.Errorf("hold %s version %d: %w", next.Code, next.Version, err)
			}
			return nil
		}
		if _, err := tx.Exec(ctx, qCatalogVersionInsert, next.Code, next.Version, string(next.Definition), next.PublishedBy, ""); err != nil {
			return fmt.Errorf("store %s version %d: %w", next.Code, next.Version, err)
		}
		return nil
	})
}

// DecideCatalogProposal runs decide with the version of code that waits for
// approval, or nil when none does, while no one else publishes or decides
// on that code, and applies the decision decide returns, if any, with its
// audit entries, in one transaction: an approved version is published,
// dated now and naming its proposer as publisher; a rejected one is set
// aside with its reason. Nothing is decided unless the audit log takes the
// entries.
func (s *Store) DecideCatalogProposal(ctx context.Context, code string,
	decide func(pending *CatalogProposal) (*CatalogDecision, error)) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, pending, err := lockCatalogType(ctx, tx, code)
		if err != nil {
			return err
		}
		d, err := decide(pending)
		if err != nil || d == nil {
			return err
		}
		if pending == nil {
			return fmt.Errorf("decide on %s: no version waits for approval", code)
		}
		status := "rejected"
		if d.Approve {
			status = "approved"
			if _, err := tx.Exec(ctx, qCatalogVersionInsert, pending.Code, pending.Version, string(pending.Definition),
				pending.ProposedBy, d.By); err != nil {
				return fmt.Errorf("publish %s version %d: %w", pending.Code, pending.Version, err)
			}
		}
		if _, err := tx.Exec(ctx, qCatalogProposalDecide, pending.ID, status, d.By, d.Reason); err != nil {
			return fmt.Errorf("decide on %s version %d: %w", pending.Code, pending.Version, err)
		}
		if err := appendAudit(ctx, tx, d.Audit); err != nil {
			return fmt.Errorf("decide on %s version %d: audit log: %w", pending.Code, pending.Version, err)
		}
		return nil
	})
}

// lockCatalogType takes the lock of one record type code until tx ends
// and reads its published versions and its pending proposal, if any.
func lockCatalogType(ctx context.Context, tx pgx.Tx, code string) ([]CatalogVersion, *CatalogProposal, error) {
	if _, err := tx.Exec(ctx, qCatalogLock, code); err != nil {
		return nil, nil, fmt.Errorf("lock catalogue type %s: %w", code, err)
	}
	earlier, err := collectVersions(tx.Query(ctx, qCatalogVersionOf, code))
	if err != nil {
		return nil, nil, fmt.Errorf("read versions of %s: %w", code, err)
	}
	pending, err := collectProposals(tx.Query(ctx, qCatalogProposalPendingOf, code))
	if err != nil {
		return nil, nil, fmt.Errorf("read proposal of %s: %w", code, err)
	}
	if len(pending) == 0 {
		return earlier, nil, nil
	}
	return earlier, &pending[0], nil
}

func collectVersions(rows pgx.Rows, err error) ([]CatalogVersion, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CatalogVersion, error) {
		var v CatalogVersion
		var def string
		err := row.Scan(&v.Code, &v.Version, &def, &v.PublishedAt, &v.PublishedBy, &v.ApprovedBy)
		v.Definition = []byte(def)
		return v, err
	})
}

func collectProposals(rows pgx.Rows, err error) ([]CatalogProposal, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CatalogProposal, error) {
		var p CatalogProposal
		var def string
		err := row.Scan(&p.ID, &p.Code, &p.Version, &def, &p.ProposedAt, &p.ProposedBy)
		p.Definition = []byte(def)
		return p, err
	})
}
