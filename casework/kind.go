package casework

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/internal/param"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
)

// kindInfo is what the service knows of one kind of case.
type kindInfo struct {
	// name is how logs and escalations name the kind: objection, repair.
	name string
	// read, list and decide are the actions of the authorisation matrix.
	read, list, decide authz.Action
	// filed, readAudit, listed and decided are the actions of the audit log.
	filed, readAudit, listed, decided string
	// open and closed are the states of open and closed cases, in order.
	open, closed []lifecycle.Status
	// outsider is what a caller whose kind may not decide is told.
	outsider error
	// gauge describes the number of the kind's overdue cases; overdue
	// picks it out of a count.
	gauge   *prometheus.Desc
	overdue func(store.OverdueCount) int
}

// kind is kindInfo with the types of one kind of case: objections (C is
// store.Objection, A Objection) or repair applications (store.Repair and
// Repair). Reading, listing and deciding go the same way for both.
type kind[C, A any] struct {
	kindInfo
	get  func(ctx context.Context, id string) (*C, error)
	find func(ctx context.Context, q store.CaseQuery) ([]C, error)
	move func(ctx context.Context, id string, move func(*store.Ledger, *C) error) error
	// head returns what every case has.
	head func(*C) head
	// answer is c as the service answers it at now.
	answer func(c *C, now time.Time) *A
}

// head is what every case has, whatever its kind.
type head struct {
	id, recordID string
	// department decides the case; tokenHash is the hash of the tracking
	// token of the person who filed it; subjectKey is its record's subject.
	department, tokenHash, subjectKey string
	// key is its place in lists.
	key store.CaseKey
	// result is how it was decided: an objection's outcome, an
	// application's status.
	result string
}

// read returns the case of this id to the holder of credential: the
// tracking token of the person who filed it, or the API key of its
// department or of an operator, if the authorisation matrix lets their kind
// read it. A credential that is neither the case's token nor a key is told
// ErrBadCredential, whether or not the case exists; another principal is
// told ErrNotFound, as for an id that does not exist; so ids and tokens
// cannot be probed. The read is in the audit log.
func read[C, A any](ctx context.Context, s *Service, k *kind[C, A], id, credential string) (*A, error) {
	c, err := k.get(ctx, id)
	missing := errors.Is(err, store.ErrNotFound)
	if err != nil && !missing {
		return nil, err
	}
	var entry audit.Entry
	if !missing {
		h := k.head(c)
		entry = audit.Entry{Action: k.readAudit, Resource: h.id, Subject: h.subjectKey, Result: audit.OK}
	}
	if !missing && sameToken(credential, k.head(c).tokenHash) {
		entry.Kind = audit.Person
	} else {
		p, err := s.store.PrincipalByKey(ctx, credential)
		switch {
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrKeyExpired):
			// Neither this case's token nor a key: whether the case
			// exists is not said.
			return nil, ErrBadCredential
		case err != nil:
			return nil, err
		case missing:
			return nil, ErrNotFound
		case !mayRead(p, &k.kindInfo, k.head(c)):
			return nil, ErrNotFound
		}
		entry.Principal, entry.Kind = p.Name, string(p.Kind)
	}
	if err := s.logAccess(ctx, entry); err != nil {
		return nil, err
	}
	return k.answer(c, s.now()), nil
}

// readFor returns the case of this id to ctx's principal, when the
// authorisation matrix lets its kind read it and it is the case's
// department or an operator; anyone else is told ErrNotFound, as for an id
// that does not exist. The read is in the audit log.
func readFor[C, A any](ctx context.Context, s *Service, k *kind[C, A], id string) (*A, *C, error) {
	p := principal.From(ctx)
	c, err := k.get(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil, ErrNotFound
	case err != nil:
		return nil, nil, err
	case p == nil || !mayRead(p, &k.kindInfo, k.head(c)):
		return nil, nil, ErrNotFound
	}
	h := k.head(c)
	entry := audit.Entry{Principal: p.Name, Kind: string(p.Kind), Action: k.readAudit, Resource: h.id, Subject: h.subjectKey, Result: audit.OK}
	if err := s.logAccess(ctx, entry); err != nil {
		return nil, nil, err
	}
	return k.answer(c, s.now()), c, nil
}

// mayRead reports whether p may read a case with head h: a kind the
// authorisation matrix lets read it, and its department or an operator.
func mayRead(p *principal.Principal, k *kindInfo, h head) bool {
	return authz.Allowed(p.Kind, k.read, nil) && (p.Kind == principal.Operator || p.Code == h.department)
}

// Query is a list query as its user writes it: each field the value of a
// parameter, empty when it is not given.
type Query struct {
	// Status keeps open or closed cases, or those in one state of their
	// kind.
	Status string
	// Overdue, "true", keeps the open cases past their deadline now; empty
	// or "false" keeps all.
	Overdue string
	// Limit is the most cases of the page: a number from 1 to MaxLimit;
	// DefaultLimit when empty.
	Limit string
	// After is the Next of the page before; empty for the first page.
	After string
}

// The bounds of a page.
const (
	DefaultLimit = 500
	MaxLimit     = 1000
)

// Page is a page of a list, oldest first.
type Page[A any] struct {
	Cases []A
	// Next reads the following page as Query.After; empty on the last page.
	Next string
}

