package store

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/audit"
)

var (
	qAuditHeadLock   = query("audit_head_lock")
	qAuditHead       = query("audit_head")
	qAuditHeadUpdate = query("audit_head_update")
	qAuditInsert     = query("audit_insert")
	qAuditEntries    = query("audit_entries")
	qAuditBySubject  = query("audit_by_subject")
	qAuditAbout      = query("audit_about")
)

// auditPage is how many entries AuditLog reads at a time.
const auditPage = 1000

var _ audit.Log = audit.LogFunc((*Store)(nil).AppendAudit)

// AppendAudit appends entries to the audit log, in order and all or none,
// chaining each to the one before (audit.Head.Next); an entry without a time
// gets the time of the call. It returns once the transaction has committed.
//
// Appends serialise on the lock of the log's head row, so any number of
// goroutines and hub instances may append at once: the chain never forks
// and seq has no gaps. The appends of a process that wait for the lock at
// the same time are committed together, in one transaction (group commit),
// each call's entries still together and in order; a call returns the
// outcome of its group. Use it as an audit.Log with
// audit.LogFunc(st.AppendAudit).
func (s *Store) AppendAudit(ctx context.Context, entries ...audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	now := time.Now()
	entries = slices.Clone(entries)
	for i := range entries {
		if entries[i].At.IsZero() {
			entries[i].At = now
		}
		if err := entries[i].Validate(); err != nil {
			return fmt.Errorf("append audit log: entry %d: %w", i, err)
		}
	}
	call := &auditCall{entries: entries, done: make(chan error, 1)}
	if s.audits.join(call) {
		// This call's group commits on this goroutine; the appends that
		// queue meanwhile commit on another, group by group.
		s.commitAuditGroup(s.audits.next())
		go s.commitAudits()
	}
	select {
	case err := <-call.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("append audit log: %w", ctx.Err())
	}
}

// auditGroup gathers the appends waiting to be committed.
type auditGroup struct {
	mu      sync.Mutex
	waiting []*auditCall
	// committing: commitAudits runs, and will commit the waiting appends.
	committing bool
}

// auditCall is one call of AppendAudit.
type auditCall struct {
	entries []audit.Entry
	done    chan error
}

// join queues call and reports whether to start committing: when nothing
// commits already.
func (g *auditGroup) join(call *auditCall) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.waiting = append(g.waiting, call)
	if g.committing {
		return false
	}
	g.committing = true
	return true
}

// next returns the appends waiting; none when there are none left, and
// then committing stops.
func (g *auditGroup) next() []*auditCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	calls := g.waiting
	g.waiting = nil
	g.committing = len(calls) > 0
	return calls
}

// commitAudits commits the waiting appends a group at a time until none
// are left.
func (s *Store) commitAudits() {
	for calls := s.audits.next(); len(calls) > 0; calls = s.audits.next() {
		s.commitAuditGroup(calls)
	}
}

// commitAuditGroup appends the entries of calls in one transaction, without
// any caller's context: the group is many callers', and tells each the
// outcome.
func (s *Store) commitAuditGroup(calls []*auditCall) {
	var entries []audit.Entry
	for _, c := range calls {
		entries = append(entries, c.entries...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return appendAudit(ctx, tx, entries) })
	if err != nil {
		err = fmt.Errorf("append audit log: %w", err)
	}
	for _, c := range calls {
		c.done <- err
	}
}

