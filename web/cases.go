package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/idtoken"
	"github.com/credex/credex/lifecycle"
)

// routeCases registers objections and repair applications: a signed-in
// person files them about their records and reads them; anyone follows one
// with its number and tracking token.
func (s *server) routeCases(mux *http.ServeMux) {
	mux.HandleFunc("GET /me/records/{id}/objection", s.asPerson(s.objectionForm))
	mux.HandleFunc("POST /me/records/{id}/objection", s.asPerson(s.fileObjection))
	mux.HandleFunc("GET /me/records/{id}/repair", s.asPerson(s.repairForm))
	mux.HandleFunc("POST /me/records/{id}/repair", s.asPerson(s.applyForRepair))
	mux.HandleFunc("GET /me/cases/{id}", s.asPerson(s.myCase))
	mux.HandleFunc("GET /track", s.trackForm)
	mux.HandleFunc("POST /track", s.track)
}

// caseView is an objection or a repair application as a page shows it.
type caseView struct {
	ID, Kind, RecordID, Status string
	// Open says the case awaits a move; Deadline is that move's.
	Open     bool
	Deadline *deadline
	// DeadlineKey names the move awaited (a message key).
	DeadlineKey string
	FiledAt     string
	Grounds     string
	Statement   string
	Files       []lifecycle.Attachment
	Outcome     string
	Reasons     []string
}

func (s *server) objectionView(o *casework.Objection) caseView {
	v := caseView{ID: o.ID, Kind: "objection", RecordID: o.RecordID, Status: "status." + string(o.Status),
		FiledAt: date(o.FiledAt), Grounds: "grounds." + string(o.Grounds), Statement: o.Statement, Files: o.Evidence}
	if d := o.Deadline(); !d.IsZero() {
		v.Open, v.Deadline, v.DeadlineKey = true, s.deadlineOf(d), "case.deadline."+string(o.Status)
	}
	if o.Outcome != "" {
		v.Outcome = "outcome." + string(o.Outcome)
	}
	if o.Reason != "" {
		v.Reasons = []string{o.Reason}
	}
	return v
}

func (s *server) repairView(r *casework.Repair) caseView {
	v := caseView{ID: r.ID, Kind: "repair", RecordID: r.RecordID, Status: "status." + string(r.Status),
		FiledAt: date(r.SubmittedAt), Statement: r.Statement, Files: append(append([]lifecycle.Attachment{}, r.Proof...), r.Commitment...),
		Reasons: r.Reasons}
	if d := r.Deadline(); !d.IsZero() {
		v.Open, v.Deadline, v.DeadlineKey = true, s.deadlineOf(d), "case.deadline.submitted"
	}
	return v
}

// filingPage is the data of objection.html and repair.html.
type filingPage struct {
	RecordID  string
	Grounds   []string
	Chosen    string
	Statement string
	// Problems are what to fix, as sentences.
	Problems []string
	Limits   evidenceLimits
}

// evidenceLimits are the limits of a filing's files, shown before upload.
type evidenceLimits struct {
	MaxFiles            int
	MaxFileMB, MaxAllMB int
	Types               string
}

var limits = evidenceLimits{MaxFiles: lifecycle.DefaultMaxFiles, MaxFileMB: lifecycle.DefaultMaxSize >> 20,
	MaxAllMB: lifecycle.MaxFilingBytes >> 20, Types: "PDF, JPEG, PNG"}

func (s *server) filingPage(r *http.Request) filingPage {
	return filingPage{RecordID: r.PathValue("id"), Limits: limits, Grounds: []string{
		string(lifecycle.GroundsError), string(lifecycle.GroundsOmission), string(lifecycle.GroundsDuplicate),
		string(lifecycle.GroundsShouldNotBePublic), string(lifecycle.GroundsShownPastPeriod), string(lifecycle.GroundsDiffersFromDecider)}}
}

// objectionForm serves GET /me/records/{id}/objection.
func (s *server) objectionForm(w http.ResponseWriter, r *http.Request, _ *idtoken.Person) {
	s.render(w, r, http.StatusOK, "objection.html", s.filingPage(r))
}

