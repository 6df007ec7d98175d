package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/compat"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/internal/param"
	"github.com/credex/credex/principal"
)

var (
	errNoType        = apierr.New(http.StatusNotFound, "unknown_type", "no record type with this code in the catalogue")
	errNoVersion     = apierr.New(http.StatusNotFound, "unknown_catalog_version", "the record type has no such version")
	errNotMaintainer = apierr.New(http.StatusForbidden, "not_a_maintainer", "only catalogue maintainers publish record types")
	errNotPending    = apierr.New(http.StatusConflict, "not_pending", "this version of the record type is not waiting for approval")
	errOwnProposal   = apierr.New(http.StatusForbidden, "own_proposal",
		"you proposed this version; another operator must approve or reject it")
	errNoReason = apierr.New(http.StatusBadRequest, "missing_reason",
		`say why the version is rejected: {"reason": "..."}`).At("/reason")
)

// The statuses of a catalogue version in answers.
const (
	statusPublished = "published"        // in force
	statusPending   = "pending_approval" // waits for an operator's approval
	statusRejected  = "rejected"         // an operator rejected it
)

// typeView is a record type as the catalogue API shows it: its rules,
// schema and example, its published versions, and the version that waits
// for approval, if any.
type typeView struct {
	*catalog.RecordType
	Versions []registry.Version `json:"versions"`
	Pending  *registry.Proposal `json:"pending,omitempty"`
}

func (a *server) typeView(t *catalog.RecordType) typeView {
	v := typeView{RecordType: t, Versions: a.Catalog.Versions(t.Code)}
	if p, ok := a.Catalog.Pending(t.Code); ok {
		v.Pending = p
	}
	return v
}

func (a *server) catalogList(w http.ResponseWriter, r *http.Request) {
	types := a.Catalog.Types()
	views := make([]typeView, len(types))
	for i, t := range types {
		views[i] = a.typeView(t)
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"types": views})
}

func (a *server) catalogType(w http.ResponseWriter, r *http.Request) {
	t, ok := a.Catalog.Type(r.PathValue("code"))
	if !ok {
		apierr.Write(w, errNoType)
		return
	}
	apierr.JSON(w, http.StatusOK, a.typeView(t))
}

// versionsView answers GET /v1/catalog/types/{code}/versions.
type versionsView struct {
	Type     string             `json:"type"`
	Versions []registry.Version `json:"versions"`
	Pending  *registry.Proposal `json:"pending,omitempty"`
}

func (a *server) catalogVersions(w http.ResponseWriter, r *http.Request) {
	t, ok := a.Catalog.Type(r.PathValue("code"))
	if !ok {
		apierr.Write(w, errNoType)
		return
	}
	v := a.typeView(t)
	apierr.JSON(w, http.StatusOK, versionsView{Type: t.Code, Versions: v.Versions, Pending: v.Pending})
}

func (a *server) catalogVersion(w http.ResponseWriter, r *http.Request) {
	t, e := a.typeVersion(r.PathValue("code"), r.PathValue("version"), "/version")
	if e != nil {
		apierr.Write(w, e)
		return
	}
	apierr.JSON(w, http.StatusOK, t)
}

// versionNumber reads the number of a record type version, a request
// parameter at pointer: from 1 to the largest the database keeps.
func versionNumber(s, pointer string) (int, *apierr.Error) {
	n, ok := param.Int(s, 1, math.MaxInt32)
	if !ok {
		return 0, apierr.New(http.StatusBadRequest, "invalid_parameter",
			fmt.Sprintf("%s is a version number from 1 to %d", pointer[1:], math.MaxInt32)).At(pointer)
	}
	return int(n), nil
}

// typeVersion finds one version of a type named by request strings, the
// version's at pointer: a published one, or the one that waits for
// approval, so that it can be reviewed.
func (a *server) typeVersion(code, version, pointer string) (*catalog.RecordType, *apierr.Error) {
	if _, ok := a.Catalog.Type(code); !ok {
		return nil, errNoType
	}
	v, e := versionNumber(version, pointer)
	if e != nil {
		return nil, e
	}
	if t, ok := a.Catalog.TypeVersion(code, v); ok {
		return t, nil
	}
	if p, ok := a.Catalog.Pending(code); ok && p.Version == v {
		return p.Type, nil
	}
	return nil, errNoVersion
}

// diffView answers GET /v1/catalog/types/{code}/diff?from=N&to=M.
type diffView struct {
	Type       string          `json:"type"`
	From       int             `json:"from"`
	To         int             `json:"to"`
	Mode       string          `json:"mode"`
	Compatible bool            `json:"compatible"`
	Changes    []compat.Change `json:"changes"`
	// Policy are the changes of the rules outside the schema that decide
	// who sees records, what for and how long; Widens says whether any
	// widens, so that to, published after from, would wait for approval.
	Policy []catalog.PolicyChange `json:"policy_changes"`
	Widens bool                   `json:"widens"`
}

