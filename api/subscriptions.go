package api

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/authz"
	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/webhook"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/internal/param"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/store"
	"github.com/credex/credex/subscription"
)

// Subscriptions is what the API keeps subscriptions and their events in.
type Subscriptions interface {
	CreateSubscription(ctx context.Context, sub *store.Subscription) error
	Subscription(ctx context.Context, id string) (*store.Subscription, error)
	Subscriptions(ctx context.Context, agency string) ([]store.Subscription, error)
	SetSubscriptionStatus(ctx context.Context, id, status, reason string) error
	AddSecret(ctx context.Context, id, secret string) error
	Events(ctx context.Context, id string, after int64, limit int, statuses ...string) ([]store.Event, error)
	CursorAt(ctx context.Context, id string, t time.Time) (int64, error)
	Redeliver(ctx context.Context, id string, after int64, statuses ...string) (int64, error)
}

var (
	errNoSubscription = apierr.New(http.StatusNotFound, "subscription_not_found", "no subscription with this id is visible to you")
	errNotAgency      = apierr.New(http.StatusForbidden, "not_an_agency", "only agencies subscribe")
	errNotOperator    = apierr.New(http.StatusForbidden, "not_an_operator", "only operators do this")
	errBadCursor      = apierr.New(http.StatusBadRequest, "invalid_cursor", "after must be a cursor from an earlier answer")
)

// maxWait bounds a long poll; maxEvents bounds one page of events.
const (
	maxWait   = 30 * time.Second
	maxEvents = 500
)

// subscriptionRequest is the body of POST /v1/subscriptions.
type subscriptionRequest struct {
	Types       []string `json:"types"`
	Classes     []string `json:"classes"`
	Departments []string `json:"departments"`
	Mode        string   `json:"mode"`
	URL         string   `json:"url"`
}