// list returns a page of the cases q selects among those the caller may
// list: a department's own, every department's for operators. The cases
// listed are in the audit log.
func list[C, A any](ctx context.Context, s *Service, k *kind[C, A], q Query) (*Page[A], error) {
	p := principal.From(ctx)
	if p == nil || !authz.Allowed(p.Kind, k.list, nil) {
		return nil, ErrNotPermitted
	}
	sq, limit, err := s.parse(&k.kindInfo, q)
	if err != nil {
		return nil, err
	}
	if p.Kind != principal.Operator {
		sq.Department = p.Code
	}
	sq.Limit = limit + 1 // one more tells whether a page follows
	cases, err := k.find(ctx, sq)
	if err != nil {
		return nil, err
	}
	page := &Page[A]{Cases: make([]A, 0, min(len(cases), limit))}
	if len(cases) > limit {
		cases = cases[:limit]
		page.Next = cursor(k.head(&cases[limit-1]).key)
	}
	entries := make([]audit.Entry, len(cases))
	for i := range cases {
		h := k.head(&cases[i])
		entries[i] = audit.Entry{Action: k.listed, Resource: h.id, Subject: h.subjectKey, Result: audit.OK}
	}
	if err := s.logAccess(ctx, entries...); err != nil {
		return nil, err
	}
	now := s.now()
	for i := range cases {
		page.Cases = append(page.Cases, *k.answer(&cases[i], now))
	}
	return page, nil
}

// parse reads a list query of kind k.
func (s *Service) parse(k *kindInfo, q Query) (store.CaseQuery, int, error) {
	var sq store.CaseQuery
	states := append(append([]lifecycle.Status{}, k.open...), k.closed...)
	switch st := lifecycle.Status(q.Status); {
	case st == "":
	case st == "open":
		sq.Statuses = k.open
	case st == "closed":
		sq.Statuses = k.closed
	case slices.Contains(states, st):
		sq.Statuses = []lifecycle.Status{st}
	default:
		names := make([]string, len(states))
		for i, st := range states {
			names[i] = string(st)
		}
		return sq, 0, &InvalidParameter{"status", "status is one of open, closed, " +
			strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]}
	}
	switch q.Overdue {
	case "", "false":
	case "true":
		sq.OverdueAt = s.now()
	default:
		return sq, 0, &InvalidParameter{"overdue", "overdue must be true or false"}
	}
	limit := DefaultLimit
	if q.Limit != "" {
		n, ok := param.Int(q.Limit, 1, MaxLimit)
		if !ok {
			return sq, 0, &InvalidParameter{"limit", "limit is a number from 1 to " + strconv.Itoa(MaxLimit) +
				" (default " + strconv.Itoa(DefaultLimit) + ")"}
		}
		limit = int(n)
	}
	var ok bool
	if sq.After, ok = parseCursor(q.After); !ok {
		return sq, 0, &InvalidParameter{"after", "after must be the next of an earlier page"}
	}
	return sq, limit, nil
}

// cursor is the After of the page that follows the case at key: the
// time the case was filed, in microseconds since 1970 (the database's
// precision), a dot, and its id.
func cursor(key store.CaseKey) string {
	return strconv.FormatInt(key.Filed.UnixMicro(), 10) + "." + key.ID
}

// cursorForm is the form of a cursor, as the API document states it.
var cursorForm = regexp.MustCompile(`^[0-9]{1,18}\.[a-z0-9_]{1,64}$`)

// parseCursor reads a cursor; the empty cursor is the zero key.
func parseCursor(s string) (store.CaseKey, bool) {
	if s == "" {
		return store.CaseKey{}, true
	}
	if !cursorForm.MatchString(s) {
		return store.CaseKey{}, false
	}
	at, id, _ := strings.Cut(s, ".")
	micros, _ := strconv.ParseInt(at, 10, 64) // at most 18 digits
	return store.CaseKey{Filed: time.UnixMicro(micros).UTC(), ID: id}, true
}

// decide moves the case of this id for the caller, its department, with
// move, after refusing callers of other kinds with k.outsider and then,
// when not nil, with refusal: a request the service refuses before it looks
// the case up. Another department is told ErrNotFound, as for an id that
// does not exist; a case decided already, ErrClosed. The decision is in
// the audit log.
func decide[C, A any](ctx context.Context, s *Service, k *kind[C, A], id string, refusal error,
	move func(l *store.Ledger, c *C, by *principal.Principal) error) (*A, error) {
	p := principal.From(ctx)
	if p == nil || !authz.Allowed(p.Kind, k.decide, nil) {
		return nil, k.outsider
	}
	if refusal != nil {
		return nil, refusal
	}
	var decided *C
	err := k.move(ctx, id, func(l *store.Ledger, c *C) error {
		if k.head(c).department != p.Code {
			return ErrNotFound
		}
		if err := move(l, c, p); err != nil {
			return err
		}
		decided = c
		return nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrNotFound
	case errors.Is(err, lifecycle.ErrIllegalMove):
		return nil, ErrClosed
	case err != nil:
		return nil, err
	}
	h := k.head(decided)
	s.log.InfoContext(ctx, k.name+" decided", k.name, h.id, "record", h.recordID, "result", h.result, "by", p.Name)
	if err := s.logAccess(ctx, audit.Entry{Action: k.decided, Resource: h.id, Subject: h.subjectKey, Result: h.result}); err != nil {
		return nil, err
	}
	return k.answer(decided, s.now()), nil
}
