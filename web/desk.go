package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/casework"
	"github.com/credex/credex/lifecycle"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
	"github.com/credex/credex/workday"
)

// routeDesk registers the department desk under /desk/: a department signs
// in with its API key, sees its open objections and repair applications
// and its recent submissions, reads and decides a case.
func (s *server) routeDesk(mux *http.ServeMux) {
	mux.HandleFunc("GET /desk/{$}", s.signedIn(deskArea, http.StatusOK, "", s.deskIndex))
	mux.HandleFunc("POST /desk/signin", s.staffSignIn(deskArea))
	mux.HandleFunc("POST /desk/signout", s.staffSignOut(deskArea))
	mux.HandleFunc("GET /desk/objections/{id}", s.desk(s.deskObjection))
	mux.HandleFunc("POST /desk/objections/{id}/decision", s.desk(s.deskDecideObjection))
	mux.HandleFunc("GET /desk/objections/{id}/evidence/{position}", s.desk(s.deskEvidence))
	mux.HandleFunc("GET /desk/repairs/{id}", s.desk(s.deskRepair))
	mux.HandleFunc("POST /desk/repairs/{id}/decision", s.desk(s.deskDecideRepair))
	mux.HandleFunc("GET /desk/repairs/{id}/files/{list}/{position}", s.desk(s.deskRepairFile))
}

// desk serves next to the department signed in; anyone else is sent to the
// desk's sign-in.
func (s *server) desk(next func(http.ResponseWriter, *http.Request, *principal.Principal)) http.HandlerFunc {
	return s.signedIn(deskArea, http.StatusUnauthorized, "signin.required", next)
}

// submissionsShown and errorsSince bound what the desk shows of a
// department's submissions.
const (
	submissionsShown = 20
	errorsSince      = 30 * 24 * time.Hour
)

// deskPage is the data of desk.html.
type deskPage struct {
	Department *principal.Principal
	// Cases are the open cases, overdue first, then by deadline.
	Cases []deskCase
	// More says there are more open cases than listed.
	More        bool
	Submissions []submissionRow
	// Errors count the rejections of the last ErrorDays days by code.
	Errors    []store.ErrorCount
	ErrorDays int
}

// submissionRow is a submission as the desk lists it.
type submissionRow struct {
	store.Submission
	// Received is when it was received, in Beijing time.
	Received string
}

// deskCase is an open case in the desk's list.
type deskCase struct {
	// Kind is objection or repair; Path the case's page.
	Kind, ID, RecordID, Status, Path string
	Filed                            string
	Deadline                         *deadline
	// Overdue: the case awaits a move past its deadline; due is the
	// deadline, by which the list is sorted.
	Overdue bool
	due     time.Time
}

// deskIndex serves GET /desk/ to a department: its open cases and recent
// submissions.
func (s *server) deskIndex(w http.ResponseWriter, r *http.Request, p *principal.Principal) {
	data := deskPage{Department: p, ErrorDays: int(errorsSince / (24 * time.Hour))}
	ctx := r.Context()
	objections, err := s.Cases.ListObjections(ctx, casework.Query{Status: "open"})
	if err == nil {
		for _, o := range objections.Cases {
			data.Cases = append(data.Cases, deskCase{Kind: "objection", ID: o.ID, RecordID: o.RecordID, Status: string(o.Status),
				Path: "/desk/objections/" + o.ID, Filed: date(o.FiledAt), Deadline: s.deadlineOf(o.Deadline()), Overdue: o.Late, due: o.Deadline()})
		}
		data.More = objections.Next != ""
		var repairs *casework.Page[casework.Repair]
		if repairs, err = s.Cases.ListRepairs(ctx, casework.Query{Status: "open"}); err == nil {
			for _, a := range repairs.Cases {
				data.Cases = append(data.Cases, deskCase{Kind: "repair", ID: a.ID, RecordID: a.RecordID, Status: string(a.Status),
					Path: "/desk/repairs/" + a.ID, Filed: date(a.SubmittedAt), Deadline: s.deadlineOf(a.Deadline()), Overdue: a.Late, due: a.Deadline()})
			}
			data.More = data.More || repairs.Next != ""
		}
	}
	if err == nil {
		var subs []store.Submission
		subs, err = s.Store.Submissions(ctx, p.Code, submissionsShown)
		for _, sub := range subs {
			data.Submissions = append(data.Submissions, submissionRow{Submission: sub, Received: timeOf(sub.ReceivedAt)})
		}
	}
	if err == nil {
		data.Errors, err = s.Store.SubmissionErrors(ctx, p.Code, s.now().Add(-errorsSince))
	}
	if err != nil {
		s.Logger.Error("desk", "err", err)
		s.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
		return
	}
	slices.SortStableFunc(data.Cases, func(a, b deskCase) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		return a.due.Compare(b.due)
	})
	s.render(w, r, http.StatusOK, "desk.html", data)
}

