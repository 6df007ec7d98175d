package store_test

import (
	"testing"

	"github.com/credex/credex/record"
	"github.com/credex/credex/store"
)

func TestMatchSubject(t *testing.T) {
	t.Parallel()
	st, ctx := setup(t)
	r := rec(record.OpUpsert, "m", "one")
	admit(t, st, ctx, r)
	if _, err := st.Apply(ctx, []store.Delivery{{Record: r, Topic: "records"}}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, key, person string
		want              store.SubjectMatch
	}{
		{"the subject", r.SubjectKey, r.SubjectName, store.SubjectNamed},
		{"another name", r.SubjectKey, "someone else", store.SubjectMisnamed},
		{"a number of no record", "subject-none", r.SubjectName, store.SubjectUnknown},
	} {
		got, err := st.MatchSubject(ctx, tt.key, tt.person)
		if err != nil || got != tt.want {
			t.Errorf("%s: MatchSubject = %d, %v; want %d", tt.name, got, err, tt.want)
		}
	}
}
