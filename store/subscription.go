package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	qSubscriptionByID      = query("subscription_by_id")
	qSubscriptionList      = query("subscription_list")
	qSubscriptionStatus    = query("subscription_status")
	qSubscriptionAddSecret = query("subscription_add_secret")
	qSubscriptionCursorAt  = query("subscription_cursor_at")
	qSubscriptionRedeliver = query("subscription_redeliver")
	qSubscriptionDueNow    = query("subscription_due_now")
	qSubscriptionRelease   = query("subscription_release")
	qSubscriptionDelivered = query("subscription_delivered")
	qSubscriptionFailed    = query("subscription_failed")
)

// Subscription is an agency's standing request for the events of some
// record types.
type Subscription struct {
	ID          string
	Agency      string
	Types       []string
	Departments []string // filter: source department codes; empty means all
	Mode        string   // webhook, pull or kafka
	URL         string   // webhook endpoint
	Secrets     []string // webhook signing secrets, newest first
	FullIDTypes []string // types whose ID numbers the agency sees in full
	Status      string   // active, pending_approval or disabled
	Reason      string   // why it is disabled
	CreatedAt   time.Time
}

// Event is an event owed to a subscription.
type Event struct {
	Seq            int64 // position in the subscription's stream; the pull cursor
	Status         string
	Attempts       int
	LastError      string
	ID             string
	Type           string
	RecordID       string
	Version        int
	RecordType     string
	Department     string
	SubjectKey     string
	Sequence       int64 // per subject
	CatalogVersion int
	Data           []byte
	CreatedAt      time.Time
	Reason         string // why the change was made, for corrections and the like
	Disputed       bool   // the record is disputed as of this version
}

// Statuses of an event owed to a subscription.
const (
	Pending   = "pending"
	Delivered = "delivered"
	Dead      = "dead"
)

// CreateSubscription stores sub and sets its CreatedAt.
func (s *Store) CreateSubscription(ctx context.Context, sub *Subscription) error {
	err := s.pool.QueryRow(ctx, qSubscriptionInsert, sub.ID, sub.Agency, sub.Types, nonNil(sub.Departments),
		sub.Mode, sub.URL, nonNil(sub.Secrets), nonNil(sub.FullIDTypes), sub.Status).Scan(&sub.CreatedAt)
	if err != nil {
		return fmt.Errorf("create subscription: %w", err)
	}
	return nil
}

// Subscription returns one subscription, or ErrNotFound.
func (s *Store) Subscription(ctx context.Context, id string) (*Subscription, error) {
	subs, err := collectSubscriptions(s.pool.Query(ctx, qSubscriptionByID, id))
	if err != nil {
		return nil, fmt.Errorf("read subscription: %w", err)
	}
	if len(subs) == 0 {
		return nil, ErrNotFound
	}
	return &subs[0], nil
}

// Subscriptions returns the subscriptions of an agency, or every one when
// agency is empty, oldest first.
func (s *Store) Subscriptions(ctx context.Context, agency string) ([]Subscription, error) {
	subs, err := collectSubscriptions(s.pool.Query(ctx, qSubscriptionList, agency))
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return subs, nil
}

// SetSubscriptionStatus changes a subscription's status, with a reason.
func (s *Store) SetSubscriptionStatus(ctx context.Context, id, status, reason string) error {
	return s.exec1(ctx, qSubscriptionStatus, id, status, reason)
}

// AddSecret makes secret the newest signing secret of a subscription and
// keeps the one before it, so that receivers can switch over.
func (s *Store) AddSecret(ctx context.Context, id, secret string) error {
	return s.exec1(ctx, qSubscriptionAddSecret, id, secret)
}

// Events returns up to limit events of a subscription after seq, in order,
// of the given statuses (all when none are given).
func (s *Store) Events(ctx context.Context, id string, after int64, limit int, statuses ...string) ([]Event, error) {
	return s.events(ctx, qSubscriptionEvents, id, after, nonNil(statuses), limit)
}