// timeOf is t in Beijing time, to the minute.
func timeOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(workday.Location).Format("2006-01-02 15:04")
}

// deskRecord is a record as the desk shows it to its own department: its
// data in full, ID number included, and its history.
type deskRecord struct {
	ID, Type, SourceID, State, Display string
	Version                            int
	Disputed                           bool
	SubjectName                        string
	// Data is the record's current payload, indented.
	Data    string
	History []versionRow
}

// versionRow is a version of a record's history.
type versionRow struct {
	Version            int
	Op, At, Reason     string
	SubmissionID, Data string
}

// caseRecord reads the record a case of p's is about, for p, with the read
// in the audit log before it is shown; nil when p may not read it.
func (s *server) caseRecord(r *http.Request, p *principal.Principal, id string) (*deskRecord, error) {
	rec, err := s.Store.Record(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !authz.Allowed(p.Kind, authz.ReadRecord, nil) || p.Code != rec.Department {
		return nil, nil
	}
	if err := s.Audit.Record(r.Context(), audit.Entry{Action: audit.RecordRead, Resource: id, Subject: rec.SubjectKey, Result: audit.OK}); err != nil {
		return nil, err
	}
	v := &deskRecord{ID: rec.ID, Type: rec.Type, SourceID: rec.SourceID, State: rec.State, Display: rec.Display,
		Version: rec.Version, Disputed: rec.Disputed, SubjectName: rec.SubjectName, Data: indent(rec.Data)}
	for i := len(rec.History) - 1; i >= 0; i-- {
		h := rec.History[i]
		v.History = append(v.History, versionRow{Version: h.Version, Op: h.Op, At: timeOf(h.AcceptedAt), Reason: h.Reason,
			SubmissionID: h.SubmissionID, Data: indent(h.Data)})
	}
	return v, nil
}

// indent is JSON indented for reading; what is not JSON comes back as it
// is.
func indent(data []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		return string(data)
	}
	return buf.String()
}

// fileRow is a file attached to a case, with the path that downloads it.
type fileRow struct {
	Name, MediaType, Path string
	Size                  int64
}

// fileGroup is a list of a case's files: an objection's evidence, an
// application's proof or commitment.
type fileGroup struct {
	// Title is the message key of the list's name.
	Title string
	Files []fileRow
}

// fieldErrors are the problems of a decision form, as sentences, by field:
// outcome, reason, data, reasons.
type fieldErrors map[string][]string

// casePage is the data of desk_case.html: an objection or a repair
// application, the record it is about, its files and the decision form.
type casePage struct {
	// Kind is objection or repair; Objection or Repair is set.
	Kind      string
	Objection *casework.Objection
	Repair    *casework.Repair
	ID        string
	Status    string
	Filed     string
	Statement string
	Deadline  *deadline
	Overdue   bool
	Record    *deskRecord
	Files     []fileGroup
	// Open: the case awaits the department's decision.
	Open bool
	// Decided: the decision was just recorded.
	Decided bool
	Form    caseForm
}

// caseForm is the decision form as it was sent, with its problems.
type caseForm struct {
	Outcome, Reason, Data, Reasons string
	Errors                         fieldErrors
	// Problem is a sentence about the decision as a whole.
	Problem string
}

// deskObjection serves GET /desk/objections/{id}.
func (s *server) deskObjection(w http.ResponseWriter, r *http.Request, p *principal.Principal) {
	s.showObjection(w, r, p, http.StatusOK, caseForm{}, r.URL.Query().Get("decided") == "1")
}