// receiptPage is the data of filed.html: the case just filed and its
// tracking token, shown this once.
type receiptPage struct {
	Case  caseView
	Token string
}

// fileObjection serves POST /me/records/{id}/objection: the objection of
// the signed-in person, with its evidence (casework.Service.FileObjection,
// as POST /v1/objections).
func (s *server) fileObjection(w http.ResponseWriter, r *http.Request, _ *idtoken.Person) {
	page := s.filingPage(r)
	page.Chosen, page.Statement = r.PostFormValue("grounds"), r.PostFormValue("statement")
	evidence, err := uploads(r, "evidence")
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, "error.upload")
		return
	}
	o, err := s.Cases.FileObjection(r.Context(), casework.ObjectionFiling{
		Filing:  casework.Filing{RecordID: page.RecordID, Statement: page.Statement},
		Grounds: lifecycle.Grounds(page.Chosen), Evidence: evidence,
	})
	if fe, ok := errors.AsType[lifecycle.FieldErrors](err); ok {
		page.Problems = problems(langOf(r), fe)
		s.render(w, r, http.StatusBadRequest, "objection.html", page)
		return
	}
	if s.caseFailed(w, r, err, "case.open.objection") {
		return
	}
	s.render(w, r, http.StatusCreated, "filed.html", receiptPage{Case: s.objectionView(o), Token: o.TrackingToken})
}

// repairForm serves GET /me/records/{id}/repair.
func (s *server) repairForm(w http.ResponseWriter, r *http.Request, _ *idtoken.Person) {
	s.render(w, r, http.StatusOK, "repair.html", s.filingPage(r))
}

// applyForRepair serves POST /me/records/{id}/repair: the application of
// the signed-in person, with its proof and commitment
// (casework.Service.ApplyForRepair, as POST /v1/repairs).
func (s *server) applyForRepair(w http.ResponseWriter, r *http.Request, _ *idtoken.Person) {
	page := s.filingPage(r)
	page.Statement = r.PostFormValue("statement")
	proof, err := uploads(r, "proof")
	commitment, err2 := uploads(r, "commitment")
	if err != nil || err2 != nil {
		s.fail(w, r, http.StatusBadRequest, "error.upload")
		return
	}
	rp, err := s.Cases.ApplyForRepair(r.Context(), casework.RepairApplication{
		Filing: casework.Filing{RecordID: page.RecordID, Statement: page.Statement}, Proof: proof, Commitment: commitment,
	})
	if fe, ok := errors.AsType[lifecycle.FieldErrors](err); ok {
		page.Problems = problems(langOf(r), fe)
		s.render(w, r, http.StatusBadRequest, "repair.html", page)
		return
	}
	if s.caseFailed(w, r, err, "case.open.repair") {
		return
	}
	s.render(w, r, http.StatusCreated, "filed.html", receiptPage{Case: s.repairView(rp), Token: rp.TrackingToken})
}

// myCase serves GET /me/cases/{id}: a case of the signed-in person. Any
// other person's case is not found, as one that does not exist.
func (s *server) myCase(w http.ResponseWriter, r *http.Request, _ *idtoken.Person) {
	id := r.PathValue("id")
	var v caseView
	var err error
	switch {
	case strings.HasPrefix(id, "obj_"):
		var o *casework.Objection
		if o, err = s.Cases.ObjectionForPerson(r.Context(), id); err == nil {
			v = s.objectionView(o)
		}
	case strings.HasPrefix(id, "rpr_"):
		var rp *casework.Repair
		if rp, err = s.Cases.RepairForPerson(r.Context(), id); err == nil {
			v = s.repairView(rp)
		}
	default:
		err = casework.ErrNotFound
	}
	if s.caseFailed(w, r, err, "") {
		return
	}
	s.render(w, r, http.StatusOK, "case.html", v)
}

// trackPage is the data of track.html.
type trackPage struct {
	CaseID string
	Case   *caseView
}

// trackForm serves GET /track: the form that follows a case by its number
// and tracking token. The token travels in the body, never in the URL, so
// that it lands in no log.
func (s *server) trackForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "track.html", trackPage{})
}

