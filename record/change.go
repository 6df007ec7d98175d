package record

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/credex/credex/catalog"
)

// Ref names a stored record that a change applies to.
type Ref struct {
	ID             string
	Type           string
	Department     string
	SourceID       string
	CatalogVersion int
}

// Change is a change of ref without new content — a dispute, the end of a
// dispute, a revocation, a repair or an expiry — made by the case or batch
// named by, at at, for reason. Its data is fields (strings and other plain
// JSON values) in canonical form.
func Change(ref Ref, op Op, by string, at time.Time, reason string, fields map[string]any) *Record {
	raw, err := json.Marshal(fields)
	if err != nil {
		panic(fmt.Sprintf("record: change fields are not plain JSON: %v", err))
	}
	data, _ := Canonical(raw) // raw is JSON
	return &Record{
		ID: ref.ID, Type: ref.Type, Op: op, Department: ref.Department, SourceID: ref.SourceID,
		CatalogVersion: ref.CatalogVersion, Data: data, ContentHash: CanonicalHash(op, data),
		SubmissionID: by, AcceptedAt: at.UTC(), Reason: reason,
	}
}

// Correction replaces ref's content with data, valid under rt, decided by
// the case named by at at for reason.
func Correction(ref Ref, rt *catalog.RecordType, subjectKey []byte, data json.RawMessage, by string, at time.Time, reason string) (*Record, error) {
	r := &Record{ID: ref.ID, Op: OpCorrect, Department: ref.Department, SourceID: ref.SourceID,
		Data: data, SubmissionID: by, AcceptedAt: at.UTC(), Reason: reason}
	if err := Build(r, rt, subjectKey); err != nil {
		return nil, fmt.Errorf("correct record %s: %w", ref.ID, err)
	}
	return r, nil
}
