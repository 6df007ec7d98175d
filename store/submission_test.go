package store_test

import (
	"testing"
	"time"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

func TestSubmissionSummaryCommitsWithItsRecords(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	at := time.Now().UTC().Truncate(time.Microsecond)
	summary := func(id string, received time.Time) func([]store.Outcome) *store.Submission {
		return func(outcomes []store.Outcome) *store.Submission {
			sub := &store.Submission{ID: id, Department: "dept", Connector: "http", ReceivedAt: received,
				Records: len(outcomes) + 1, Rejected: 1, ErrorCodes: map[string]int{"invalid_id_number": 1},
				Rejections: []store.Rejection{{Index: len(outcomes), Errors: []catalog.FieldError{
					{Code: "invalid_id_number", Pointer: "/data/subject/id_number", Message: "not a valid citizen ID number"}}}}}
			for _, o := range outcomes {
				sub.Accepted++
				if o == store.Unchanged {
					sub.Unchanged++
				}
			}
			return sub
		}
	}
	if _, err := st.AdmitSubmission(ctx, []*record.Record{rec(record.OpUpsert, "s1", "one")}, summary("sub_1", at)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AdmitSubmission(ctx, nil, summary("sub_2", at.Add(time.Second))); err != nil {
		t.Fatalf("a submission whose every record was rejected: %v", err)
	}
	// A summary that cannot be stored (its id is taken) takes its records'
	// admission down with it.
	if _, err := st.AdmitSubmission(ctx, []*record.Record{rec(record.OpUpsert, "s2", "one")}, summary("sub_1", at)); err == nil {
		t.Fatal("a second summary with the same id was stored")
	}
	again, err := st.AdmitSubmission(ctx, []*record.Record{rec(record.OpUpsert, "s2", "one")}, summary("sub_3", at.Add(2*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if again.Outcomes[0] != store.Changed {
		t.Errorf("the record of the failed submission was admitted: outcome %d on resubmission, want Changed", again.Outcomes[0])
	}

	subs, err := st.Submissions(ctx, "dept", 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range subs {
		ids = append(ids, s.ID)
	}
	if len(subs) != 3 || ids[0] != "sub_3" || ids[1] != "sub_2" || ids[2] != "sub_1" {
		t.Fatalf("submissions %v, want sub_3, sub_2, sub_1 (newest first)", ids)
	}
	first := subs[2]
	if first.Records != 2 || first.Accepted != 1 || first.Rejected != 1 || !first.ReceivedAt.Equal(at) {
		t.Errorf("sub_1 read back as %+v, want 2 records, 1 accepted, 1 rejected, received %s", first, at)
	}
	if len(first.Rejections) != 1 || first.Rejections[0].Index != 1 || first.Rejections[0].Errors[0].Pointer != "/data/subject/id_number" {
		t.Errorf("sub_1 rejections %+v, want the receipt of index 1 with its error", first.Rejections)
	}
	if others, err := st.Submissions(ctx, "another", 10); err != nil || len(others) != 0 {
		t.Errorf("another department's submissions: %v, %v; want none", others, err)
	}

	counts, err := st.SubmissionErrors(ctx, "dept", at.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 1 || counts[0] != (store.ErrorCount{Code: "invalid_id_number", Records: 2, Submissions: 2}) {
		t.Errorf("error counts since sub_2: %+v, want invalid_id_number in 2 records of 2 submissions", counts)
	}
	totals, err := st.SubmissionTotals(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 1 || totals[0].Records != 5 || totals[0].Accepted != 2 || totals[0].Rejected != 3 {
		t.Errorf("totals %+v, want dept with 5 records, 2 accepted, 3 rejected", totals)
	}
}