// subscriptionView is a subscription as the API shows it.
type subscriptionView struct {
	ID          string    `json:"id"`
	Agency      string    `json:"agency"`
	Types       []string  `json:"types"`
	Departments []string  `json:"departments"`
	Mode        string    `json:"mode"`
	URL         string    `json:"url,omitempty"`
	Status      string    `json:"status"`
	Reason      string    `json:"status_reason,omitempty"`
	FullIDTypes []string  `json:"full_id_types"`
	Topic       string    `json:"topic,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	// Secret is the webhook signing secret, shown once, when made.
	Secret string `json:"secret,omitempty"`
}

func (a *server) view(s *store.Subscription) subscriptionView {
	v := subscriptionView{ID: s.ID, Agency: s.Agency, Types: s.Types, Departments: list(s.Departments), Mode: s.Mode,
		URL: s.URL, Status: s.Status, Reason: s.Reason, FullIDTypes: list(s.FullIDTypes), CreatedAt: s.CreatedAt}
	if s.Mode == "kafka" {
		v.Topic = a.DeliveryTopic(s.ID)
	}
	return v
}

// createSubscription serves POST /v1/subscriptions.
func (a *server) createSubscription(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	if !authz.Allowed(p.Kind, authz.Subscribe, nil) {
		apierr.Write(w, errNotAgency)
		return
	}
	var req subscriptionRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	if err := decodeJSON(dec, &req); err != nil {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", "the body must be a subscription object: "+err.Error()))
		return
	}
	sub, e := a.newSubscription(r.Context(), p, req)
	if e != nil {
		apierr.Write(w, e)
		return
	}
	view := a.view(sub)
	if sub.Mode == "webhook" {
		view.Secret = sub.Secrets[0]
	}
	if sub.Mode == "kafka" {
		if err := a.CreateTopic(r.Context(), view.Topic); err != nil {
			a.Logger.ErrorContext(r.Context(), "create delivery topic", "err", err)
			apierr.Write(w, errDown)
			return
		}
	}
	if err := a.Subscriptions.CreateSubscription(r.Context(), sub); err != nil {
		a.Logger.ErrorContext(r.Context(), "create subscription", "err", err)
		apierr.Write(w, errDown)
		return
	}
	view.CreatedAt = sub.CreatedAt
	a.Logger.InfoContext(r.Context(), "subscription created", "subscription", sub.ID, "agency", p.Name, "mode", sub.Mode, "status", sub.Status)
	apierr.JSON(w, http.StatusCreated, view)
}

// newSubscription checks a request against the agency's entitlements.
func (a *server) newSubscription(ctx context.Context, p *principal.Principal, req subscriptionRequest) (*store.Subscription, *apierr.Error) {
	sub := &store.Subscription{ID: newID("sbn_"), Agency: p.Name, Mode: req.Mode, URL: req.URL,
		Departments: req.Departments, Status: "active"}
	switch req.Mode {
	case "pull", "kafka":
		if req.URL != "" {
			return nil, apierr.New(http.StatusBadRequest, "unexpected_url", "only webhook subscriptions take a url").At("/url")
		}
	case "webhook":
		if err := a.Guard.CheckURLContext(ctx, req.URL); err != nil {
			return nil, apierr.New(http.StatusBadRequest, "url_not_allowed", "the webhook url cannot be used: "+err.Error()).At("/url")
		}
		secret, err := webhook.NewSecret()
		if err != nil {
			return nil, errDown
		}
		sub.Secrets = []string{secret}
	default:
		return nil, apierr.New(http.StatusBadRequest, "invalid_mode", `mode must be "webhook", "pull" or "kafka"`).At("/mode")
	}
	for i, code := range req.Departments {
		if err := ident.CheckCreditCode(code); err != nil {
			return nil, apierr.New(http.StatusBadRequest, "invalid_credit_code",
				"departments are named by their unified social credit code: "+err.Error()).At(fmt.Sprintf("/departments/%d", i))
		}
	}
	for i, class := range req.Classes {
		if !slices.Contains(catalog.Classes, catalog.Class(class)) {
			return nil, apierr.New(http.StatusBadRequest, "unknown_class",
				fmt.Sprintf("%q is not a class of the catalogue", class)).At(fmt.Sprintf("/classes/%d", i))
		}
	}
	types, e := a.selectTypes(req)
	if e != nil {
		return nil, e
	}
	for i, t := range types {
		ent := subscription.Entitle(catalog.Scope(p.Scope), t)
		if !ent.Allowed {
			return nil, apierr.New(http.StatusForbidden, "type_not_entitled",
				fmt.Sprintf("the catalogue does not share %s with %s bodies", t.Code, p.Scope)).At(fmt.Sprintf("/types/%d", i))
		}
		if ent.NeedsApproval || authz.Decide(p.Kind, authz.Subscribe, t) == authz.WithApproval {
			sub.Status = "pending_approval"
		}
		if ent.FullID {
			sub.FullIDTypes = append(sub.FullIDTypes, t.Code)
		}
		sub.Types = append(sub.Types, t.Code)
	}
	return sub, nil
}

// selectTypes resolves the types and classes of a request to record types.
func (a *server) selectTypes(req subscriptionRequest) ([]*catalog.RecordType, *apierr.Error) {
	if len(req.Types) == 0 && len(req.Classes) == 0 {
		return nil, apierr.New(http.StatusBadRequest, "missing_field", "name the record types (or classes) to subscribe to").At("/types")
	}
	var types []*catalog.RecordType
	for i, code := range req.Types {
		t, ok := a.Catalog.Type(code)
		if !ok {
			return nil, apierr.New(http.StatusBadRequest, "unknown_type", fmt.Sprintf("%q is not a record type of the catalogue", code)).At(fmt.Sprintf("/types/%d", i))
		}
		types = append(types, t)
	}
	if len(req.Classes) > 0 {
		pool := types
		if len(req.Types) == 0 {
			pool = a.Catalog.Types()
		}
		types = nil
		for _, t := range pool {
			if slices.Contains(req.Classes, string(t.Class)) {
				types = append(types, t)
			}
		}
		if len(types) == 0 {
			return nil, apierr.New(http.StatusBadRequest, "no_types", "no record type matches the classes").At("/classes")
		}
	}
	return types, nil
}

// subscriptionFor returns the subscription named in the path if p may see it:
// its agency, or an operator. Anyone else is told it does not exist.
func (a *server) subscriptionFor(w http.ResponseWriter, r *http.Request) *store.Subscription {
	p := principal.From(r.Context())
	sub, err := a.Subscriptions.Subscription(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		a.Logger.ErrorContext(r.Context(), "read subscription", "err", err)
		apierr.Write(w, errDown)
		return nil
	case authz.Allowed(p.Kind, authz.ReadEvents, nil) && (p.Kind == principal.Operator || p.Name == sub.Agency):
		return sub
	}
	apierr.Write(w, errNoSubscription)
	return nil
}

func (a *server) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	p := principal.From(r.Context())
	agency := p.Name
	if !authz.Allowed(p.Kind, authz.ListSubscriptions, nil) {
		apierr.Write(w, errNotAgency)
		return
	}
	if p.Kind == principal.Operator {
		agency = ""
	}
	subs, err := a.Subscriptions.Subscriptions(r.Context(), agency)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "list subscriptions", "err", err)
		apierr.Write(w, errDown)
		return
	}
	views := make([]subscriptionView, len(subs))
	for i := range subs {
		views[i] = a.view(&subs[i])
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"subscriptions": views})
}

func (a *server) getSubscription(w http.ResponseWriter, r *http.Request) {
	if sub := a.subscriptionFor(w, r); sub != nil {
		apierr.JSON(w, http.StatusOK, a.view(sub))
	}
}

// events serves GET /v1/subscriptions/{id}/events?after=CURSOR&wait=SECONDS:
// the events after the cursor, waiting up to wait seconds for one.
func (a *server) events(w http.ResponseWriter, r *http.Request) {
	sub := a.subscriptionFor(w, r)
	if sub == nil {
		return
	}
	after, err := parseCursor(r.URL.Query().Get("after"))
	if err != nil {
		apierr.Write(w, errBadCursor.At("/after"))
		return
	}
	wait := time.Duration(0)
	if r.URL.Query().Has("wait") {
		n, ok := param.Int(r.URL.Query().Get("wait"), 0, int64(maxWait/time.Second))
		if !ok {
			apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_wait",
				fmt.Sprintf("wait is a whole number of seconds from 0 to %d", maxWait/time.Second)).At("/wait"))
			return
		}
		wait = time.Duration(n) * time.Second
	}
	limit := int64(maxEvents)
	if r.URL.Query().Has("limit") {
		var ok bool
		if limit, ok = param.Int(r.URL.Query().Get("limit"), 1, maxEvents); !ok {
			apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_limit",
				fmt.Sprintf("limit is a number from 1 to %d (default %[1]d)", maxEvents)).At("/limit"))
			return
		}
	}
	deadline := time.Now().Add(wait)
	for {
		events, err := a.Subscriptions.Events(r.Context(), sub.ID, after, int(limit))
		if err != nil {
			if r.Context().Err() == nil {
				a.Logger.ErrorContext(r.Context(), "read events", "err", err)
				apierr.Write(w, errDown)
			}
			return
		}
		if len(events) > 0 || !time.Now().Before(deadline) {
			out := make([]subscription.Event, len(events))
			entries := make([]audit.Entry, len(events))
			next := after
			for i, e := range events {
				out[i] = a.render.Render(sub, e)
				entries[i] = audit.Entry{Action: audit.SubscriptionDelivered, Resource: e.RecordID, Subject: e.SubjectKey,
					Purpose: cmp.Or(audit.PurposeFrom(r.Context()), sub.ID), Result: audit.OK}
				next = e.Seq
			}
			if !a.logAccess(w, r, entries...) {
				return
			}
			apierr.JSON(w, http.StatusOK, map[string]any{"events": out, "next": formatCursor(next)})
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(min(250*time.Millisecond, time.Until(deadline))):
		}
	}
}

// replay serves POST /v1/subscriptions/{id}/replay: {"after": CURSOR} or
// {"from": TIME}. Pushed subscriptions get those events again; every
// subscription gets the cursor to read them from.
func (a *server) replay(w http.ResponseWriter, r *http.Request) {
	sub := a.subscriptionFor(w, r)
	if sub == nil {
		return
	}
	var req struct {
		After *string    `json:"after"`
		From  *time.Time `json:"from"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	if err := decodeJSON(dec, &req); err != nil || (req.After == nil) == (req.From == nil) {
		apierr.Write(w, apierr.New(http.StatusBadRequest, "invalid_body", `send {"after": CURSOR} or {"from": "2026-01-02T15:04:05Z"}`))
		return
	}
	var after int64
	var err error
	if req.After != nil {
		if after, err = parseCursor(*req.After); err != nil {
			apierr.Write(w, errBadCursor.At("/after"))
			return
		}
	} else if after, err = a.Subscriptions.CursorAt(r.Context(), sub.ID, *req.From); err != nil {
		a.Logger.ErrorContext(r.Context(), "replay", "err", err)
		apierr.Write(w, errDown)
		return
	}
	var n int64
	if sub.Mode != "pull" {
		if n, err = a.Subscriptions.Redeliver(r.Context(), sub.ID, after, store.Delivered, store.Dead); err != nil {
			a.Logger.ErrorContext(r.Context(), "replay", "err", err)
			apierr.Write(w, errDown)
			return
		}
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"cursor": formatCursor(after), "redelivering": n})
}

