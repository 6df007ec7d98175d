package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/internal/param"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

// Objection is an objection as the service answers it.
type Objection struct {
	store.Objection
	// Late says the objection awaits a move past its deadline, on the
	// service's clock.
	Late bool
	// TrackingToken is set in the answer to the filing only: the hub keeps
	// its hash alone.
	TrackingToken string
}

func objectionKind(st Store) kind[store.Objection, Objection] {
	return kind[store.Objection, Objection]{
		kindInfo: kindInfo{
			name: "objection",
			read: authz.ReadObjection, list: authz.ListObjections, decide: authz.DecideObjection,
			filed: audit.ObjectionFiled, readAudit: audit.ObjectionRead, listed: audit.ObjectionListed, decided: audit.ObjectionDecided,
			open:   []lifecycle.Status{lifecycle.Filed, lifecycle.Accepted},
			closed: []lifecycle.Status{lifecycle.Decided, lifecycle.Refused},
			// Only the record's source department may know of an objection.
			outsider: ErrNotFound,
			gauge: gauge("credex_objections_overdue",
				"Open objections past their deadline: not decided by the source department within 10 working days of acceptance."),
			overdue: func(n store.OverdueCount) int { return n.Objections },
		},
		get: st.Objection, find: st.Objections, move: st.MoveObjection,
		head: func(o *store.Objection) head {
			return head{id: o.ID, recordID: o.RecordID, department: o.Department, tokenHash: o.TokenHash,
				subjectKey: o.SubjectKey, key: store.CaseKey{Filed: o.FiledAt, ID: o.ID}, result: string(o.Outcome)}
		},
		answer: func(o *store.Objection, now time.Time) *Objection {
			a := &Objection{Objection: *o, Late: o.Overdue(now)}
			a.Files = nil
			return a
		},
	}
}

// ObjectionFiling is an objection as the person files it.
type ObjectionFiling struct {
	Filing
	// Grounds are one of the listed grounds (lifecycle.Grounds.Listed).
	Grounds lifecycle.Grounds `json:"grounds"`
	// Evidence is optional, within lifecycle.EvidenceLimits.
	Evidence []Upload `json:"evidence"`
}

// FileObjection files an objection for the person the record is about. It
// is accepted at once (its grounds are listed) and the record disputed, in
// the transaction that stores it. It returns lifecycle.FieldErrors listing
// every problem of f, ErrNotSubject when f does not name the record's
// subject, ErrRecordRevoked for a revoked record and ErrOpen when the
// record has an open objection already. The answer carries the tracking
// token, shown this once.
func (s *Service) FileObjection(ctx context.Context, f ObjectionFiling) (*Objection, error) {
	errs := f.check()
	if strings.TrimSpace(string(f.Grounds)) != "" && !f.Grounds.Listed() {
		errs = append(errs, lifecycle.FieldError{Code: lifecycle.CodeNotAllowed, Pointer: "/grounds",
			Message: "grounds must be one of error, omission, duplicate, should_not_be_public, shown_past_period and differs_from_deciding_authority"})
	}
	req := lifecycle.ObjectionRequest{Grounds: f.Grounds, Statement: f.Statement, Evidence: attachments(f.Evidence)}
	if errs = merge(errs, s.desk.CheckObjection(req)); len(errs) > 0 {
		return nil, errs
	}
	rec, err := s.subjectRecord(ctx, &s.objections.kindInfo, &f.Filing)
	if err != nil {
		return nil, err
	}
	if rec.State == "revoked" {
		return nil, ErrRecordRevoked
	}
	req.ID, req.RecordID = newID("obj_"), rec.ID
	o, err := s.desk.File(req)
	if err != nil {
		return nil, err // CheckObjection checked what File does
	}
	token := newToken("otk_")
	stored := &store.Objection{Objection: *o, Department: rec.Department, TokenHash: tokenHash(token),
		SubjectKey: rec.SubjectKey, Files: contents(f.Evidence)}
	err = s.store.FileObjection(ctx, stored, func(l *store.Ledger) error {
		return change(ctx, l, rec.ID, func(r *store.Record) ([]*record.Record, error) {
			return []*record.Record{objectionChange(r, record.OpDispute, o.ID, o.AcceptedAt,
				"objection accepted on grounds "+string(o.Grounds), map[string]any{"grounds": o.Grounds})}, nil
		})
	})
	if err = opened(err); err != nil {
		return nil, err
	}
	if err := s.filed(ctx, &s.objections.kindInfo, o.ID, rec.SubjectKey, "record", rec.ID,
		"department", rec.Department, "grounds", o.Grounds, "decide_by", o.DecideBy); err != nil {
		return nil, err
	}
	a := s.objections.answer(stored, s.now())
	a.TrackingToken = token
	return a, nil
}