// showObjection renders the page of the objection in the path with the
// decision form as form, with status.
func (s *server) showObjection(w http.ResponseWriter, r *http.Request, p *principal.Principal, status int, form caseForm, decided bool) {
	o, err := s.Cases.ObjectionFor(r.Context(), r.PathValue("id"))
	if s.deskCaseFailed(w, r, err) {
		return
	}
	rec, err := s.caseRecord(r, p, o.RecordID)
	if s.deskCaseFailed(w, r, err) {
		return
	}
	data := casePage{Kind: "objection", Objection: o, ID: o.ID, Status: string(o.Status), Filed: timeOf(o.FiledAt),
		Statement: o.Statement, Deadline: s.deadlineOf(o.Deadline()), Overdue: o.Late, Record: rec,
		Open: o.Status == lifecycle.Accepted, Decided: decided, Form: form,
		Files: []fileGroup{{Title: "case.evidence", Files: files("/desk/objections/"+o.ID+"/evidence/", o.Evidence)}}}
	if data.Form.Data == "" && rec != nil {
		data.Form.Data = rec.Data // the current data, to correct
	}
	s.render(w, r, status, "desk_case.html", data)
}

// files are the rows of attachments, each downloaded at prefix and its
// position.
func files(prefix string, as []lifecycle.Attachment) []fileRow {
	var rows []fileRow
	for i, f := range as {
		rows = append(rows, fileRow{Name: f.Name, MediaType: f.MediaType, Size: f.Size, Path: prefix + strconv.Itoa(i)})
	}
	return rows
}

// deskDecideObjection serves POST /desk/objections/{id}/decision: upheld,
// corrected with the data of the form, or revoked, with a reason. Problems
// are shown next to their fields.
func (s *server) deskDecideObjection(w http.ResponseWriter, r *http.Request, p *principal.Principal) {
	form := caseForm{Outcome: r.PostFormValue("outcome"), Reason: r.PostFormValue("reason"), Errors: fieldErrors{}}
	d := casework.ObjectionDecision{Outcome: lifecycle.Outcome(form.Outcome), Reason: form.Reason}
	lang := langOf(r)
	if form.Outcome == string(lifecycle.Corrected) {
		form.Data = r.PostFormValue("data")
		if !json.Valid([]byte(form.Data)) {
			form.Errors.add("data", translate(lang, "decision.data_not_json"))
		} else {
			d.Data = json.RawMessage(form.Data)
		}
	}
	if len(form.Errors) == 0 {
		_, err := s.Cases.DecideObjection(r.Context(), r.PathValue("id"), d)
		if err == nil {
			http.Redirect(w, r, "/desk/objections/"+r.PathValue("id")+"?decided=1", http.StatusSeeOther)
			return
		}
		if !s.decisionProblems(lang, err, form.Errors, &form.Problem) {
			s.deskCaseFailed(w, r, err)
			return
		}
	}
	s.showObjection(w, r, p, http.StatusUnprocessableEntity, form, false)
}

// decisionProblems puts the problems of a decision that err refuses into
// errs, by field, or into problem when they are not a field's; it reports
// whether err is such a refusal.
func (s *server) decisionProblems(lang string, err error, errs fieldErrors, problem *string) bool {
	fe, isFields := errors.AsType[lifecycle.FieldErrors](err)
	bad, isData := errors.AsType[*casework.InvalidDataError](err)
	switch {
	case isFields:
		for _, e := range fe {
			errs.add(fieldOf(e.Pointer), fieldSentence(lang, e.Code, e.Pointer, e.Message))
		}
	case isData:
		for _, e := range bad.Errors {
			errs.add("data", fieldSentence(lang, e.Code, e.Pointer, e.Message))
		}
	case errors.Is(err, casework.ErrClosed):
		*problem = translate(lang, "decision.closed")
	case errors.Is(err, casework.ErrRecordRevoked):
		*problem = translate(lang, "decision.record_revoked")
	case errors.Is(err, casework.ErrUnknownOutcome):
		errs.add("outcome", translate(lang, "decision.outcome_bad"))
	default:
		return false
	}
	return true
}

func (e fieldErrors) add(field, sentence string) { e[field] = append(e[field], sentence) }

// fieldOf is the form field a pointer into a decision names.
func fieldOf(pointer string) string {
	field, _, _ := strings.Cut(strings.TrimPrefix(pointer, "/"), "/")
	return cmp.Or(field, "outcome")
}

// fieldSentence is a problem of a field as a sentence in lang: known codes
// in the visitor's words, with the field's path; others as the service
// wrote them.
func fieldSentence(lang, code, pointer, message string) string {
	path := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(pointer, "/data"), "/"), "/", ".")
	key := "field." + code
	if _, ok := messages[lang][key]; !ok || path == "" {
		return message
	}
	return translate(lang, key, path)
}

