package casework_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/record"
)

// TestDeadlinesAndOverdueOnTheServiceClock files a case at a time, checks
// its deadline in working days, then moves the clock: the case is late on
// reading, listed as overdue and counted by its gauge from the first
// instant after its deadline, and not before.
func TestDeadlinesAndOverdueOnTheServiceClock(t *testing.T) {
	t.Parallel()
	type probe struct {
		at   string
		late bool
	}
	tests := []struct {
		name, kind string
		// decided is the date of the record's deciding document; filed is
		// when the case is filed; deadline the last day of its deadline.
		decided, filed, deadline string
		probes                   []probe
	}{
		{"objection before Spring Festival: 14, 24-28 Feb, 2-5 Mar", "objection",
			"2026-02-01", "2026-02-13 15:00", "2026-03-05",
			[]probe{{"2026-02-20 10:00", false}, {"2026-03-05 23:59", false}, {"2026-03-06 00:00", true}, {"2026-04-01 09:00", true}}},
		{"objection before National Day: 8-10, 12-16, 19, 20 Oct", "objection",
			"2026-09-01", "2026-09-30 17:00", "2026-10-20",
			[]probe{{"2026-10-07 12:00", false}, {"2026-10-20 23:59", false}, {"2026-10-21 00:00", true}}},
		{"repair over Labour Day, due on a make-up Saturday", "repair",
			"2025-12-01", "2026-04-22 09:00", "2026-05-09",
			[]probe{{"2026-05-05 10:00", false}, {"2026-05-09 17:00", false}, {"2026-05-10 00:00", true}}},
		{"repair across a make-up Sunday: 20-24, 28-30 Sep, 8, 9 Oct", "repair",
			"2026-04-01", "2026-09-18 10:00", "2026-10-09",
			[]probe{{"2026-10-01 10:00", false}, {"2026-10-09 23:59", false}, {"2026-10-12 09:00", true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.filed)
			p := b.penalty(tt.decided)
			var id, token, gauge string
			var deadline time.Time
			var late bool
			switch tt.kind {
			case "objection":
				o := b.object(p)
				id, token, deadline, late, gauge = o.ID, o.TrackingToken, o.DecideBy, o.Late, "credex_objections_overdue"
			case "repair":
				r := b.apply(p)
				id, token, deadline, late, gauge = r.ID, r.TrackingToken, r.ReviewBy, r.Late, "credex_repairs_overdue"
			}
			if !deadline.Equal(endOf(t, tt.deadline)) || late {
				t.Fatalf("filed with deadline %s, late %v; want the end of %s, not late", deadline, late, tt.deadline)
			}
			for _, pr := range tt.probes {
				b.set(pr.at)
				var late bool
				var listed []string
				q := casework.Query{Overdue: "true"}
				switch tt.kind {
				case "objection":
					o, err := b.cases.ReadObjection(b.ctx, id, token)
					if err != nil {
						t.Fatal(err)
					}
					page, err := b.cases.ListObjections(b.as(b.operator), q)
					if err != nil {
						t.Fatal(err)
					}
					late, listed = o.Late, objectionIDs(page)
				case "repair":
					r, err := b.cases.ReadRepair(b.ctx, id, token)
					if err != nil {
						t.Fatal(err)
					}
					page, err := b.cases.ListRepairs(b.as(b.operator), q)
					if err != nil {
						t.Fatal(err)
					}
					late, listed = r.Late, repairIDs(page)
				}
				n, err := b.cases.CountOverdue(b.ctx)
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if pr.late {
					want = 1
				}
				if late != pr.late || (len(listed) == 1) != pr.late || n.Objections+n.Repairs != want || b.gauge(gauge) != float64(want) {
					t.Errorf("at %s: late %v, overdue list %v, count %+v, %s %v; want late %v", pr.at, late, listed, n, gauge, b.gauge(gauge), pr.late)
				}
			}
		})
	}
}

func objectionIDs(p *casework.Page[casework.Objection]) []string {
	var ids []string
	for _, o := range p.Cases {
		ids = append(ids, o.ID)
	}
	return ids
}