func (a *server) catalogDiff(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if _, ok := a.Catalog.Type(code); !ok {
		apierr.Write(w, errNoType)
		return
	}
	from, e := a.typeVersion(code, r.URL.Query().Get("from"), "/from")
	if e != nil {
		apierr.Write(w, e.At("/from"))
		return
	}
	to, e := a.typeVersion(code, r.URL.Query().Get("to"), "/to")
	if e != nil {
		apierr.Write(w, e.At("/to"))
		return
	}
	c, err := catalog.Compare(from, to)
	if err == nil {
		apierr.JSON(w, http.StatusOK, diffView{Type: code, From: from.Version, To: to.Version,
			Mode: string(c.Mode), Compatible: c.Compatible, Changes: nonNil(c.Changes),
			Policy: nonNilPolicy(c.Policy), Widens: c.Widens})
		return
	}
	a.Logger.ErrorContext(r.Context(), "catalogue diff", "type", code, "err", err)
	apierr.Write(w, apierr.New(http.StatusInternalServerError, "internal", "the versions could not be compared"))
}

// maxRejectionReason bounds the reason of a rejected record type version,
// in characters.
const maxRejectionReason = 200

// maxTypeBytes bounds a published record type document.
const maxTypeBytes = 1 << 20

// catalogPublish serves POST /v1/catalog/types/{code}/versions: a
// maintainer publishes a record type document as its next version.
func (a *server) catalogPublish(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.PublishCatalog, nil) {
		apierr.Write(w, errNotMaintainer)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTypeBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		apierr.Write(w, apierr.New(http.StatusRequestEntityTooLarge, "body_too_large",
			fmt.Sprintf("a record type document is at most %d bytes", maxTypeBytes)))
		return
	case err != nil:
		apierr.Write(w, apierr.New(http.StatusBadRequest, "unreadable_body", "the body could not be read: "+err.Error()))
		return
	}
	t, err := catalog.ParseType(body)
	if err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_record_type", err.Error()))
		return
	}
	if t.Code != r.PathValue("code") {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "code_mismatch",
			fmt.Sprintf("the document is record type %q, the path names %q", t.Code, r.PathValue("code"))).At("/code"))
		return
	}
	res, err := a.Catalog.Publish(r.Context(), t, p.Name)
	var incompatible *registry.IncompatibleError
	switch {
	case errors.As(err, &incompatible):
		apierr.JSON(w, http.StatusConflict, map[string]any{
			"code": "incompatible", "message": fmt.Sprintf("version %d of %s breaks %s compatibility with earlier versions; see changes",
				t.Version, t.Code, incompatible.Mode),
			"changes": incompatible.Changes,
		})
		return
	case errors.Is(err, registry.ErrVersionConflict):
		apierr.Write(w, apierr.New(http.StatusConflict, "version_conflict", err.Error()).At("/version"))
		return
	case errors.Is(err, registry.ErrApprovalPending):
		apierr.Write(w, apierr.New(http.StatusConflict, "approval_pending", err.Error()).At("/version"))
		return
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "publish catalogue version", "type", t.Code, "err", err)
		apierr.Write(w, errDown)
		return
	}
	answer := publicationView{Type: t.Code, Version: res.Version, Status: statusPublished, Unchanged: res.Unchanged,
		Changes: nonNil(res.Changes), Policy: nonNilPolicy(res.Policy)}
	status := http.StatusCreated
	if res.Pending {
		answer.Status = statusPending
		if pending, ok := a.Catalog.Pending(t.Code); ok && res.Unchanged {
			answer.Policy = pending.Policy
		}
		answer.Message = fmt.Sprintf("version %d of %s widens who sees its records, with whom or what for they are shared, "+
			"or how long they are displayed; it takes effect once an operator approves it "+
			"(POST /v1/catalog/types/%s/versions/%d/approval), and until then version %d stays in force",
			res.Version, t.Code, t.Code, res.Version, res.Version-1)
		status = http.StatusAccepted
		// Every answer that leaves a version waiting is logged, a repeated
		// one as unchanged, so that a proposal whose first answer failed
		// here is logged when it is sent again.
		result := audit.OK
		if res.Unchanged {
			result = "unchanged"
		}
		if !a.logAccess(w, r, audit.Entry{Action: audit.CatalogProposed, Resource: versionResource(t.Code, res.Version), Result: result}) {
			return
		}
	}
	if res.Unchanged {
		status = http.StatusOK
	}
	a.Logger.InfoContext(r.Context(), "catalogue version published", "type", t.Code, "version", res.Version, "by", p.Name,
		"status", answer.Status, "unchanged", res.Unchanged)
	apierr.JSON(w, status, answer)
}

