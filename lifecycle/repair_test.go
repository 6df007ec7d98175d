package lifecycle_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/workday"
)

func TestWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		decided        time.Time
		p              lifecycle.Period
		minEnd, maxEnd string
	}{
		{"general penalty", at(t, "2026-01-15 10:00"), lifecycle.Period{MinMonths: 3, MaxMonths: 12}, "2026-04-15", "2027-01-15"},
		{"serious penalty", at(t, "2026-03-10 10:00"), lifecycle.Period{MinMonths: 12, MaxMonths: 36}, "2027-03-10", "2029-03-10"},
		{"minor penalty, no minimum", at(t, "2026-05-31 10:00"), lifecycle.Period{MinMonths: 0, MaxMonths: 3}, "2026-05-31", "2026-08-31"},
		{"31 January + 1 month is the end of February", at(t, "2026-01-31 10:00"), lifecycle.Period{MinMonths: 1, MaxMonths: 1}, "2026-02-28", "2026-02-28"},
		{"in a leap year, 29 February", at(t, "2028-01-31 10:00"), lifecycle.Period{MinMonths: 1, MaxMonths: 13}, "2028-02-29", "2029-02-28"},
		{"31 March + 1 month", at(t, "2026-03-31 10:00"), lifecycle.Period{MinMonths: 1, MaxMonths: 2}, "2026-04-30", "2026-05-31"},
		{"30 November + 3 months crosses the year", at(t, "2026-11-30 10:00"), lifecycle.Period{MinMonths: 3, MaxMonths: 15}, "2027-02-28", "2028-02-29"},
		{"31 August + 6 months", at(t, "2026-08-31 10:00"), lifecycle.Period{MinMonths: 6, MaxMonths: 12}, "2027-02-28", "2027-08-31"},
		{"29 February + 1 and 4 years", at(t, "2028-02-29 10:00"), lifecycle.Period{MinMonths: 12, MaxMonths: 48}, "2029-02-28", "2032-02-29"},
		{"the date is Beijing's: 17:00 UTC on 30 January is 31 January", time.Date(2026, 1, 30, 17, 0, 0, 0, time.UTC), lifecycle.Period{MinMonths: 1, MaxMonths: 3}, "2026-02-28", "2026-04-30"},
		{"15:59 UTC on 31 January is still 31 January", time.Date(2026, 1, 31, 15, 59, 0, 0, time.UTC), lifecycle.Period{MinMonths: 1, MaxMonths: 1}, "2026-02-28", "2026-02-28"},
		{"five years", at(t, "2026-12-31 10:00"), lifecycle.Period{MinMonths: 2, MaxMonths: 60}, "2027-02-28", "2031-12-31"},
	}
	for _, tt := range tests {
		minEnd, maxEnd := lifecycle.Window(tt.decided, tt.p)
		if !minEnd.Equal(endOf(t, tt.minEnd)) || !maxEnd.Equal(endOf(t, tt.maxEnd)) {
			t.Errorf("%s: Window = %s, %s; want the ends of %s and %s", tt.name, minEnd, maxEnd, tt.minEnd, tt.maxEnd)
		}
		if minEnd.Location() != workday.Location {
			t.Errorf("%s: Window in %s, want Beijing time", tt.name, minEnd.Location())
		}
	}
}

func TestPeriodValidate(t *testing.T) {
	t.Parallel()
	for p, ok := range map[lifecycle.Period]bool{
		{MinMonths: 0, MaxMonths: 0}:   true,
		{MinMonths: 3, MaxMonths: 12}:  true,
		{MinMonths: 12, MaxMonths: 12}: true,
		{MinMonths: -1, MaxMonths: 3}:  false,
		{MinMonths: 12, MaxMonths: 3}:  false,
	} {
		if err := p.Validate(); (err == nil) != ok {
			t.Errorf("%+v.Validate() = %v", p, err)
		}
	}
}

// repair applies for a general penalty's record decided at decided.
func repair(decided time.Time) lifecycle.RepairRequest {
	return lifecycle.RepairRequest{
		ID: "rep-1", RecordID: "rec-1", Decided: decided,
		Period:     lifecycle.Period{MinMonths: 3, MaxMonths: 12},
		Proof:      []lifecycle.Attachment{pdf},
		Commitment: []lifecycle.Attachment{{Name: "commitment.png", MediaType: "image/png", Size: 300_000}},
	}
}

func TestRepairOnlyWithinTheWindow(t *testing.T) {
	t.Parallel()
	// Decided 30 November 2025: minimum to 28 February 2026 (a make-up
	// Saturday), maximum to 30 November 2026.
	req := repair(at(t, "2025-11-30 09:00"))
	tests := []struct {
		now  string
		want error
	}{
		{"2026-01-05 10:00", lifecycle.ErrTooEarly},
		{"2026-02-28 23:59", lifecycle.ErrTooEarly},
		{"2026-03-01 00:00", nil},
		{"2026-11-30 23:59", nil},
		{"2026-12-01 00:00", lifecycle.ErrDisplayEnded},
	}
	for _, tt := range tests {
		b := setup(t, tt.now)
		r, err := b.desk.Submit(req)
		if !errors.Is(err, tt.want) || (err == nil) != (r != nil) {
			t.Errorf("Submit at %s: %v, %v; want %v", tt.now, r, err, tt.want)
		}
	}

	b := setup(t, "2026-03-01 00:00")
	req.Period = lifecycle.Period{MinMonths: 0, MaxMonths: 0}
	if _, err := b.desk.Submit(req); !errors.Is(err, lifecycle.ErrDisplayEnded) {
		t.Errorf("Submit for a record that is not displayed: %v, want ErrDisplayEnded", err)
	}
	req.Period = lifecycle.Period{MinMonths: 12, MaxMonths: 3}
	if _, err := b.desk.Submit(req); err == nil || errors.Is(err, lifecycle.ErrInvalid) {
		t.Errorf("Submit with a bad period: %v, want a programming error", err)
	}
}

