package casework

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// Store keeps the cases and the records they are about. *store.Store
// implements it.
type Store interface {
	// PrincipalByKey returns the principal of an API key, or
	// store.ErrNotFound.
	PrincipalByKey(ctx context.Context, key string) (*principal.Principal, error)
	// RecordDisplay returns what a case needs of a record, or
	// store.ErrNotFound.
	RecordDisplay(ctx context.Context, id string) (*store.RecordDisplay, error)

	// FileObjection stores o and calls change with a Ledger of the same
	// transaction; it returns store.ErrCaseOpen when the record has an
	// open objection.
	FileObjection(ctx context.Context, o *store.Objection, change func(*store.Ledger) error) error
	// Objection returns one objection or store.ErrNotFound.
	Objection(ctx context.Context, id string) (*store.Objection, error)
	// Objections lists the objections q selects, oldest first.
	Objections(ctx context.Context, q store.CaseQuery) ([]store.Objection, error)
	// MoveObjection calls move with the objection locked and a Ledger of
	// the same transaction, and stores what move made of it when move
	// returns nil; it returns move's error as it is.
	MoveObjection(ctx context.Context, id string, move func(*store.Ledger, *store.Objection) error) error
	// ObjectionEvidence returns the content of a file of an objection's
	// evidence, or store.ErrNotFound.
	ObjectionEvidence(ctx context.Context, id string, position int) ([]byte, error)

	// FileRepair stores r with its files; it returns store.ErrCaseOpen
	// when the record has an application under review.
	FileRepair(ctx context.Context, r *store.Repair, files []store.RepairFile) error
	// Repair returns one application or store.ErrNotFound.
	Repair(ctx context.Context, id string) (*store.Repair, error)
	// Repairs lists the applications q selects, oldest first.
	Repairs(ctx context.Context, q store.CaseQuery) ([]store.Repair, error)
	// MoveRepair is MoveObjection for repair applications.
	MoveRepair(ctx context.Context, id string, move func(*store.Ledger, *store.Repair) error) error
	// RepairFile returns one file of an application, or store.ErrNotFound.
	RepairFile(ctx context.Context, id, list string, position int) (*store.RepairFile, error)

	// CountOverdue counts the open cases past their deadline at t.
	CountOverdue(ctx context.Context, t time.Time) (store.OverdueCount, error)
	// EscalateCases returns the open cases past their deadline at t that
	// no call returned before.
	EscalateCases(ctx context.Context, t time.Time) ([]store.OverdueCase, error)
}

var _ Store = (*store.Store)(nil)

// Catalog gives the record types, as published and in each version.
type Catalog interface {
	Type(code string) (*catalog.RecordType, bool)
	TypeVersion(code string, version int) (*catalog.RecordType, bool)
}

