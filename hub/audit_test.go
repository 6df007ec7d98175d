package hub_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/internal/testkit/wait"
	"github.com/credex/credex/pipeline"
)

// accessView is an entry of POST /v1/public/access-log.
type accessView struct {
	Principal string `json:"principal"`
	Kind      string `json:"kind"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	Purpose   string `json:"purpose"`
	Result    string `json:"result"`
}

// TestAccessesAreAuditedAndShownToThePerson: a submission, a department's
// read, an agency's pull, a public query and an objection each leave an
// entry about the person, by the keyed hash of their ID number only; the
// person reads them, newest first, and a wrong name reads nothing; the
// chain verifies.
func TestAccessesAreAuditedAndShownToThePerson(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ctx := context.Background()
	pull := b.subscribe(agencyKey, map[string]any{"types": []string{"administrative_penalty"}, "mode": "pull"})
	id, p := b.recordAbout("AUDIT-1")
	subject := audit.Subject(b.cfg.SubjectKey, p.idNumber)

	req, _ := http.NewRequest(http.MethodGet, b.url+"/v1/records/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+marketKey)
	req.Header.Set("X-Credex-Purpose", "示市监稽〔2026〕3号")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("read with a purpose = %d", res.StatusCode)
	}
	wait.For(t, 20*time.Second, "the agency's event", func() bool { return len(b.events(agencyKey, pull.ID, "", 1).Events) > 0 })
	who := map[string]string{"name": p.name, "id_number": p.idNumber}
	if got := b.call(http.MethodPost, "/v1/public/query", "", who, nil); got != http.StatusOK {
		t.Fatalf("public query = %d", got)
	}
	filed := b.file(objection(id, p))

	entries, err := b.hub.Store().AuditBySubject(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}
	has := func(principal, kind, action, resource, purpose string) bool {
		return slices.ContainsFunc(entries, func(e audit.Stored) bool {
			return e.Principal == principal && e.Kind == kind && e.Action == action &&
				(resource == "" || e.Resource == resource) && (purpose == "" || e.Purpose == purpose) && e.Result != ""
		})
	}
	for _, w := range []struct{ principal, kind, action, resource, purpose string }{
		{"market", "department", audit.RecordSubmitted, id, ""},
		{"market", "department", audit.RecordRead, id, "示市监稽〔2026〕3号"},
		{"bank-regulator", "agency", audit.SubscriptionDelivered, id, pull.ID},
		{"public", "public", audit.PublicQuery, "", ""},
		{"person", "person", audit.ObjectionFiled, filed.ID, ""},
	} {
		if !has(w.principal, w.kind, w.action, w.resource, w.purpose) {
			t.Errorf("no entry %+v among %d about the person", w, len(entries))
		}
	}
	if n := b.count(`SELECT count(*) FROM audit_log WHERE concat_ws(' ', principal, kind, action, resource, subject, purpose, result) LIKE '%' || $1 || '%'`, p.idNumber); n != 0 {
		t.Errorf("%d audit entries hold the plain ID number", n)
	}

	var log struct {
		Entries []accessView `json:"entries"`
	}
	token := b.idToken(p.name, p.idNumber)
	if got := b.call(http.MethodPost, "/v1/public/access-log", token, who, &log); got != http.StatusOK {
		t.Fatalf("access log = %d", got)
	}
	if len(log.Entries) < 5 || log.Entries[0].Action != audit.ObjectionFiled {
		t.Errorf("the person reads %+v, want at least the five accesses, the objection first", log.Entries)
	}
	if !slices.ContainsFunc(log.Entries, func(e accessView) bool {
		return e.Principal == "bank-regulator" && e.Action == audit.SubscriptionDelivered && e.Purpose == pull.ID
	}) {
		t.Errorf("the person does not see the agency's pull: %+v", log.Entries)
	}
	var e apiError
	wrong := map[string]string{"name": "李不是", "id_number": p.idNumber}
	if got := b.call(http.MethodPost, "/v1/public/access-log", token, wrong, &e); got != http.StatusForbidden || e.Code != "person_mismatch" {
		t.Errorf("a wrong name with the person's token: %d %+v, want 403 person_mismatch", got, e)
	}
	if got := b.call(http.MethodPost, "/v1/public/access-log", "", who, &e); got != http.StatusUnauthorized || e.Code != "person_token_required" {
		t.Errorf("name and ID number without a token: %d %+v, want 401 person_token_required", got, e)
	}
	var stranger struct {
		Entries []accessView `json:"entries"`
	}
	if got := b.call(http.MethodPost, "/v1/public/access-log", b.idToken("李不是", ident.NewCitizenID(b.rand)), nil, &stranger); got != http.StatusOK || len(stranger.Entries) != 0 {
		t.Errorf("another person's token: %d with %d entries, want 200 with none", got, len(stranger.Entries))
	}

	head, err := b.hub.Store().AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(b.hub.Store().AuditLog(ctx, head.Seq), head); err != nil {
		t.Errorf("the audit log does not verify after the flow: %v", err)
	}
}

// TestAuditCheckpointsCatchTheNewestEntriesCutOff: the hub checkpoints the
// audit log's head to Kafka, so deleting the newest entries with plain SQL
// and moving the head back with them no longer passes verification: it
// fails naming the checkpoint.
func TestAuditCheckpointsCatchTheNewestEntriesCutOff(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	ctx := context.Background()
	for range 3 {
		who := map[string]string{"name": "王测试", "id_number": ident.NewCitizenID(b.rand)}
		if got := b.call(http.MethodPost, "/v1/public/query", "", who, nil); got != http.StatusOK {
			t.Fatalf("public query = %d", got)
		}
	}
	head, err := b.hub.Store().AuditHead(ctx)
	if err != nil || head.Seq < 3 {
		t.Fatalf("audit head %+v, %v; want at least the 3 queries", head, err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.hub.RunAuditCheckpoints(runCtx)
	}()
	var latest audit.Checkpoint
	wait.For(t, 20*time.Second, "a checkpoint of the head", func() bool {
		c, ok, err := pipeline.LatestCheckpoint(ctx, b.cfg.Kafka, 0)
		latest = c
		return err == nil && ok && c.Head == head
	})
	stop()
	<-done
	if _, err := audit.Verify(b.hub.Store().AuditLog(ctx, head.Seq), head, latest); err != nil {
		t.Fatalf("the untouched log against its checkpoint: %v", err)
	}

	if _, err := b.db.Exec(ctx, `DELETE FROM audit_log WHERE seq > $1`, head.Seq-2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.Exec(ctx, `UPDATE audit_head SET seq = $1, hash = (SELECT hash FROM audit_log WHERE seq = $1)`, head.Seq-2); err != nil {
		t.Fatal(err)
	}
	cut, err := b.hub.Store().AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(b.hub.Store().AuditLog(ctx, cut.Seq), cut); err != nil {
		t.Fatalf("the cut log fails the chain check alone (%v): the attack is not the one meant", err)
	}
	_, err = audit.Verify(b.hub.Store().AuditLog(ctx, cut.Seq), cut, latest)
	if !errors.Is(err, audit.ErrTruncated) || !strings.Contains(err.Error(), b.cfg.Kafka.Topics.AuditCheckpoints()) {
		t.Errorf("the cut log against the checkpoint: %v; want truncated, naming the checkpoint topic", err)
	}
}