func TestRepairApproved(t *testing.T) {
	t.Parallel()
	// Submitted on Wednesday 22 April: 23, 24, 27-30 April, Labour Day 1-5 May
	// off, 6, 7, 8 and Saturday 9 May, a make-up working day.
	b := setup(t, "2026-04-22 09:00")
	r, err := b.desk.Submit(repair(at(t, "2026-01-21 10:00")))
	if err != nil {
		t.Fatal(err)
	}
	wantTime(t, "ReviewBy", r.ReviewBy, endOf(t, "2026-05-09"))
	wantTime(t, "SubmittedAt", r.SubmittedAt, b.clock.now)
	if r.ID != "rep-1" || r.RecordID != "rec-1" || r.Status != lifecycle.Submitted || !r.Deadline().Equal(r.ReviewBy) {
		t.Errorf("submitted %+v: want rep-1 on rec-1, awaiting review by ReviewBy", r)
	}
	if r.Overdue(at(t, "2026-05-09 17:00")) || !r.Overdue(at(t, "2026-05-10 00:00")) {
		t.Error("overdue from Sunday 10 May, not on the make-up Saturday")
	}

	b.set(t, "2026-05-08 15:00")
	if err := b.desk.Approve(r); err != nil {
		t.Fatal(err)
	}
	if r.Status != lifecycle.Approved || !r.ReviewedAt.Equal(b.clock.now) || !r.Deadline().IsZero() {
		t.Errorf("approved application %+v", r)
	}
	if r.Overdue(at(t, "2027-01-01")) {
		t.Error("an approved application is never overdue")
	}
	before := *r
	for name, move := range map[string]func() error{
		"approve": func() error { return b.desk.Approve(r) },
		"refuse":  func() error { return b.desk.RefuseRepair(r, []string{"late"}) },
	} {
		if err := move(); !errors.Is(err, lifecycle.ErrIllegalMove) {
			t.Errorf("%s an approved application: %v, want ErrIllegalMove", name, err)
		}
	}
	if !reflect.DeepEqual(*r, before) {
		t.Error("a refused move changed the application")
	}
}

func TestRepairRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-03-02 10:00")
	r, err := b.desk.Submit(repair(at(t, "2025-11-30 09:00")))
	if err != nil {
		t.Fatal(err)
	}
	err = b.desk.RefuseRepair(r, nil)
	wantFieldErrors(t, err, "/reasons required")
	err = b.desk.RefuseRepair(r, []string{"The fine is unpaid.", " "})
	wantFieldErrors(t, err, "/reasons/1 required")
	err = b.desk.RefuseRepair(r, []string{strings.Repeat("欠", lifecycle.MaxRefusalReason+1)})
	wantFieldErrors(t, err, "/reasons/0 too_long")
	err = b.desk.RefuseRepair(r, slices.Repeat([]string{"unpaid"}, lifecycle.MaxRefusalReasons+1))
	wantFieldErrors(t, err, "/reasons too_many")
	if r.Status != lifecycle.Submitted {
		t.Fatal("a refused refusal changed the application")
	}

	reasons := []string{"The fine is unpaid.", "The commitment is not signed."}
	if err := b.desk.RefuseRepair(r, reasons); err != nil {
		t.Fatal(err)
	}
	if r.Status != lifecycle.Refused || !r.ReviewedAt.Equal(b.clock.now) || !slices.Equal(r.Reasons, reasons) {
		t.Errorf("refused application %+v", r)
	}
	reasons[0] = "changed by the caller"
	if r.Reasons[0] == reasons[0] {
		t.Error("the application shares its reasons with the caller")
	}
	if err := b.desk.Approve(r); !errors.Is(err, lifecycle.ErrIllegalMove) {
		t.Errorf("approve a refused application: %v, want ErrIllegalMove", err)
	}
}

func TestRepairMaterial(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-03-02 10:00")
	req := repair(at(t, "2025-11-30 09:00"))
	req.Proof = nil
	req.Commitment = []lifecycle.Attachment{{Name: "c.docx", MediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Size: 1}}
	r, err := b.desk.Submit(req)
	if r != nil {
		t.Error("a refused application was submitted")
	}
	wantFieldErrors(t, err, "/proof required", "/commitment/0/media_type media_type")
	var refused lifecycle.FieldErrors
	errors.As(err, &refused)
	if got := b.desk.CheckRepair(req); !slices.Equal(got, refused) {
		t.Errorf("CheckRepair = %v, want what Submit refused with", got)
	}
}

func TestOverdueRepairs(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-09-18 10:00") // Fri; 20 Sep (Sun) is a make-up working day
	req := repair(at(t, "2026-01-05 10:00"))
	late, _ := b.desk.Submit(req)
	b.set(t, "2026-09-30 10:00")
	req.ID = "rep-2"
	onTime, _ := b.desk.Submit(req)
	// 20-24 September, 28-30 September, 8 and 9 October.
	wantTime(t, "ReviewBy", late.ReviewBy, endOf(t, "2026-10-09"))
	// 8, 9, 10 (make-up Saturday), 12-16, 19, 20 October.
	wantTime(t, "ReviewBy", onTime.ReviewBy, endOf(t, "2026-10-20"))
	got := pastDeadline([]*lifecycle.Repair{late, onTime}, at(t, "2026-10-12 09:00"))
	if !slices.Equal(got, []*lifecycle.Repair{late}) {
		t.Errorf("Overdue on 12 October: %d applications, want the first", len(got))
	}
}