// PendingEvents returns up to limit of the events a subscription still owes,
// in order, in time that grows with them, not with its history.
func (s *Store) PendingEvents(ctx context.Context, id string, limit int) ([]Event, error) {
	return s.events(ctx, qSubscriptionPending, id, limit)
}

func (s *Store) events(ctx context.Context, query string, args ...any) ([]Event, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Event, error) {
		var e Event
		err := row.Scan(&e.Seq, &e.Status, &e.Attempts, &e.LastError, &e.ID, &e.Type, &e.RecordID, &e.Version,
			&e.RecordType, &e.Department, &e.SubjectKey, &e.Sequence, &e.CatalogVersion, &e.Data, &e.CreatedAt,
			&e.Reason, &e.Disputed)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return events, nil
}

// CursorAt returns the cursor just before the first event of a subscription
// created at or after t.
func (s *Store) CursorAt(ctx context.Context, id string, t time.Time) (int64, error) {
	var seq int64
	err := s.pool.QueryRow(ctx, qSubscriptionCursorAt, id, t).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("find cursor: %w", err)
	}
	return seq, nil
}

// Redeliver makes the events of a subscription after seq that have the
// given statuses pending again, with no attempts, and returns how many.
func (s *Store) Redeliver(ctx context.Context, id string, after int64, statuses ...string) (int64, error) {
	tag, err := s.pool.Exec(ctx, qSubscriptionRedeliver, id, after, statuses)
	if err != nil {
		return 0, fmt.Errorf("redeliver: %w", err)
	}
	if _, err := s.pool.Exec(ctx, qSubscriptionDueNow, id); err != nil {
		return 0, fmt.Errorf("redeliver: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Claim leases the subscription of a mode that has waited longest for a due
// delivery, for lease; ErrNotFound when none is due.
func (s *Store) Claim(ctx context.Context, mode string, lease time.Duration) (*Subscription, error) {
	subs, err := collectSubscriptions(s.pool.Query(ctx, qSubscriptionClaim, mode, lease))
	if err != nil {
		return nil, fmt.Errorf("claim subscription: %w", err)
	}
	if len(subs) == 0 {
		return nil, ErrNotFound
	}
	return &subs[0], nil
}

// Release ends a lease; the subscription's next delivery is due at next.
func (s *Store) Release(ctx context.Context, id string, next time.Time) error {
	return s.exec1(ctx, qSubscriptionRelease, id, next)
}

// MarkDelivered records the successful delivery of events, by their seq.
func (s *Store) MarkDelivered(ctx context.Context, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	return s.exec1(ctx, qSubscriptionDelivered, seqs)
}

// MarkFailed records a failed attempt; dead moves the event to the
// subscription's dead-letter list.
func (s *Store) MarkFailed(ctx context.Context, seq int64, reason string, dead bool) error {
	status := Pending
	if dead {
		status = Dead
	}
	return s.exec1(ctx, qSubscriptionFailed, seq, status, reason)
}

// Backlog is the undelivered part of one subscription.
type Backlog struct {
	Subscription string
	Pending      int64
	Oldest       time.Time // creation of the oldest pending event; now when none
}

// Backlogs returns the backlog of every pushed subscription that is not
// disabled. A pull subscription keeps no delivery state: its reader holds
// the cursor.
func (s *Store) Backlogs(ctx context.Context) ([]Backlog, error) {
	rows, err := s.pool.Query(ctx, qSubscriptionBacklog)
	if err != nil {
		return nil, fmt.Errorf("read backlogs: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Backlog, error) {
		var b Backlog
		err := row.Scan(&b.Subscription, &b.Pending, &b.Oldest)
		return b, err
	})
}

// exec1 runs a statement that must change exactly one row.
func (s *Store) exec1(ctx context.Context, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

func collectSubscriptions(rows pgx.Rows, err error) ([]Subscription, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Subscription, error) {
		var s Subscription
		err := row.Scan(&s.ID, &s.Agency, &s.Types, &s.Departments, &s.Mode, &s.URL, &s.Secrets,
			&s.FullIDTypes, &s.Status, &s.Reason, &s.CreatedAt)
		return s, err
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
