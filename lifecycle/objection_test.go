package lifecycle_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/lifecycle"
)

func objection(grounds lifecycle.Grounds) lifecycle.ObjectionRequest {
	return lifecycle.ObjectionRequest{
		ID: "obj-1", RecordID: "rec-1", Grounds: grounds,
		Statement: "The fine was paid and the decision withdrawn.",
		Evidence:  []lifecycle.Attachment{pdf},
	}
}

func TestObjectionOnListedGroundsIsAcceptedAtOnce(t *testing.T) {
	t.Parallel()
	// The Friday before Spring Festival: the next day is a make-up Saturday,
	// then nine days off, then another make-up Saturday on 28 February.
	b := setup(t, "2026-02-13 15:00")
	o, err := b.desk.File(objection(lifecycle.GroundsError))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != lifecycle.Accepted || !o.Disputed() || o.ID != "obj-1" || o.RecordID != "rec-1" || o.Grounds != lifecycle.GroundsError {
		t.Errorf("filed %+v: want obj-1 on rec-1, accepted and disputed", o)
	}
	wantTime(t, "FiledAt", o.FiledAt, b.clock.now)
	wantTime(t, "AcceptedAt", o.AcceptedAt, b.clock.now)
	wantTime(t, "AcceptBy", o.AcceptBy, endOf(t, "2026-02-24")) // 14 Feb (Sat), 24 Feb
	wantTime(t, "DecideBy", o.DecideBy, endOf(t, "2026-03-05")) // 14, 24-28 Feb, 2-5 Mar
	wantTime(t, "Deadline", o.Deadline(), o.DecideBy)           // the department's
	if o.Overdue(endOf(t, "2026-03-05")) || !o.Overdue(at(t, "2026-03-06 00:00")) {
		t.Error("the department is overdue from the first instant of 6 March, not before")
	}

	b.set(t, "2026-03-04 10:00")
	if err := b.desk.Decide(o, lifecycle.Corrected, "The amount was wrong."); err != nil {
		t.Fatal(err)
	}
	if o.Outcome != lifecycle.Corrected || o.Reason != "The amount was wrong." || !o.ClosedAt.Equal(b.clock.now) || !o.Deadline().IsZero() {
		t.Errorf("decided objection %+v: want corrected, with its reason and time, awaiting nothing", o)
	}
	if o.Status != lifecycle.Decided || o.Disputed() || o.Overdue(at(t, "2027-01-01")) {
		t.Errorf("decided objection %+v: want decided, not disputed, never overdue", o)
	}
}

func TestObjectionOnOtherGroundsAwaitsTheHub(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-02-13 15:00")
	o, err := b.desk.File(objection("identity_theft"))
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != lifecycle.Filed || o.Disputed() || !o.AcceptedAt.IsZero() {
		t.Fatalf("filed %+v: want filed, not accepted, not disputed", o)
	}
	wantTime(t, "AcceptBy", o.AcceptBy, endOf(t, "2026-02-24"))
	wantTime(t, "Deadline", o.Deadline(), o.AcceptBy) // the hub's
	if o.Overdue(at(t, "2026-02-21 10:00")) || o.Overdue(endOf(t, "2026-02-24")) || !o.Overdue(at(t, "2026-02-25 00:00")) {
		t.Error("the hub is overdue from 25 February, not during the holiday")
	}

	b.set(t, "2026-02-24 16:00")
	if err := b.desk.Accept(o); err != nil {
		t.Fatal(err)
	}
	// 25, 26, 27, 28 (make-up Saturday) February, 2-6 and 9 March.
	wantTime(t, "DecideBy", o.DecideBy, endOf(t, "2026-03-09"))
	wantTime(t, "Deadline", o.Deadline(), o.DecideBy)
	if !o.Disputed() {
		t.Error("an accepted objection flags its record as disputed")
	}
}

func TestObjectionRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-18 09:00")
	o, err := b.desk.File(objection("other"))
	if err != nil {
		t.Fatal(err)
	}
	wantTime(t, "AcceptBy", o.AcceptBy, endOf(t, "2026-06-23")) // Dragon Boat Festival, 19-21 June
	b.set(t, "2026-06-22 11:00")
	if err := b.desk.RefuseObjection(o, "The record is not about the applicant's conduct."); err != nil {
		t.Fatal(err)
	}
	if o.Status != lifecycle.Refused || o.Disputed() || !o.ClosedAt.Equal(b.clock.now) {
		t.Errorf("refused objection %+v", o)
	}
	if o.Overdue(at(t, "2026-12-31")) {
		t.Error("a refused objection is never overdue")
	}
}