// Config is what a Service works with.
type Config struct {
	// Store keeps the cases.
	Store Store
	// Catalog validates corrected records and gives display periods.
	Catalog Catalog
	// Audit records every read and change of a case; required.
	Audit *audit.Recorder
	// SubjectKey keys the hash of ID numbers (record.SubjectKey), by which
	// the person of an ID token (idtoken.Subject) is found to be a
	// record's subject.
	SubjectKey []byte
	// Calendar counts the working days of deadlines; default
	// workday.Default().
	Calendar *workday.Calendar
	// Now is the clock of every move, deadline and overdue count; default
	// time.Now.
	Now func() time.Time
	// Registry, when set, gets the gauges of overdue cases.
	Registry prometheus.Registerer
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Errors the service answers with; callers branch on them with errors.Is.
// Besides these, a request with problems is refused with
// lifecycle.FieldErrors listing every one, a list query or a file's path
// with a bad parameter with *InvalidParameter, a repair application made too early
// with *TooEarlyError. Any other error means the database or the audit log
// did not answer.
var (
	// ErrNotSubject: no record with this id is about the person whose ID
	// token the request bears, or the filing names someone else; whether
	// the record, the name or the number was wrong is not said.
	ErrNotSubject = errors.New("no record with this id is about the person of the ID token and of this name and ID number")
	// ErrNotFound: no case with this id is visible to the caller.
	ErrNotFound = errors.New("no such case")
	// ErrBadCredential: the credential a case is read with is neither an
	// API key nor this case's tracking token; whether the case exists is
	// not said.
	ErrBadCredential = errors.New("neither an API key nor the case's tracking token")
	// ErrNotPermitted: the caller's kind of principal may not do this.
	ErrNotPermitted = errors.New("not permitted to the caller's kind")
	// ErrOpen: the record has an open case of this kind already.
	ErrOpen = errors.New("the record has an open case of this kind")
	// ErrClosed: the case is decided already.
	ErrClosed = errors.New("the case is decided already")
	// ErrRecordRevoked: the record is revoked; it takes no objection, and
	// an open one can only be decided as revoked.
	ErrRecordRevoked = errors.New("the record is revoked")
	// ErrNotRepairable: only negative and serious dishonesty records with a
	// display period can be repaired.
	ErrNotRepairable = errors.New("the record cannot be repaired")
	// ErrDisplayEnded: the record is no longer displayed, so there is
	// nothing to repair.
	ErrDisplayEnded = errors.New("the record is no longer displayed")
	// ErrUnknownOutcome: a repair decision is neither approved nor refused.
	ErrUnknownOutcome = errors.New("the outcome is neither approved nor refused")
	// ErrNoFile: the application has no file in this list at this position.
	ErrNoFile = errors.New("no such file")
)

// TooEarlyError refuses a repair application made before the record's
// minimum display period is over.
type TooEarlyError struct {
	// ApplyFrom is the first day one may apply, in Beijing time.
	ApplyFrom time.Time
}

// Error says from when one may apply.
func (e *TooEarlyError) Error() string {
	return "the minimum display period is not over: apply from " + e.ApplyFrom.Format(time.DateOnly)
}

// Unwrap returns lifecycle.ErrTooEarly.
func (e *TooEarlyError) Unwrap() error { return lifecycle.ErrTooEarly }

// InvalidDataError refuses a corrected payload that the catalogue rejects
// under its record type: Errors lists every problem, with pointers under
// /data.
type InvalidDataError struct {
	Errors lifecycle.FieldErrors
}

// Error says how many problems the payload has.
func (e *InvalidDataError) Error() string {
	return fmt.Sprintf("the corrected data has %d problems under its record type", len(e.Errors))
}

// InvalidParameter refuses a request whose parameter Name (of the query or
// the path) is not one of its values; Message tells what it takes.
type InvalidParameter struct {
	Name, Message string
}

// Error names the parameter and what it takes.
func (e *InvalidParameter) Error() string { return "parameter " + e.Name + ": " + e.Message }

// Service files, reads, lists and decides objections and repair
// applications. It is safe for concurrent use.
type Service struct {
	store      Store
	catalog    Catalog
	audit      *audit.Recorder
	subjectKey []byte
	now        func() time.Time
	desk       *lifecycle.Desk
	log        *slog.Logger

	objections kind[store.Objection, Objection]
	repairs    kind[store.Repair, Repair]
}

// New returns a Service on cfg, and registers the gauges of overdue cases
// on cfg.Registry.
func New(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, catalog: cfg.Catalog, audit: cfg.Audit, subjectKey: cfg.SubjectKey,
		now: cfg.Now, log: cmp.Or(cfg.Logger, slog.Default()),
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.desk = lifecycle.New(lifecycle.ClockFunc(s.now), cfg.Calendar, lifecycle.EvidenceLimits{})
	s.objections = objectionKind(cfg.Store)
	s.repairs = repairKind(cfg.Store)
	if cfg.Registry != nil {
		cfg.Registry.MustRegister(&overdueGauges{s})
	}
	return s
}

// logAccess records entries in the audit log.
func (s *Service) logAccess(ctx context.Context, entries ...audit.Entry) error {
	if err := s.audit.Record(ctx, entries...); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}