func repairIDs(p *casework.Page[casework.Repair]) []string {
	var ids []string
	for _, r := range p.Cases {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestListsPageOldestFirst files cases of both kinds, two of them at the
// same instant, and reads them back in pages.
func TestListsPageOldestFirst(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	var objections, repairs []string
	for i, filed := range []string{"2026-06-01 09:00", "2026-06-01 09:00", "2026-06-01 10:00", "2026-06-02 11:00", "2026-06-03 08:00"} {
		b.set(filed)
		p := b.penalty("2026-01-10")
		if i == 4 { // the last is the department's, decided already
			o := b.object(p)
			if _, err := b.cases.DecideObjection(b.as(b.market), o.ID, casework.ObjectionDecision{Outcome: lifecycle.Revoked, Reason: "撤销"}); err != nil {
				t.Fatal(err)
			}
			objections = append(objections, o.ID)
		} else {
			objections = append(objections, b.object(p).ID)
		}
		repairs = append(repairs, b.apply(p).ID)
	}
	slices.Sort(objections[:2]) // filed at the same instant: by id
	slices.Sort(repairs[:2])

	for _, tt := range []struct {
		name   string
		limit  string
		status string
		want   []string
	}{
		{"pages of two", "2", "", objections},
		{"pages of one", "1", "", objections},
		{"one page", "", "", objections},
		{"open ones, in pages of three", "3", "open", objections[:4]},
		{"closed ones", "2", "closed", objections[4:]},
	} {
		var got []string
		after, pages := "", 0
		for {
			page, err := b.cases.ListObjections(b.as(b.market), casework.Query{Limit: tt.limit, Status: tt.status, After: after})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got, after, pages = append(got, objectionIDs(page)...), page.Next, pages+1
			if after == "" || pages > 10 {
				break
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("objections, %s: %v in %d pages, want %v", tt.name, got, pages, tt.want)
		}
	}

	page, err := b.cases.ListRepairs(b.as(b.operator), casework.Query{Limit: "3"})
	if err != nil {
		t.Fatal(err)
	}
	next, err := b.cases.ListRepairs(b.as(b.operator), casework.Query{Limit: "3", After: page.Next})
	if err != nil {
		t.Fatal(err)
	}
	if got := append(repairIDs(page), repairIDs(next)...); !slices.Equal(got, repairs) || next.Next != "" {
		t.Errorf("repairs in pages of three: %v, next %q; want %v and no next", got, next.Next, repairs)
	}

	if page, err := b.cases.ListRepairs(b.as(b.tax), casework.Query{}); err != nil || len(page.Cases) != 0 || page.Next != "" {
		t.Errorf("another department's repairs: %v, %v; want none", page, err)
	}
	if _, err := b.cases.ListObjections(b.as(b.agency), casework.Query{}); !errors.Is(err, casework.ErrNotPermitted) {
		t.Errorf("an agency's list: %v, want ErrNotPermitted", err)
	}
	for _, q := range []struct {
		param string
		q     casework.Query
	}{
		{"status", casework.Query{Status: "pending"}},
		{"status", casework.Query{Status: "submitted"}}, // a repair's state, not an objection's
		{"overdue", casework.Query{Overdue: "yes"}},
		{"limit", casework.Query{Limit: "0"}},
		{"limit", casework.Query{Limit: "1001"}},
		{"limit", casework.Query{Limit: "ten"}},
		{"after", casework.Query{After: "not a cursor"}},
	} {
		_, err := b.cases.ListObjections(b.as(b.market), q.q)
		var bad *casework.InvalidParameter
		if !errors.As(err, &bad) || bad.Name != q.param || bad.Message == "" {
			t.Errorf("list %+v: %v, want an invalid %s", q.q, err, q.param)
		}
	}
}

// TestFilingChecksThePerson files both kinds of case as the person whose
// ID token the request bears, naming someone else, about another person's
// record, without a token, and about a record that does not exist: each is
// refused alike. Naming no one but proving who one is files the case.
func TestFilingChecksThePerson(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	p := b.penalty("2026-01-10")
	stranger := person{recordID: p.recordID, name: "李不对", idNumber: ident.NewCitizenID(b.rand)}
	wrongName, wrongID, noRecord, anonymous := p, p, p, p
	wrongName.name = "李不对"
	wrongID.idNumber = stranger.idNumber
	noRecord.recordID = "rec_doesnotexist"
	anonymous.name, anonymous.idNumber = "", ""
	file := map[string]func(context.Context, person) error{
		"objection": func(ctx context.Context, p person) error {
			_, err := b.cases.FileObjection(ctx, casework.ObjectionFiling{Filing: p.filing(), Grounds: "error"})
			return err
		},
		"repair": func(ctx context.Context, p person) error {
			_, err := b.cases.ApplyForRepair(ctx, casework.RepairApplication{Filing: p.filing(),
				Proof: uploads("receipt.pdf"), Commitment: uploads("commitment.pdf")})
			return err
		},
	}
	for kind, file := range file {
		for name, c := range map[string]struct {
			ctx context.Context
			who person
		}{
			"the person naming another name":       {b.proved(p), wrongName},
			"the person naming another ID number":  {b.proved(p), wrongID},
			"another person naming the subject":    {b.proved(stranger), p},
			"another person naming no one":         {b.proved(stranger), anonymous},
			"no token, naming the subject":         {b.ctx, p},
			"the person, about no existing record": {b.proved(p), noRecord},
			"another person, about no such record": {b.proved(stranger), noRecord},
		} {
			if err := file(c.ctx, c.who); err != casework.ErrNotSubject {
				t.Errorf("%s by %s: %v, want ErrNotSubject itself, the same for every mismatch", kind, name, err)
			}
		}
		bad := p
		bad.idNumber = p.idNumber[:17] + "0"
		if p.idNumber[17] == '0' {
			bad.idNumber = p.idNumber[:17] + "1"
		}
		bad.statement = " "
		fe, _ := errors.AsType[lifecycle.FieldErrors](file(b.proved(p), bad))
		var got []string
		for _, e := range fe {
			got = append(got, e.Pointer+" "+e.Code)
		}
		if !slices.Contains(got, "/id_number invalid_id_number") || !slices.Contains(got, "/statement required") {
			t.Errorf("%s with a bad check character and no statement: %v", kind, got)
		}
	}
	// Every refusal about the existing record is a failed proof about its
	// subject, in the audit log; nothing else was logged.
	b.audit.mu.Lock()
	var failed []string
	for _, e := range b.audit.entries {
		if e.Result != audit.IdentityFailed || e.Resource != p.recordID || e.Subject != record.SubjectKey(b.subjectKey, p.idNumber) {
			t.Errorf("audit entry %+v, want only failed proofs about the record's subject", e)
		}
		failed = append(failed, e.Action+" "+e.Kind)
	}
	b.audit.mu.Unlock()
	slices.Sort(failed)
	want := slices.Concat(slices.Repeat([]string{audit.ObjectionFiled + " person"}, 4), []string{audit.ObjectionFiled + " public"},
		slices.Repeat([]string{audit.RepairFiled + " person"}, 4), []string{audit.RepairFiled + " public"})
	if !slices.Equal(failed, want) {
		t.Errorf("failed proofs logged as %v, want %v: by the persons of tokens, and one without", failed, want)
	}
	if o, err := b.cases.FileObjection(b.proved(p), casework.ObjectionFiling{Filing: anonymous.filing(), Grounds: "error"}); err != nil || o.RecordID != p.recordID {
		t.Errorf("an objection by the person naming no one: %+v, %v; want it filed", o, err)
	}
}

// TestTrackingTokens checks that both kinds of case give tokens of one
// strength, and are read with them, or with their department's or an
// operator's key, and by no one else: a credential that is neither a key
// nor the case's token is bad whether or not the case exists, and another
// principal is told it does not.
func TestTrackingTokens(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	p := b.penalty("2026-01-10")
	o, r := b.object(p), b.apply(p)
	otk, okO := strings.CutPrefix(o.TrackingToken, "otk_")
	rtk, okR := strings.CutPrefix(r.TrackingToken, "rpt_")
	if !okO || !okR || len(otk) != len(rtk) || len(otk) < 40 {
		t.Errorf("tokens %q and %q: want otk_ and rpt_ with as many random characters, at least 40", o.TrackingToken, r.TrackingToken)
	}
	if stored, _ := b.store.Objection(b.ctx, o.ID); stored.TokenHash == o.TrackingToken || stored.TokenHash == "" {
		t.Error("the tracking token is stored in the clear")
	}
	read := map[string]func(id, cred string) error{
		"objection": func(id, cred string) error { _, err := b.cases.ReadObjection(b.ctx, id, cred); return err },
		"repair":    func(id, cred string) error { _, err := b.cases.ReadRepair(b.ctx, id, cred); return err },
	}
	ids := map[string]string{"objection": o.ID, "repair": r.ID}
	tokens := map[string]string{"objection": o.TrackingToken, "repair": r.TrackingToken}
	for kind, read := range read {
		other := tokens["objection"]
		if kind == "objection" {
			other = tokens["repair"]
		}
		for _, c := range []struct {
			who, cred string
			want      error
		}{
			{"its token", tokens[kind], nil},
			{"the department", marketKey, nil},
			{"an operator", opKey, nil},
			{"the other case's token", other, casework.ErrBadCredential},
			{"its token in upper case", strings.ToUpper(tokens[kind]), casework.ErrBadCredential},
			{"another department", taxKey, casework.ErrNotFound},
			{"an agency", agencyKey, casework.ErrNotFound},
			{"nothing", "", casework.ErrBadCredential},
		} {
			if err := read(ids[kind], c.cred); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Errorf("%s read with %s: %v, want %v", kind, c.who, err, c.want)
			}
		}
		// Whether a case exists is said to keys only.
		if err := read("no_such_case", tokens[kind]); !errors.Is(err, casework.ErrBadCredential) {
			t.Errorf("%s that does not exist, read with a token: %v, want ErrBadCredential", kind, err)
		}
		if err := read("no_such_case", opKey); !errors.Is(err, casework.ErrNotFound) {
			t.Errorf("%s that does not exist, read with a key: %v, want ErrNotFound", kind, err)
		}
	}
	want := []string{"objection.filed person", "repair.filed person",
		"objection.read person", "objection.read department", "objection.read operator",
		"repair.read person", "repair.read department", "repair.read operator"}
	got := b.audit.actions()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("audit log %v, want %v", got, want)
	}
}

// TestDecisions decides cases of both kinds, and refuses decisions by
// those who may not make them.
func TestDecisions(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	p, q := b.penalty("2026-01-10"), b.penalty("2026-01-10")
	o, r, refused := b.object(p), b.apply(p), b.apply(q)

	upheld := casework.ObjectionDecision{Outcome: lifecycle.Upheld, Reason: "经复核，记录无误。"}
	for _, c := range []struct {
		name string
		err  error
	}{
		{"an operator", func() error { _, err := b.cases.DecideObjection(b.as(b.operator), o.ID, upheld); return err }()},
		{"another department", func() error { _, err := b.cases.DecideObjection(b.as(b.tax), o.ID, upheld); return err }()},
		{"an agency", func() error { _, err := b.cases.DecideObjection(b.as(b.agency), o.ID, upheld); return err }()},
	} {
		if !errors.Is(c.err, casework.ErrNotFound) {
			t.Errorf("objection decided by %s: %v, want ErrNotFound", c.name, c.err)
		}
	}
	_, err := b.cases.DecideObjection(b.as(b.market), o.ID, casework.ObjectionDecision{Outcome: "annulled"})
	if fe, _ := errors.AsType[lifecycle.FieldErrors](err); len(fe) != 2 {
		t.Errorf("an unknown outcome without a reason: %v, want both problems", err)
	}
	b.set("2026-06-02 10:00")
	decided, err := b.cases.DecideObjection(b.as(b.market), o.ID, upheld)
	if err != nil || decided.Status != lifecycle.Decided || decided.Outcome != lifecycle.Upheld || !decided.ClosedAt.Equal(b.clock.now()) {
		t.Fatalf("objection decided: %+v, %v; want decided, upheld, now", decided, err)
	}
	if _, err := b.cases.DecideObjection(b.as(b.market), o.ID, upheld); !errors.Is(err, casework.ErrClosed) {
		t.Errorf("decided again: %v, want ErrClosed", err)
	}

	approve := casework.RepairDecision{Outcome: lifecycle.Approved}
	for _, c := range []struct {
		name   string
		decide func() error
		want   error
	}{
		{"an agency", func() error { _, err := b.cases.DecideRepair(b.as(b.agency), r.ID, approve); return err }, casework.ErrNotPermitted},
		{"an operator", func() error { _, err := b.cases.DecideRepair(b.as(b.operator), r.ID, approve); return err }, casework.ErrNotPermitted},
		{"another department", func() error { _, err := b.cases.DecideRepair(b.as(b.tax), r.ID, approve); return err }, casework.ErrNotFound},
		{"its department, with no outcome", func() error {
			_, err := b.cases.DecideRepair(b.as(b.market), r.ID, casework.RepairDecision{Outcome: "maybe"})
			return err
		}, casework.ErrUnknownOutcome},
		{"its department, refusing without reasons", func() error {
			_, err := b.cases.DecideRepair(b.as(b.market), r.ID, casework.RepairDecision{Outcome: lifecycle.Refused})
			return err
		}, lifecycle.ErrInvalid},
	} {
		if err := c.decide(); !errors.Is(err, c.want) {
			t.Errorf("repair decided by %s: %v, want %v", c.name, err, c.want)
		}
	}
	approved, err := b.cases.DecideRepair(b.as(b.market), r.ID, approve)
	if err != nil || approved.Status != lifecycle.Approved || approved.ReviewedBy != "market" {
		t.Fatalf("approval: %+v, %v", approved, err)
	}
	if _, err := b.cases.DecideRepair(b.as(b.market), r.ID, approve); !errors.Is(err, casework.ErrClosed) {
		t.Errorf("approved again: %v, want ErrClosed", err)
	}
	reasons := []string{"未提交罚款缴纳凭证"}
	if got, err := b.cases.DecideRepair(b.as(b.market), refused.ID, casework.RepairDecision{Outcome: lifecycle.Refused, Reasons: reasons}); err != nil ||
		got.Status != lifecycle.Refused || !slices.Equal(got.Reasons, reasons) {
		t.Errorf("refusal: %+v, %v", got, err)
	}
}

// TestEscalatedOnce moves the clock past the deadlines of a case of each
// kind: each is reported once, however often escalation runs.
func TestEscalatedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	p := b.penalty("2026-01-10")
	o, r := b.object(p), b.apply(p)
	for range 2 {
		if err := b.cases.Escalate(b.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(b.logs.String(), "overdue") {
		t.Fatalf("escalated before any deadline:\n%s", b.logs)
	}
	last := o.DecideBy
	if r.ReviewBy.After(last) {
		last = r.ReviewBy
	}
	b.clock.set(last.Add(time.Second))
	for range 2 {
		if err := b.cases.Escalate(b.ctx); err != nil {
			t.Fatal(err)
		}
	}
	logs := b.logs.String()
	if strings.Count(logs, `msg="objection overdue"`) != 1 || strings.Count(logs, `msg="repair overdue"`) != 1 ||
		!strings.Contains(logs, o.ID) || !strings.Contains(logs, r.ID) {
		t.Errorf("want one warning for each case:\n%s", logs)
	}
}

// TestOneOpenCaseOfEachKind files a second case of each kind while the
// first is open, and repairs of records not yet or no longer repairable.
func TestOneOpenCaseOfEachKind(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	p := b.penalty("2026-01-10")
	b.object(p)
	b.apply(p)
	if _, err := b.cases.FileObjection(b.proved(p), casework.ObjectionFiling{Filing: p.filing(), Grounds: "omission"}); !errors.Is(err, casework.ErrOpen) {
		t.Errorf("a second objection: %v, want ErrOpen", err)
	}
	application := func(p person) casework.RepairApplication {
		return casework.RepairApplication{Filing: p.filing(), Proof: uploads("receipt.pdf"), Commitment: uploads("commitment.pdf")}
	}
	apply := func(p person) error {
		_, err := b.cases.ApplyForRepair(b.proved(p), application(p))
		return err
	}
	if err := apply(p); !errors.Is(err, casework.ErrOpen) {
		t.Errorf("a second application: %v, want ErrOpen", err)
	}

	err := apply(b.penalty("2026-04-01"))
	var early *casework.TooEarlyError
	if !errors.As(err, &early) || early.ApplyFrom.Format(time.DateOnly) != "2026-07-02" {
		t.Errorf("an application a month early: %v, want to apply from 2 July", err)
	}
	if err := apply(b.penalty("2025-05-01")); !errors.Is(err, casework.ErrDisplayEnded) {
		t.Errorf("an application past the maximum display period: %v, want ErrDisplayEnded", err)
	}
}

// TestRepairFileParameters reads the files of an application by list and
// position as the request path names them: a position past the most files
// a list may hold, or not a number, and a list other than proof and
// commitment are invalid parameters, never a question for the database.
func TestRepairFileParameters(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	r := b.apply(b.penalty("2026-01-10"))
	for _, c := range []struct {
		list, position string
		want           error  // nil, or ErrNoFile
		param          string // the invalid parameter
	}{
		{"proof", "0", nil, ""},
		{"commitment", "0", nil, ""},
		{"proof", "1", casework.ErrNoFile, ""},
		{"proof", "9", casework.ErrNoFile, ""},
		{"proof", "10", nil, "position"},
		{"proof", "2147483648", nil, "position"},
		{"proof", "4294967296", nil, "position"},
		{"proof", "99999999999999999999", nil, "position"},
		{"proof", "-1", nil, "position"},
		{"proof", "01", casework.ErrNoFile, ""},
		{"proof", "x", nil, "position"},
		{"proof", "", nil, "position"},
		{"other", "0", nil, "list"},
	} {
		f, err := b.cases.RepairFile(b.ctx, r.ID, r.TrackingToken, c.list, c.position)
		var param *casework.InvalidParameter
		switch {
		case c.param != "":
			if !errors.As(err, &param) || param.Name != c.param || param.Message == "" {
				t.Errorf("file %s/%s: %v, want invalid parameter %s", c.list, c.position, err, c.param)
			}
		case c.want != nil:
			if !errors.Is(err, c.want) {
				t.Errorf("file %s/%s: %v, want %v", c.list, c.position, err, c.want)
			}
		case err != nil || f == nil:
			t.Errorf("file %s/%s: %v, want the file", c.list, c.position, err)
		}
	}
}

// TestFilingsWithinTheirLimits files cases whose texts pass the limits the
// API document states, or whose ID number or file is written other than it
// says: each is refused with a pointer at the culprit, before anything is
// looked up.
func TestFilingsWithinTheirLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, "2026-06-01 09:00")
	p := b.penalty("2026-01-10")
	pdf := uploads("receipt.pdf")[0]
	for _, c := range []struct {
		name string
		edit func(f *casework.Filing, u *casework.Upload)
		want string // "pointer code"
	}{
		{"a name too long", func(f *casework.Filing, _ *casework.Upload) { f.Name = strings.Repeat("名", casework.MaxName+1) }, "/name too_long"},
		{"a statement too long", func(f *casework.Filing, _ *casework.Upload) {
			f.Statement = strings.Repeat("述", casework.MaxStatement+1)
		}, "/statement too_long"},
		{"a record id too long", func(f *casework.Filing, _ *casework.Upload) {
			f.RecordID = "rec_" + strings.Repeat("x", casework.MaxRecordID)
		}, "/record_id too_long"},
		{"an ID number with a space inside", func(f *casework.Filing, _ *casework.Upload) { f.IDNumber = f.IDNumber[:6] + " " + f.IDNumber[6:] }, "/id_number invalid_id_number"},
		{"a file's media type with parameters", func(_ *casework.Filing, u *casework.Upload) { u.MediaType = "application/pdf; name=x" }, "/0/media_type media_type"},
		{"a file's name too long", func(_ *casework.Filing, u *casework.Upload) { u.Name = strings.Repeat("n", lifecycle.MaxFileName+1) }, "/0/name too_long"},
	} {
		f, u := p.filing(), pdf
		c.edit(&f, &u)
		for kind, err := range map[string]error{
			"objection": func() error {
				_, err := b.cases.FileObjection(b.ctx, casework.ObjectionFiling{Filing: f, Grounds: "error", Evidence: []casework.Upload{u}})
				return err
			}(),
			"repair": func() error {
				_, err := b.cases.ApplyForRepair(b.ctx, casework.RepairApplication{Filing: f, Proof: []casework.Upload{u}, Commitment: []casework.Upload{pdf}})
				return err
			}(),
		} {
			fe, _ := errors.AsType[lifecycle.FieldErrors](err)
			var got []string
			for _, e := range fe {
				got = append(got, e.Pointer+" "+e.Code)
			}
			if !slices.ContainsFunc(got, func(g string) bool { return strings.HasSuffix(g, c.want) }) {
				t.Errorf("%s with %s: %v (%v), want %s", kind, c.name, got, err, c.want)
			}
		}
	}
}