// track serves POST /track: the case of this number, to the holder of its
// tracking token (casework.Service.ReadObjection and ReadRepair, as GET
// /v1/objections/{id}). A wrong number and a wrong token answer alike.
func (s *server) track(w http.ResponseWriter, r *http.Request) {
	id, token := strings.TrimSpace(r.PostFormValue("case_id")), strings.TrimSpace(r.PostFormValue("token"))
	var v caseView
	err := casework.ErrNotFound
	switch {
	case token == "":
	case strings.HasPrefix(id, "obj_"):
		var o *casework.Objection
		if o, err = s.Cases.ReadObjection(r.Context(), id, token); err == nil {
			v = s.objectionView(o)
		}
	case strings.HasPrefix(id, "rpr_"):
		var rp *casework.Repair
		if rp, err = s.Cases.ReadRepair(r.Context(), id, token); err == nil {
			v = s.repairView(rp)
		}
	}
	if errors.Is(err, casework.ErrNotFound) || errors.Is(err, casework.ErrBadCredential) {
		s.render(w, r, http.StatusNotFound, "track.html", trackPage{CaseID: id})
		return
	}
	if err != nil {
		s.unavailable(w, r, "track case", err)
		return
	}
	s.render(w, r, http.StatusOK, "track.html", trackPage{CaseID: id, Case: &v})
}

// caseFailed answers err, the error of a casework method, with a page
// that says what happened and reports whether there was one. open is the
// message of ErrOpen.
func (s *server) caseFailed(w http.ResponseWriter, r *http.Request, err error, open string) bool {
	early, isEarly := errors.AsType[*casework.TooEarlyError](err)
	switch {
	case err == nil:
		return false
	case isEarly:
		s.fail(w, r, http.StatusConflict, "case.too_early", date(early.ApplyFrom))
	case errors.Is(err, casework.ErrNotSubject), errors.Is(err, casework.ErrNotFound), errors.Is(err, casework.ErrBadCredential):
		s.fail(w, r, http.StatusNotFound, "case.not_found")
	case errors.Is(err, casework.ErrOpen) && open != "":
		s.fail(w, r, http.StatusConflict, open)
	case errors.Is(err, casework.ErrRecordRevoked):
		s.fail(w, r, http.StatusConflict, "case.revoked")
	case errors.Is(err, casework.ErrNotRepairable):
		s.fail(w, r, http.StatusConflict, "case.not_repairable")
	case errors.Is(err, casework.ErrDisplayEnded):
		s.fail(w, r, http.StatusConflict, "case.display_ended")
	default:
		s.unavailable(w, r, "case", err)
	}
	return true
}

// uploads are the files of the multipart field name, each with the media
// type its content shows (http.DetectContentType), whatever its name
// claims. A file input left empty sends no file.
func uploads(r *http.Request, name string) ([]casework.Upload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var files []casework.Upload
	for _, fh := range r.MultipartForm.File[name] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		content, err := readFile(fh)
		if err != nil {
			return nil, err
		}
		mediaType, _, _ := strings.Cut(http.DetectContentType(content), ";")
		files = append(files, casework.Upload{Name: fh.Filename, MediaType: mediaType, Content: content})
	}
	return files, nil
}

func readFile(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer f.Close()
	return io.ReadAll(f)
}

// problems are the problems of a filing as sentences in lang: what field,
// and what to fix.
func problems(lang string, errs lifecycle.FieldErrors) []string {
	out := make([]string, len(errs))
	for i, fe := range errs {
		out[i] = fieldLabel(lang, fe.Pointer) + translateOr(lang, "problem."+fe.Code, fe.Message)
	}
	return out
}

// fieldLabel names the field at pointer, as the form labels it, followed
// by a colon.
func fieldLabel(lang, pointer string) string {
	parts := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	label := translateOr(lang, "field."+parts[0], parts[0])
	if len(parts) > 1 {
		var n int
		if _, err := fmt.Sscan(parts[1], &n); err == nil {
			label = translate(lang, "field.file", label, n+1)
		}
	}
	return label + translate(lang, "colon")
}