// ReadObjection returns the objection with this id to the person who filed
// it, by its tracking token, and to the record's department and operators,
// by their API keys. Another principal is told ErrNotFound; a credential
// that is neither, ErrBadCredential.
func (s *Service) ReadObjection(ctx context.Context, id, credential string) (*Objection, error) {
	return read(ctx, s, &s.objections, id, credential)
}

// ObjectionFor returns the objection with this id to ctx's principal: the
// record's department or an operator. Anyone else is told ErrNotFound, as
// for an id that does not exist. The read is in the audit log.
func (s *Service) ObjectionFor(ctx context.Context, id string) (*Objection, error) {
	o, _, err := readFor(ctx, s, &s.objections, id)
	return o, err
}

// File is a file attached to a case.
type File struct {
	Name      string
	MediaType string
	Content   []byte
}

// ObjectionFileFor returns the file at position (from 0) of the evidence of
// the objection with this id to those ObjectionFor answers; it returns
// ErrNoFile when the evidence has no such file. A position that is not a
// number below lifecycle.DefaultMaxFiles is an *InvalidParameter, whoever
// asks.
func (s *Service) ObjectionFileFor(ctx context.Context, id, position string) (*File, error) {
	n, ok := param.Int(position, 0, lifecycle.DefaultMaxFiles-1)
	if !ok {
		return nil, &InvalidParameter{"position", fmt.Sprintf("position is a number from 0 to %d: evidence holds at most %d files", lifecycle.DefaultMaxFiles-1, lifecycle.DefaultMaxFiles)}
	}
	o, err := s.ObjectionFor(ctx, id)
	if err != nil {
		return nil, err
	}
	if int(n) >= len(o.Evidence) {
		return nil, ErrNoFile
	}
	content, err := s.store.ObjectionEvidence(ctx, o.ID, int(n))
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoFile
	}
	if err != nil {
		return nil, err
	}
	a := o.Evidence[n]
	return &File{Name: a.Name, MediaType: a.MediaType, Content: content}, nil
}

// ListObjections returns a page of the objections to the records of the
// department that ctx's principal is, or for operators of every
// department's, that q selects. Other callers are told ErrNotPermitted.
func (s *Service) ListObjections(ctx context.Context, q Query) (*Page[Objection], error) {
	return list(ctx, s, &s.objections, q)
}

// ObjectionDecision is the source department's decision on an objection.
type ObjectionDecision struct {
	Outcome lifecycle.Outcome `json:"outcome"`
	Reason  string            `json:"reason"`
	// Data is the corrected payload of the record, for Corrected only.
	Data json.RawMessage `json:"data"`
}

