package casework

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/internal/param"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// Repair is a credit repair application as the service answers it.
type Repair struct {
	store.Repair
	// Late says the application awaits review past its deadline, on the
	// service's clock.
	Late bool
	// TrackingToken is set in the answer to the application only: the hub
	// keeps its hash alone.
	TrackingToken string
}

func repairKind(st Store) kind[store.Repair, Repair] {
	return kind[store.Repair, Repair]{
		kindInfo: kindInfo{
			name: "repair",
			read: authz.ReadRepair, list: authz.ListRepairs, decide: authz.DecideRepair,
			filed: audit.RepairFiled, readAudit: audit.RepairRead, listed: audit.RepairListed, decided: audit.RepairReviewed,
			open:     []lifecycle.Status{lifecycle.Submitted},
			closed:   []lifecycle.Status{lifecycle.Approved, lifecycle.Refused},
			outsider: ErrNotPermitted,
			gauge: gauge("credex_repairs_overdue",
				"Credit repair applications awaiting review past their deadline: not reviewed by the source department within 10 working days of submission."),
			overdue: func(n store.OverdueCount) int { return n.Repairs },
		},
		get: st.Repair, find: st.Repairs, move: st.MoveRepair,
		head: func(r *store.Repair) head {
			return head{id: r.ID, recordID: r.RecordID, department: r.Department, tokenHash: r.TokenHash,
				subjectKey: r.SubjectKey, key: store.CaseKey{Filed: r.SubmittedAt, ID: r.ID}, result: string(r.Status)}
		},
		answer: func(r *store.Repair, now time.Time) *Repair { return &Repair{Repair: *r, Late: r.Overdue(now)} },
	}
}

// RepairApplication is a credit repair application as the person submits
// it. Its statement says how the obligations the record imposed were
// fulfilled.
type RepairApplication struct {
	Filing
	// Proof shows the obligations were fulfilled; Commitment is the signed
	// credit commitment. Each has at least one file, within
	// lifecycle.EvidenceLimits.
	Proof      []Upload `json:"proof"`
	Commitment []Upload `json:"commitment"`
}

// The lists of files of an application.
const (
	proofList      = "proof"
	commitmentList = "commitment"
)

// ApplyForRepair submits a credit repair application for the person the
// record is about. It returns lifecycle.FieldErrors listing every problem
// of a, ErrNotSubject when a does not name the record's subject,
// ErrNotRepairable for a record of a type that is not repaired,
// ErrDisplayEnded for a record no longer displayed, *TooEarlyError before
// the record's minimum display period is over and ErrOpen when the record
// has an application under review. The answer carries the tracking token,
// shown this once.
func (s *Service) ApplyForRepair(ctx context.Context, a RepairApplication) (*Repair, error) {
	errs := a.check()
	req := lifecycle.RepairRequest{Proof: attachments(a.Proof), Commitment: attachments(a.Commitment)}
	if errs = merge(errs, s.desk.CheckRepair(req)); len(errs) > 0 {
		return nil, errs
	}
	rec, err := s.subjectRecord(ctx, &s.repairs.kindInfo, &a.Filing)
	if err != nil {
		return nil, err
	}
	if req.Decided, req.Period, err = s.window(rec); err != nil {
		return nil, err
	}
	if rec.State != "active" || rec.Display != "displayed" {
		return nil, ErrDisplayEnded
	}
	req.ID, req.RecordID = newID("rpr_"), rec.ID
	app, err := s.desk.Submit(req)
	switch {
	case errors.Is(err, lifecycle.ErrTooEarly):
		minEnd, _ := lifecycle.Window(req.Decided, req.Period)
		y, m, d := minEnd.Date()
		return nil, &TooEarlyError{ApplyFrom: time.Date(y, m, d+1, 0, 0, 0, 0, workday.Location)}
	case errors.Is(err, lifecycle.ErrDisplayEnded):
		return nil, ErrDisplayEnded
	case err != nil:
		return nil, err // CheckRepair checked the material Submit checks
	}
	token := newToken("rpt_")
	stored := &store.Repair{Repair: *app, RecordType: rec.Type, Department: rec.Department, Statement: a.Statement,
		TokenHash: tokenHash(token), SubjectKey: rec.SubjectKey}
	files := slices.Concat(repairFiles(proofList, a.Proof), repairFiles(commitmentList, a.Commitment))
	if err := opened(s.store.FileRepair(ctx, stored, files)); err != nil {
		return nil, err
	}
	if err := s.filed(ctx, &s.repairs.kindInfo, app.ID, rec.SubjectKey, "record", rec.ID,
		"department", rec.Department, "review_by", app.ReviewBy); err != nil {
		return nil, err
	}
	answer := s.repairs.answer(stored, s.now())
	answer.TrackingToken = token
	return answer, nil
}

// repairFiles are the files of one list of an application, to store.
func repairFiles(list string, uploads []Upload) []store.RepairFile {
	files := make([]store.RepairFile, len(uploads))
	for i, u := range uploads {
		files[i] = store.RepairFile{List: list, Position: i, Name: u.Name, MediaType: u.MediaType, Content: u.Content}
	}
	return files
}