// appendAudit appends entries to the audit log in tx, as AppendAudit
// does; the head row stays locked until tx ends. A change that must not
// happen unlogged appends its entries in its own transaction with it.
func appendAudit(ctx context.Context, tx pgx.Tx, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	entries = slices.Clone(entries)
	now := time.Now()
	for i := range entries {
		if entries[i].At.IsZero() {
			entries[i].At = now
		}
		if err := entries[i].Validate(); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	n := len(entries)
	var (
		seq                                  = make([]int64, n)
		at                                   = make([]time.Time, n)
		who, kind, action, resource, subject = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		purpose, result, prevHash, hash      = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	)
	var head audit.Head
	if err := tx.QueryRow(ctx, qAuditHeadLock).Scan(&head.Seq, &head.Hash); err != nil {
		return fmt.Errorf("lock head: %w", err)
	}
	for i, e := range entries {
		st := head.Next(e)
		seq[i], at[i], who[i], kind[i], action[i], resource[i] = st.Seq, st.At, st.Principal, st.Kind, st.Action, st.Resource
		subject[i], purpose[i], result[i], prevHash[i], hash[i] = st.Subject, st.Purpose, st.Result, st.PrevHash, st.Hash
		head = st.Head()
	}
	b := &pgx.Batch{}
	b.Queue(qAuditInsert, seq, at, who, kind, action, resource, subject, purpose, result, prevHash, hash)
	b.Queue(qAuditHeadUpdate, head.Seq, head.Hash)
	return tx.SendBatch(ctx, b).Close()
}

// AuditHead returns the head of the audit log: its last entry's seq and
// hash as the last append recorded them.
func (s *Store) AuditHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	if err := s.pool.QueryRow(ctx, qAuditHead).Scan(&h.Seq, &h.Hash); err != nil {
		return h, fmt.Errorf("read audit head: %w", err)
	}
	return h, nil
}

// AuditEntries returns up to limit entries of the audit log with a seq
// greater than after, in order of seq.
func (s *Store) AuditEntries(ctx context.Context, after int64, limit int) ([]audit.Stored, error) {
	entries, err := collectAudit(s.pool.Query(ctx, qAuditEntries, after, limit))
	if err != nil {
		return nil, fmt.Errorf("read audit log after %d: %w", after, err)
	}
	return entries, nil
}

// AuditBySubject returns, in order, the entries about the person whose
// keyed ID number hash (audit.Subject) is subject: who accessed their
// records, when, why and with what result. Entries from before a rotation
// of the subject key, under the person's earlier hashes, are among them.
func (s *Store) AuditBySubject(ctx context.Context, subject string) ([]audit.Stored, error) {
	entries, err := collectAudit(s.pool.Query(ctx, qAuditBySubject, subject))
	if err != nil {
		return nil, fmt.Errorf("read audit log by subject: %w", err)
	}
	return entries, nil
}

// AuditAbout returns up to limit entries about subject (see AuditBySubject)
// with a seq below before, or from the newest when before is 0, newest
// first: a page of a person's access log.
func (s *Store) AuditAbout(ctx context.Context, subject string, before int64, limit int) ([]audit.Stored, error) {
	entries, err := collectAudit(s.pool.Query(ctx, qAuditAbout, subject, before, limit))
	if err != nil {
		return nil, fmt.Errorf("read audit log by subject: %w", err)
	}
	return entries, nil
}

// AuditLog yields the entries of the audit log from seq 1 through through,
// in order, reading a page at a time; it stops at the first error, which it
// yields. Give it the seq of a head read before (AuditHead), so that
// entries appended meanwhile are left for a later verification.
func (s *Store) AuditLog(ctx context.Context, through int64) iter.Seq2[audit.Stored, error] {
	return func(yield func(audit.Stored, error) bool) {
		for after := int64(0); after < through; {
			page, err := s.AuditEntries(ctx, after, int(min(auditPage, through-after)))
			if err != nil {
				yield(audit.Stored{}, err)
				return
			}
			for _, e := range page {
				if e.Seq > through || !yield(e, nil) {
					return
				}
			}
			if len(page) == 0 {
				return
			}
			after = page[len(page)-1].Seq
		}
	}
}

func collectAudit(rows pgx.Rows, err error) ([]audit.Stored, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (audit.Stored, error) {
		var e audit.Stored
		err := row.Scan(&e.Seq, &e.At, &e.Principal, &e.Kind, &e.Action, &e.Resource, &e.Subject,
			&e.Purpose, &e.Result, &e.PrevHash, &e.Hash)
		e.At = e.At.UTC()
		return e, err
	})
}