// publicationView answers a publication that succeeded.
type publicationView struct {
	Type      string                 `json:"type"`
	Version   int                    `json:"version"`
	Status    string                 `json:"status"`
	Unchanged bool                   `json:"unchanged"`
	Changes   []compat.Change        `json:"changes"`
	Policy    []catalog.PolicyChange `json:"policy_changes"`
	// Message says, for a version that waits, what happens next.
	Message string `json:"message,omitempty"`
}

// decisionView answers an operator's decision on a waiting version.
type decisionView struct {
	Type      string `json:"type"`
	Version   int    `json:"version"`
	Status    string `json:"status"`
	DecidedBy string `json:"decided_by"`
	Reason    string `json:"reason,omitempty"`
}

// catalogApprove serves POST /v1/catalog/types/{code}/versions/{version}/approval:
// an operator other than its proposer makes a waiting version the type's
// current one.
func (a *server) catalogApprove(w http.ResponseWriter, r *http.Request) {
	a.catalogDecide(w, r, true)
}

// catalogReject serves POST /v1/catalog/types/{code}/versions/{version}/rejection:
// an operator other than its proposer sets a waiting version aside, saying
// why.
func (a *server) catalogReject(w http.ResponseWriter, r *http.Request) {
	a.catalogDecide(w, r, false)
}

func (a *server) catalogDecide(w http.ResponseWriter, r *http.Request, approve bool) {
	p := principal.From(r.Context())
	code, version := r.PathValue("code"), r.PathValue("version")
	action, status := audit.CatalogApproved, statusPublished
	if !approve {
		action, status = audit.CatalogRejected, statusRejected
	}
	refused := audit.Entry{Action: action, Resource: code + "/" + version, Result: audit.Refused}
	// Attempts to decide without the right are logged too: four eyes are
	// worth what the record of who tried is worth.
	if !authz.Allowed(p.Kind, authz.ApproveCatalog, nil) {
		if a.logAccess(w, r, refused) {
			apierr.Write(w, errNotOperator)
		}
		return
	}
	if _, ok := a.Catalog.Type(code); !ok {
		apierr.Write(w, errNoType)
		return
	}
	n, e := versionNumber(version, "/version")
	if e != nil {
		apierr.Write(w, e)
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if !approve {
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10))
		if err := decodeJSON(dec, &body); err != nil {
			apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", `the body must be {"reason": "..."}: `+err.Error()))
			return
		}
		if e := tooLong("/reason", body.Reason, maxRejectionReason); e != nil {
			apierr.Write(w, e)
			return
		}
		if body.Reason = strings.TrimSpace(body.Reason); body.Reason == "" {
			apierr.Write(w, errNoReason)
			return
		}
	}
	entries, err := a.Audit.Complete(r.Context(), audit.Entry{Action: action, Resource: versionResource(code, n), Result: audit.OK})
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "audit log", "err", err)
		apierr.Write(w, errDown)
		return
	}
	d := registry.Decision{By: p.Name, Reason: body.Reason, Audit: entries}
	decide := a.Catalog.Reject
	if approve {
		decide = a.Catalog.Approve
	}
	switch err := decide(r.Context(), code, n, d); {
	case errors.Is(err, registry.ErrNotPending):
		apierr.Write(w, errNotPending)
		return
	case errors.Is(err, registry.ErrOwnProposal):
		if a.logAccess(w, r, refused) {
			apierr.Write(w, errOwnProposal)
		}
		return
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "decide on catalogue version", "type", code, "version", n, "err", err)
		apierr.Write(w, errDown)
		return
	}
	a.Logger.InfoContext(r.Context(), "catalogue version decided", "type", code, "version", n, "by", p.Name, "status", status)
	apierr.JSON(w, http.StatusOK, decisionView{Type: code, Version: n, Status: status, DecidedBy: p.Name, Reason: body.Reason})
}

// versionResource names a version of a record type in the audit log.
func versionResource(code string, version int) string {
	return code + "/" + strconv.Itoa(version)
}

// nonNil makes an empty list of changes encode as [] rather than null.
func nonNil(changes []compat.Change) []compat.Change {
	if changes == nil {
		return []compat.Change{}
	}
	return changes
}

// nonNilPolicy makes an empty list of policy changes encode as [].
func nonNilPolicy(changes []catalog.PolicyChange) []catalog.PolicyChange {
	if changes == nil {
		return []catalog.PolicyChange{}
	}
	return changes
}