// deadLetters serves GET /v1/subscriptions/{id}/dead-letters: the events
// the subscription's agency was never able to take, with their data. Each
// is a disclosure, in the audit log like an event read.
func (a *server) deadLetters(w http.ResponseWriter, r *http.Request) {
	sub := a.subscriptionFor(w, r)
	if sub == nil {
		return
	}
	events, err := a.Subscriptions.Events(r.Context(), sub.ID, 0, maxEvents, store.Dead)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "read dead letters", "err", err)
		apierr.Write(w, errDown)
		return
	}
	type deadView struct {
		subscription.Event
		Attempts  int    `json:"attempts"`
		LastError string `json:"last_error"`
	}
	out := make([]deadView, len(events))
	entries := make([]audit.Entry, len(events))
	for i, e := range events {
		out[i] = deadView{a.render.Render(sub, e), e.Attempts, e.LastError}
		entries[i] = audit.Entry{Action: audit.DeadLetterRead, Resource: e.RecordID, Subject: e.SubjectKey,
			Purpose: cmp.Or(audit.PurposeFrom(r.Context()), sub.ID), Result: audit.OK}
	}
	if !a.logAccess(w, r, entries...) {
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"events": out})
}

// redeliverDead serves POST /v1/subscriptions/{id}/dead-letters/redeliver.
func (a *server) redeliverDead(w http.ResponseWriter, r *http.Request) {
	sub := a.subscriptionFor(w, r)
	if sub == nil {
		return
	}
	n, err := a.Subscriptions.Redeliver(r.Context(), sub.ID, 0, store.Dead)
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "redeliver dead letters", "err", err)
		apierr.Write(w, errDown)
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]any{"redelivering": n})
}