func TestObjectionAcceptedJustBeforeNationalDay(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-09-30 17:00")
	o, err := b.desk.File(objection(lifecycle.GroundsShownPastPeriod))
	if err != nil {
		t.Fatal(err)
	}
	// 1-7 October off; 8, 9, 10 (make-up Saturday), 12-16, 19, 20 October.
	wantTime(t, "DecideBy", o.DecideBy, endOf(t, "2026-10-20"))
	if o.Overdue(at(t, "2026-10-20 23:00")) || !o.Overdue(at(t, "2026-10-21 00:00")) {
		t.Error("overdue from 21 October, not before")
	}

	// A late decision is still taken; the objection is then no longer overdue.
	b.set(t, "2026-10-22 10:00")
	if err := b.desk.Decide(o, lifecycle.Upheld, "The record matches the decision."); err != nil {
		t.Fatal(err)
	}
	if o.Overdue(b.clock.now) || o.Disputed() {
		t.Error("a decided objection is neither overdue nor disputed")
	}
}

func TestObjectionDeadlineOnMakeUpSaturday(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-10-08 11:00")
	o, err := b.desk.File(objection("other"))
	if err != nil {
		t.Fatal(err)
	}
	// 9 October, then Saturday 10 October, a make-up working day.
	wantTime(t, "AcceptBy", o.AcceptBy, endOf(t, "2026-10-10"))
	if o.Overdue(at(t, "2026-10-10 12:00")) {
		t.Error("overdue on the make-up Saturday itself, which is its last working day")
	}
	if !o.Overdue(at(t, "2026-10-11 09:00")) {
		t.Error("not overdue on the Sunday after its deadline")
	}
}

func TestIllegalMoves(t *testing.T) {
	t.Parallel()
	moves := map[string]func(*lifecycle.Desk, *lifecycle.Objection) error{
		"accept": func(d *lifecycle.Desk, o *lifecycle.Objection) error { return d.Accept(o) },
		"refuse": func(d *lifecycle.Desk, o *lifecycle.Objection) error { return d.RefuseObjection(o, "reason") },
		"decide": func(d *lifecycle.Desk, o *lifecycle.Objection) error { return d.Decide(o, lifecycle.Revoked, "reason") },
	}
	legal := map[lifecycle.Status][]string{
		lifecycle.Filed:    {"accept", "refuse"},
		lifecycle.Accepted: {"decide"},
		lifecycle.Refused:  nil,
		lifecycle.Decided:  nil,
	}
	for status, allowed := range legal {
		for name, move := range moves {
			if slices.Contains(allowed, name) {
				continue
			}
			t.Run(string(status)+"/"+name, func(t *testing.T) {
				t.Parallel()
				b := setup(t, "2026-03-02 10:00")
				o := inState(t, b, status)
				before := *o
				err := move(b.desk, o)
				if !errors.Is(err, lifecycle.ErrIllegalMove) {
					t.Fatalf("%s a %s objection: err = %v, want ErrIllegalMove", name, status, err)
				}
				if !reflect.DeepEqual(*o, before) {
					t.Errorf("a refused move changed the objection:\n%+v\nwas\n%+v", *o, before)
				}
			})
		}
	}
}

// inState returns an objection brought to status by legal moves.
func inState(t *testing.T, b *bundle, status lifecycle.Status) *lifecycle.Objection {
	t.Helper()
	grounds := lifecycle.Grounds("other")
	if status == lifecycle.Accepted || status == lifecycle.Decided {
		grounds = lifecycle.GroundsDuplicate
	}
	o, err := b.desk.File(objection(grounds))
	if err == nil && status == lifecycle.Refused {
		err = b.desk.RefuseObjection(o, "not admissible")
	}
	if err == nil && status == lifecycle.Decided {
		err = b.desk.Decide(o, lifecycle.Upheld, "correct as published")
	}
	if err != nil || o.Status != status {
		t.Fatalf("bring an objection to %s: %v, %+v", status, err, o)
	}
	return o
}

func TestObjectionFieldErrors(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-03-02 10:00")
	req := objection("")
	req.Statement = "  "
	req.Evidence = []lifecycle.Attachment{pdf, {Name: "a.doc", MediaType: "application/msword", Size: 10}}
	o, err := b.desk.File(req)
	if o != nil {
		t.Error("a refused filing returned an objection")
	}
	wantFieldErrors(t, err, "/grounds required", "/statement required", "/evidence/1/media_type media_type")
	var refused lifecycle.FieldErrors
	errors.As(err, &refused)
	if got := b.desk.CheckObjection(req); !slices.Equal(got, refused) {
		t.Errorf("CheckObjection = %v, want what File refused with", got)
	}

	o = inState(t, b, lifecycle.Accepted)
	before := *o
	err = b.desk.Decide(o, "annulled", " ")
	wantFieldErrors(t, err, "/outcome not_allowed", "/reason required")
	err = b.desk.Decide(o, lifecycle.Upheld, strings.Repeat("理", lifecycle.MaxReason+1))
	wantFieldErrors(t, err, "/reason too_long")
	if !reflect.DeepEqual(*o, before) {
		t.Error("a refused decision changed the objection")
	}

	o = inState(t, b, lifecycle.Filed)
	err = b.desk.RefuseObjection(o, "")
	wantFieldErrors(t, err, "/reason required")
	if o.Status != lifecycle.Filed {
		t.Error("a refused refusal changed the objection")
	}

	if _, err := b.desk.File(lifecycle.ObjectionRequest{Grounds: lifecycle.GroundsError, Statement: "x"}); err == nil || errors.Is(err, lifecycle.ErrInvalid) {
		t.Errorf("File without ids: err = %v, want a programming error, not ErrInvalid", err)
	}
}

