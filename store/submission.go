package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/record"
)

var (
	qSubmissionInsert     = query("submission_insert")
	qSubmissionList       = query("submission_list")
	qSubmissionErrorCodes = query("submission_error_codes")
	qSubmissionTotals     = query("submission_totals")
)

// MaxSubmissionRejections bounds the rejected receipts a submission's
// summary keeps: the first ones, in order.
const MaxSubmissionRejections = 100

// Submission is what one submission of a department came to: its counts,
// its rejections' error codes and its first rejected receipts. The
// envelopes are not kept.
type Submission struct {
	ID string
	// Department is the department's unified social credit code.
	Department string
	// Connector names the door the submission came in by: http, or a
	// configured connector.
	Connector  string
	ReceivedAt time.Time
	// Records = Accepted + Rejected. Accepted counts the records the
	// ledger admitted, Unchanged among them those that had this content.
	Records, Accepted, Unchanged, Rejected int
	// ErrorCodes counts, for each error code, the rejected records with an
	// error of that code.
	ErrorCodes map[string]int
	// Rejections are the first rejected receipts, at most
	// MaxSubmissionRejections, in order.
	Rejections []Rejection
}

// Rejection is a rejected receipt of a submission.
type Rejection struct {
	Index  int                  `json:"index"`
	Errors []catalog.FieldError `json:"errors"`
}

// ErrorCount is how often an error code rejected a department's records.
type ErrorCount struct {
	Code string
	// Records were rejected with an error of Code, in Submissions
	// submissions.
	Records, Submissions int
}

// SubmissionTotal is what one department submitted over a time.
type SubmissionTotal struct {
	// Department is its unified social credit code; Name its principal's
	// name, empty when no principal has the code.
	Department, Name            string
	Records, Accepted, Rejected int
}

// AdmitSubmission is Admit for the records of one submission, recs (none
// when every envelope was rejected), which also stores the submission's
// summary in the same transaction: summarise makes it of the outcomes of
// recs, in order. The admission and the summary commit together, or
// neither does.
func (s *Store) AdmitSubmission(ctx context.Context, recs []*record.Record, summarise func([]Outcome) *Submission) (*Admission, error) {
	var a Admission
	err := s.inLedger(ctx, func(tx pgx.Tx, l *Ledger) error {
		if len(recs) > 0 {
			var err error
			if a.Outcomes, err = l.Admit(ctx, recs); err != nil {
				return err
			}
			if a.Outbox, err = l.waiting(ctx, recs, a.Outcomes); err != nil {
				return err
			}
		}
		return insertSubmission(ctx, tx, summarise(a.Outcomes))
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func insertSubmission(ctx context.Context, tx pgx.Tx, sub *Submission) error {
	rejections := sub.Rejections
	if len(rejections) > MaxSubmissionRejections {
		rejections = rejections[:MaxSubmissionRejections]
	}
	codes, err := json.Marshal(nonNilMap(sub.ErrorCodes))
	if err != nil {
		return fmt.Errorf("submission %s: %w", sub.ID, err)
	}
	rejected, err := json.Marshal(nonNilSlice(rejections))
	if err != nil {
		return fmt.Errorf("submission %s: %w", sub.ID, err)
	}
	_, err = tx.Exec(ctx, qSubmissionInsert, sub.ID, sub.Department, sub.Connector, sub.ReceivedAt,
		sub.Records, sub.Accepted, sub.Unchanged, sub.Rejected, codes, rejected)
	if err != nil {
		return fmt.Errorf("submission %s: %w", sub.ID, err)
	}
	return nil
}

// Submissions returns the latest submissions of a department, newest
// first, at most limit.
func (s *Store) Submissions(ctx context.Context, department string, limit int) ([]Submission, error) {
	rows, err := s.pool.Query(ctx, qSubmissionList, department, limit)
	if err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	subs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Submission, error) {
		var sub Submission
		var codes, rejections []byte
		err := row.Scan(&sub.ID, &sub.Department, &sub.Connector, &sub.ReceivedAt, &sub.Records, &sub.Accepted,
			&sub.Unchanged, &sub.Rejected, &codes, &rejections)
		if err != nil {
			return sub, err
		}
		if err := json.Unmarshal(codes, &sub.ErrorCodes); err != nil {
			return sub, fmt.Errorf("submission %s: error codes: %w", sub.ID, err)
		}
		if err := json.Unmarshal(rejections, &sub.Rejections); err != nil {
			return sub, fmt.Errorf("submission %s: rejections: %w", sub.ID, err)
		}
		return sub, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list submissions: %w", err)
	}
	return subs, nil
}

// SubmissionErrors counts the rejections of a department's records
// submitted since a time by error code, most frequent first.
func (s *Store) SubmissionErrors(ctx context.Context, department string, since time.Time) ([]ErrorCount, error) {
	rows, err := s.pool.Query(ctx, qSubmissionErrorCodes, department, since)
	if err != nil {
		return nil, fmt.Errorf("count submission errors: %w", err)
	}
	counts, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ErrorCount, error) {
		var c ErrorCount
		err := row.Scan(&c.Code, &c.Records, &c.Submissions)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("count submission errors: %w", err)
	}
	return counts, nil
}

// SubmissionTotals sums what every department submitted since a time, by
// department.
func (s *Store) SubmissionTotals(ctx context.Context, since time.Time) ([]SubmissionTotal, error) {
	rows, err := s.pool.Query(ctx, qSubmissionTotals, since)
	if err != nil {
		return nil, fmt.Errorf("sum submissions: %w", err)
	}
	totals, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (SubmissionTotal, error) {
		var t SubmissionTotal
		err := row.Scan(&t.Department, &t.Name, &t.Records, &t.Accepted, &t.Rejected)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("sum submissions: %w", err)
	}
	return totals, nil
}

func nonNilMap(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

func nonNilSlice(r []Rejection) []Rejection {
	if r == nil {
		return []Rejection{}
	}
	return r
}