// approve serves POST /v1/subscriptions/{id}/approval: an operator lets a
// subscription to authorised-inquiry types start.
func (a *server) approve(w http.ResponseWriter, r *http.Request) {
	if !authz.Allowed(principal.From(r.Context()).Kind, authz.ApproveSubscription, nil) {
		apierr.Write(w, errNotOperator)
		return
	}
	sub := a.subscriptionFor(w, r)
	if sub == nil {
		return
	}
	if sub.Status != "pending_approval" {
		apierr.Write(w, apierr.New(http.StatusConflict, "not_pending", "the subscription is "+sub.Status+", not waiting for approval"))
		return
	}
	a.setStatus(w, r, sub, "active", "approved by "+principal.From(r.Context()).Name)
}

// cancel serves DELETE /v1/subscriptions/{id}.
func (a *server) cancel(w http.ResponseWriter, r *http.Request) {
	if sub := a.subscriptionFor(w, r); sub != nil {
		a.setStatus(w, r, sub, "disabled", "cancelled by "+principal.From(r.Context()).Name)
	}
}

func (a *server) setStatus(w http.ResponseWriter, r *http.Request, sub *store.Subscription, status, reason string) {
	if err := a.Subscriptions.SetSubscriptionStatus(r.Context(), sub.ID, status, reason); err != nil {
		a.Logger.ErrorContext(r.Context(), "set subscription status", "err", err)
		apierr.Write(w, errDown)
		return
	}
	sub.Status, sub.Reason = status, reason
	apierr.JSON(w, http.StatusOK, a.view(sub))
}

// rotateSecret serves POST /v1/subscriptions/{id}/secrets: a new signing
// secret; the previous one keeps signing too until the next rotation.
func (a *server) rotateSecret(w http.ResponseWriter, r *http.Request) {
	sub := a.subscriptionFor(w, r)
	if sub == nil {
		return
	}
	if sub.Mode != "webhook" {
		apierr.Write(w, apierr.New(http.StatusConflict, "not_a_webhook", "only webhook subscriptions have signing secrets"))
		return
	}
	secret, err := webhook.NewSecret()
	if err == nil {
		err = a.Subscriptions.AddSecret(r.Context(), sub.ID, secret)
	}
	if err != nil {
		a.Logger.ErrorContext(r.Context(), "rotate secret", "err", err)
		apierr.Write(w, errDown)
		return
	}
	apierr.JSON(w, http.StatusOK, map[string]string{"secret": secret})
}

// Cursors are the event's position in the subscription's stream, opaque to clients.
func formatCursor(seq int64) string { return strconv.FormatInt(seq, 10) }

func parseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, ok := param.Int(s, 0, maxCursor)
	if !ok {
		return 0, errors.New("bad cursor")
	}
	return n, nil
}

// maxCursor is the largest cursor taken: 18 digits, as the document's
// pattern says.
const maxCursor = 999_999_999_999_999_999

// list makes an absent list encode as [] rather than null.
func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func newID(prefix string) string {
	b := make([]byte, 15)
	rand.Read(b)
	return prefix + strings.ToLower(base32.StdEncoding.EncodeToString(b))
}