// deskCaseFailed answers err, an error of reading a case or its record,
// and reports whether there was one: a case the department may not
// see does not exist for it.
func (s *server) deskCaseFailed(w http.ResponseWriter, r *http.Request, err error) bool {
	var param *casework.InvalidParameter
	switch {
	case err == nil:
		return false
	case errors.Is(err, casework.ErrNotFound), errors.Is(err, casework.ErrNotPermitted), errors.Is(err, casework.ErrNoFile),
		errors.As(err, &param):
		s.fail(w, r, http.StatusNotFound, "desk.case_not_found")
	default:
		s.Logger.Error("desk case", "err", err)
		s.fail(w, r, http.StatusServiceUnavailable, "error.unavailable")
	}
	return true
}

// deskEvidence serves GET /desk/objections/{id}/evidence/{position}: a
// file of the objection's evidence, to download.
func (s *server) deskEvidence(w http.ResponseWriter, r *http.Request, _ *principal.Principal) {
	f, err := s.Cases.ObjectionFileFor(r.Context(), r.PathValue("id"), r.PathValue("position"))
	if s.deskCaseFailed(w, r, err) {
		return
	}
	download(w, f.Name, f.MediaType, f.Content)
}

// download sends a file as an attachment, never to be shown in the page's
// origin.
func download(w http.ResponseWriter, name, mediaType string, content []byte) {
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Disposition", mimeAttachment(name))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(content)
}

// mimeAttachment is the Content-Disposition of a file to download under
// name (RFC 2231 for names beyond ASCII).
func mimeAttachment(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment"
}

// deskRepair serves GET /desk/repairs/{id}.
func (s *server) deskRepair(w http.ResponseWriter, r *http.Request, p *principal.Principal) {
	s.showRepair(w, r, p, http.StatusOK, caseForm{}, r.URL.Query().Get("decided") == "1")
}

// showRepair renders the page of the application in the path with the
// review form as form, with status.
func (s *server) showRepair(w http.ResponseWriter, r *http.Request, p *principal.Principal, status int, form caseForm, decided bool) {
	a, err := s.Cases.RepairFor(r.Context(), r.PathValue("id"))
	if s.deskCaseFailed(w, r, err) {
		return
	}
	rec, err := s.caseRecord(r, p, a.RecordID)
	if s.deskCaseFailed(w, r, err) {
		return
	}
	prefix := "/desk/repairs/" + a.ID + "/files/"
	data := casePage{Kind: "repair", Repair: a, ID: a.ID, Status: string(a.Status), Filed: timeOf(a.SubmittedAt),
		Statement: a.Statement, Deadline: s.deadlineOf(a.Deadline()), Overdue: a.Late, Record: rec,
		Open: a.Status == lifecycle.Submitted, Decided: decided, Form: form,
		Files: []fileGroup{{Title: "case.proof", Files: files(prefix+"proof/", a.Proof)},
			{Title: "case.commitment", Files: files(prefix+"commitment/", a.Commitment)}}}
	s.render(w, r, status, "desk_case.html", data)
}

// deskDecideRepair serves POST /desk/repairs/{id}/decision: approved, or
// refused with reasons, one a line.
func (s *server) deskDecideRepair(w http.ResponseWriter, r *http.Request, p *principal.Principal) {
	form := caseForm{Outcome: r.PostFormValue("outcome"), Reasons: r.PostFormValue("reasons"), Errors: fieldErrors{}}
	var reasons []string
	for line := range strings.Lines(form.Reasons) {
		if line = strings.TrimSpace(line); line != "" {
			reasons = append(reasons, line)
		}
	}
	_, err := s.Cases.DecideRepair(r.Context(), r.PathValue("id"), casework.RepairDecision{Outcome: lifecycle.Status(form.Outcome), Reasons: reasons})
	if err == nil {
		http.Redirect(w, r, "/desk/repairs/"+r.PathValue("id")+"?decided=1", http.StatusSeeOther)
		return
	}
	if !s.decisionProblems(langOf(r), err, form.Errors, &form.Problem) {
		s.deskCaseFailed(w, r, err)
		return
	}
	s.showRepair(w, r, p, http.StatusUnprocessableEntity, form, false)
}

// deskRepairFile serves GET /desk/repairs/{id}/files/{list}/{position}.
func (s *server) deskRepairFile(w http.ResponseWriter, r *http.Request, _ *principal.Principal) {
	f, err := s.Cases.RepairFileFor(r.Context(), r.PathValue("id"), r.PathValue("list"), r.PathValue("position"))
	if s.deskCaseFailed(w, r, err) {
		return
	}
	download(w, f.Name, f.MediaType, f.Content)
}
