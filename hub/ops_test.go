package hub_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestOpsOverviewRequiresAnOperator(t *testing.T) {
	t.Parallel()
	b := setup(t, options{noSink: true})
	bad := b.penalty()
	bad["subject"].(map[string]any)["id_number"] = flipCheck(bad["subject"].(map[string]any)["id_number"].(string))
	b.submit(http.StatusOK, envelope("administrative_penalty", "upsert", "OPS-1", b.penalty()),
		envelope("administrative_penalty", "upsert", "OPS-2", bad))

	br := b.browser()
	signedOut := br.get("/ops/")
	if signedOut.status != http.StatusOK || !strings.Contains(signedOut.body, `id="ops-signin"`) || strings.Contains(signedOut.body, `id="ops-throughput"`) {
		t.Fatalf("GET /ops/ signed out = %d, want the sign-in form and no figures:\n%s", signedOut.status, signedOut.body)
	}
	if got := br.keySignIn("/ops/", marketKey); got.status != http.StatusForbidden || !strings.Contains(got.body, "不属于运行维护人员") {
		t.Errorf("a department's key at /ops/ = %d, want 403 with a sentence:\n%s", got.status, got.body)
	}
	// A department signed in at the desk sees no figures either.
	br.mustSignIn("/desk/", marketKey)
	if got := br.get("/ops/"); strings.Contains(got.body, `id="ops-throughput"`) || !strings.Contains(got.body, `id="ops-signin"`) {
		t.Errorf("a department's session at /ops/ shows the figures:\n%s", got.body)
	}

	op := b.browser()
	op.mustSignIn("/ops/", opKey)
	got := op.get("/ops/")
	for _, want := range []string{`id="ops-throughput"`, `<td data-label="记录" id="ops-hour-records">2</td>`,
		`<td data-label="退回" id="ops-hour-rejected">1</td>`, `id="ops-overdue-objections">0<`, "<code>invalid_id_number</code>", `id="ops-delivery"`} {
		if !strings.Contains(got.body, want) {
			t.Errorf("the overview lacks %q:\n%s", want, got.body)
		}
	}
	// An operator is no department: the desk is closed to it.
	if desk := op.get("/desk/"); strings.Contains(desk.body, `id="desk-signout"`) {
		t.Error("an operator's session opens the desk")
	}
}