// window returns the date of a record's deciding document (the start of
// its display window) and its display period under the catalogue version
// it was published with, or ErrNotRepairable: only negative and serious
// dishonesty records, with a period, are repaired.
func (s *Service) window(rec *store.RecordDisplay) (time.Time, lifecycle.Period, error) {
	t, ok := s.catalog.TypeVersion(rec.Type, rec.CatalogVersion)
	if !ok {
		t, ok = s.catalog.Type(rec.Type)
	}
	if !ok || (t.Class != catalog.Negative && t.Class != catalog.SeriousDishonesty) {
		return time.Time{}, lifecycle.Period{}, ErrNotRepairable
	}
	p, ok := t.DisplayPeriod(rec.Data)
	if !ok {
		return time.Time{}, lifecycle.Period{}, ErrNotRepairable
	}
	if rec.From != nil {
		return *rec.From, lifecycle.Period(p), nil
	}
	decided, err := record.Decided(rec.Data)
	if err != nil {
		return time.Time{}, lifecycle.Period{}, ErrNotRepairable
	}
	return decided, lifecycle.Period(p), nil
}

// ReadRepair returns the application with this id to the person who
// applied, by its tracking token, and to its deciding department and
// operators, by their API keys. Another principal is told ErrNotFound; a credential
// that is neither, ErrBadCredential.
func (s *Service) ReadRepair(ctx context.Context, id, credential string) (*Repair, error) {
	return read(ctx, s, &s.repairs, id, credential)
}

// RepairFile returns a file of the application with this id, the one at
// position (from 0) in list (proof or commitment), to those ReadRepair
// answers; it returns ErrNoFile when the application has no such file. A
// list other than those, or a position that is not a number below
// lifecycle.DefaultMaxFiles, is an *InvalidParameter, whoever asks.
func (s *Service) RepairFile(ctx context.Context, id, credential, list, position string) (*store.RepairFile, error) {
	return s.repairFile(ctx, list, position, func() (*Repair, error) { return s.ReadRepair(ctx, id, credential) })
}

// repairFile returns a file of the application that read returns, after
// checking list and position.
func (s *Service) repairFile(ctx context.Context, list, position string, read func() (*Repair, error)) (*store.RepairFile, error) {
	if list != proofList && list != commitmentList {
		return nil, &InvalidParameter{"list", "list is proof or commitment"}
	}
	n, ok := param.Int(position, 0, lifecycle.DefaultMaxFiles-1)
	if !ok {
		return nil, &InvalidParameter{"position", fmt.Sprintf("position is a number from 0 to %d: a list holds at most %d files", lifecycle.DefaultMaxFiles-1, lifecycle.DefaultMaxFiles)}
	}
	app, err := read()
	if err != nil {
		return nil, err
	}
	f, err := s.store.RepairFile(ctx, app.ID, list, int(n))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoFile
	}
	return f, err
}

// RepairFor returns the application with this id to ctx's principal: its
// deciding department or an operator. Anyone else is told ErrNotFound, as
// for an id that does not exist. The read is in the audit log.
func (s *Service) RepairFor(ctx context.Context, id string) (*Repair, error) {
	r, _, err := readFor(ctx, s, &s.repairs, id)
	return r, err
}

// RepairFileFor is RepairFile for ctx's principal, to those RepairFor
// answers.
func (s *Service) RepairFileFor(ctx context.Context, id, list, position string) (*store.RepairFile, error) {
	return s.repairFile(ctx, list, position, func() (*Repair, error) { return s.RepairFor(ctx, id) })
}

// ListRepairs returns a page of the applications that the department ctx's
// principal is decides, or for operators every one, that q selects. Other
// callers are told ErrNotPermitted.
func (s *Service) ListRepairs(ctx context.Context, q Query) (*Page[Repair], error) {
	return list(ctx, s, &s.repairs, q)
}

// RepairDecision is the source department's decision on an application.
type RepairDecision struct {
	// Outcome is approved or refused.
	Outcome lifecycle.Status `json:"outcome"`
	// Reasons explain a refusal: at least one, none blank.
	Reasons []string `json:"reasons"`
}

// DecideRepair decides a submitted application for the record's source
// department, which ctx's principal must be: an approval ends the record's
// display and sharing, as the record's next version (every subscriber of
// its type is told, by record.repaired), in the transaction that stores the
// decision; a refusal gives reasons. Callers that are no department are
// told ErrNotPermitted, other departments ErrNotFound. It returns
// ErrUnknownOutcome for an outcome other than approved and refused,
// lifecycle.FieldErrors for a refusal without reasons and ErrClosed when
// the application is decided already.
func (s *Service) DecideRepair(ctx context.Context, id string, d RepairDecision) (*Repair, error) {
	var refusal error
	if d.Outcome != lifecycle.Approved && d.Outcome != lifecycle.Refused {
		refusal = ErrUnknownOutcome
	}
	return decide(ctx, s, &s.repairs, id, refusal, func(l *store.Ledger, app *store.Repair, by *principal.Principal) error {
		app.ReviewedBy = by.Name
		if d.Outcome == lifecycle.Refused {
			return s.desk.RefuseRepair(&app.Repair, d.Reasons)
		}
		if err := s.desk.Approve(&app.Repair); err != nil {
			return err
		}
		app.Reasons = d.Reasons
		err := change(ctx, l, app.RecordID, func(rec *store.Record) ([]*record.Record, error) {
			return []*record.Record{record.Change(rec.Ref(), record.OpRepair, app.ID, app.ReviewedAt,
				"credit repair approved (application "+app.ID+")", map[string]any{"repair_id": app.ID})}, nil
		})
		if errors.Is(err, ErrRecordRevoked) {
			return nil // revoked meanwhile: the record is left as it is, and the approval stands
		}
		return err
	})
}