// wantFieldErrors checks that err is FieldErrors with exactly the given
// "pointer code" pairs, in order.
func wantFieldErrors(t *testing.T, err error, want ...string) {
	t.Helper()
	if !errors.Is(err, lifecycle.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	var fes lifecycle.FieldErrors
	if !errors.As(err, &fes) {
		t.Fatalf("err = %v, want FieldErrors", err)
	}
	var got []string
	for _, fe := range fes {
		if fe.Message == "" {
			t.Errorf("%s: no message", fe.Pointer)
		}
		got = append(got, fe.Pointer+" "+fe.Code)
	}
	if !slices.Equal(got, want) {
		t.Errorf("field errors %q, want %q", got, want)
	}
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-09-29 10:00")
	waiting, _ := b.desk.File(objection("other"))                 // AcceptBy 30 Sep
	accepted, _ := b.desk.File(objection(lifecycle.GroundsError)) // DecideBy 20 Oct (see above: 30 Sep counts)
	refused, _ := b.desk.File(objection("other"))
	if err := b.desk.RefuseObjection(refused, "not admissible"); err != nil {
		t.Fatal(err)
	}
	all := []*lifecycle.Objection{waiting, accepted, refused}

	tests := []struct {
		at   string
		want []*lifecycle.Objection
	}{
		{"2026-10-07 12:00", nil},
		{"2026-10-08 23:59", nil},
		{"2026-10-09 00:00", []*lifecycle.Objection{waiting}},
		{"2026-10-19 23:59", []*lifecycle.Objection{waiting}},
		{"2026-10-20 00:00", []*lifecycle.Objection{waiting, accepted}},
	}
	wantTime(t, "AcceptBy", waiting.AcceptBy, endOf(t, "2026-10-08"))
	wantTime(t, "DecideBy", accepted.DecideBy, endOf(t, "2026-10-19"))
	for _, tt := range tests {
		if got := pastDeadline(all, at(t, tt.at)); !slices.Equal(got, tt.want) {
			t.Errorf("Overdue at %s: %d objections, want %d", tt.at, len(got), len(tt.want))
		}
	}
}

func TestEvidenceLimits(t *testing.T) {
	t.Parallel()
	jpeg := lifecycle.Attachment{Name: "photo.jpg", MediaType: "image/jpeg", Size: 2 << 20}
	tests := []struct {
		name   string
		limits lifecycle.EvidenceLimits
		files  []lifecycle.Attachment
		want   []string
	}{
		{"none", lifecycle.EvidenceLimits{}, nil, nil},
		{"accepted types", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{pdf, jpeg, {Name: "s.png", MediaType: "image/png", Size: 1}}, nil},
		// The media type is served back as the file's Content-Type: one of
		// the three, exactly as the API document lists them.
		{"a type in capitals", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: "s.png", MediaType: "IMAGE/PNG", Size: 1}}, []string{"/e/0/media_type media_type"}},
		{"a type with parameters", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: "a.pdf", MediaType: "application/pdf; name=a.pdf", Size: 1}}, []string{"/e/0/media_type media_type"}},
		{"a name of the longest length", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: strings.Repeat("名", lifecycle.MaxFileName), MediaType: "application/pdf", Size: 1}}, nil},
		{"a name too long", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: strings.Repeat("名", lifecycle.MaxFileName+1), MediaType: "application/pdf", Size: 1}}, []string{"/e/0/name too_long"}},
		{"other types", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: "a.gif", MediaType: "image/gif", Size: 1}, {Name: "a", MediaType: "", Size: 1}}, []string{"/e/0/media_type media_type", "/e/1/media_type media_type"}},
		{"no name", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: " ", MediaType: "application/pdf", Size: 1}}, []string{"/e/0/name required"}},
		{"empty file", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: "a.pdf", MediaType: "application/pdf"}}, []string{"/e/0/size empty"}},
		{"default size limit", lifecycle.EvidenceLimits{}, []lifecycle.Attachment{{Name: "a.pdf", MediaType: "application/pdf", Size: lifecycle.DefaultMaxSize + 1}}, []string{"/e/0/size too_large"}},
		{"own size limit", lifecycle.EvidenceLimits{MaxSize: 1 << 20}, []lifecycle.Attachment{pdf, jpeg}, []string{"/e/1/size too_large"}},
		{"own count limit", lifecycle.EvidenceLimits{MaxFiles: 1}, []lifecycle.Attachment{pdf, pdf}, []string{"/e too_many"}},
		{"default count limit", lifecycle.EvidenceLimits{}, slices.Repeat([]lifecycle.Attachment{pdf}, lifecycle.DefaultMaxFiles+1), []string{"/e too_many"}},
	}
	for _, tt := range tests {
		var got []string
		for _, fe := range tt.limits.Check("/e", tt.files) {
			got = append(got, fe.Pointer+" "+fe.Code)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

var _ lifecycle.Clock = lifecycle.ClockFunc(time.Now)