// DecideObjection decides an accepted objection for the record's source
// department, which ctx's principal must be: upheld resolves the dispute,
// corrected replaces the record's content with d.Data, revoked revokes the
// record; each settles the dispute, in the transaction that stores the
// decision. Anyone else is told ErrNotFound. It returns lifecycle.FieldErrors
// for a decision with problems, *InvalidDataError for a corrected payload
// the catalogue refuses, ErrClosed when the objection is decided
// already and ErrRecordRevoked when the record was revoked and d does not
// revoke it.
func (s *Service) DecideObjection(ctx context.Context, id string, d ObjectionDecision) (*Objection, error) {
	return decide(ctx, s, &s.objections, id, nil, func(l *store.Ledger, o *store.Objection, _ *principal.Principal) error {
		next := o.Objection
		errs, err := fieldErrors(s.desk.Decide(&next, d.Outcome, d.Reason))
		if err != nil {
			return err
		}
		err = change(ctx, l, o.RecordID, func(rec *store.Record) ([]*record.Record, error) {
			changes, dataErrs, err := s.decision(rec, o.ID, next.ClosedAt, d)
			if _, invalid := errors.AsType[*InvalidDataError](err); invalid && len(errs) > 0 {
				err = nil // the decision's own problems first
			}
			if errs = append(errs, dataErrs...); err == nil && len(errs) > 0 {
				return nil, errs
			}
			return changes, err
		})
		if err != nil {
			return err
		}
		o.Objection = next
		return nil
	})
}

// decision returns the changes of rec that decide objection id as d says,
// or the problems with d's data.
func (s *Service) decision(rec *store.Record, id string, at time.Time, d ObjectionDecision) ([]*record.Record, lifecycle.FieldErrors, error) {
	hasData := len(d.Data) > 0 && string(d.Data) != "null"
	switch d.Outcome {
	case lifecycle.Corrected:
		if !hasData {
			return nil, lifecycle.FieldErrors{{Code: lifecycle.CodeRequired, Pointer: "/data",
				Message: "data, the corrected payload of the record, is required"}}, nil
		}
		if rec.State == "revoked" {
			return nil, nil, ErrRecordRevoked
		}
		rt, ok := s.catalog.Type(rec.Type)
		if !ok {
			return nil, nil, fmt.Errorf("record %s: type %s not in the catalogue", rec.ID, rec.Type)
		}
		d.Data, _ = rt.Normalize(d.Data)
		var errs lifecycle.FieldErrors
		for _, fe := range rt.Validate(d.Data) {
			errs = append(errs, lifecycle.FieldError{Code: fe.Code, Pointer: "/data" + fe.Pointer, Message: fe.Message})
		}
		if len(errs) > 0 {
			return nil, nil, &InvalidDataError{Errors: errs}
		}
		if strings.TrimSpace(d.Reason) == "" {
			return nil, nil, nil // Decide said so
		}
		c, err := record.Correction(rec.Ref(), rt, s.subjectKey, d.Data, id, at, d.Reason)
		if err != nil {
			return nil, nil, err
		}
		return []*record.Record{c}, nil, nil
	case lifecycle.Upheld, lifecycle.Revoked:
		if hasData {
			return nil, lifecycle.FieldErrors{{Code: lifecycle.CodeNotAllowed, Pointer: "/data",
				Message: "only a decision of outcome corrected takes data"}}, nil
		}
	}
	summary := map[string]any{"outcome": d.Outcome, "reason": d.Reason}
	switch {
	case d.Outcome == lifecycle.Upheld && rec.State == "revoked":
		return nil, nil, ErrRecordRevoked
	case d.Outcome == lifecycle.Upheld:
		return []*record.Record{objectionChange(rec, record.OpResolve, id, at, d.Reason, summary)}, nil, nil
	case d.Outcome == lifecycle.Revoked: // a revocation settles the dispute
		return []*record.Record{objectionChange(rec, record.OpRevoke, id, at, d.Reason, summary)}, nil, nil
	}
	return nil, nil, nil // the outcome is not one of the three; Decide said so
}

// objectionChange is a change of rec's lifecycle made by objection id at
// at; its data is fields with the objection's id.
func objectionChange(rec *store.Record, op record.Op, id string, at time.Time, reason string, fields map[string]any) *record.Record {
	data := map[string]any{"objection_id": id}
	maps.Copy(data, fields)
	return record.Change(rec.Ref(), op, id, at, reason, data)
}
