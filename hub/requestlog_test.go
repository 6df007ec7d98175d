package hub_test

import (
	"bytes"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/credex/credex/ident"
)

// submitWithID posts one penalty as the market regulator with the request
// id header, when given, and returns the id the hub answered.
func (b *bundle) submitWithID(t *testing.T, requestID string) string {
	t.Helper()
	body := batch(envelope("administrative_penalty", "upsert", fmt.Sprintf("REQ-%d", b.rand.Int64()), b.penalty()))
	req, _ := http.NewRequest(http.MethodPost, b.url+"/v1/submissions", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+marketKey)
	req.Header.Set("Content-Type", "application/json")
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("submission answered %s, want 200", res.Status)
	}
	return res.Header.Get("X-Request-Id")
}

// linesOf returns the log lines that name the request id.
func linesOf(logs, id string) []string {
	var lines []string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "request_id="+id+"\n") || strings.Contains(line, "request_id="+id+" ") {
			lines = append(lines, line)
		}
	}
	return lines
}

// Each request gets one log line, at Info, naming its method, route,
// status, duration and principal, and its id is in that line, in every
// other line logged while serving it, and in the answer.
func TestRequestsAreLoggedWithTheirID(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	b := setup(t, options{logs: &logs})

	const sent = "lb-2026-12-05.0001"
	if got := b.submitWithID(t, sent); got != sent {
		t.Errorf("X-Request-Id answered %q, want the one sent, %q", got, sent)
	}
	lines := linesOf(logs.String(), sent)
	var request, batch bool
	for _, line := range lines {
		request = request || strings.Contains(line, `level=INFO msg="http request" method=POST route="POST /v1/submissions" status=200 duration_ms=`) &&
			strings.Contains(line, "principal=market ")
		batch = batch || strings.Contains(line, "msg=batch ")
	}
	if !request || !batch {
		t.Errorf("lines with request_id=%s:\n%s\nwant the request's line with its route, status and principal, and the intake's batch line",
			sent, strings.Join(lines, ""))
	}

	generated := regexp.MustCompile(`^[A-Z2-7]{26}$`)
	for _, bad := range []string{"", "two words", strings.Repeat("x", 65), ident.NewCitizenID(b.rand)} {
		got := b.submitWithID(t, bad)
		if !generated.MatchString(got) {
			t.Errorf("X-Request-Id %q answered %q, want a new id", bad, got)
		}
		if n := len(linesOf(logs.String(), got)); n < 2 {
			t.Errorf("the new id %s is in %d log lines, want the request's and the batch's", got, n)
		}
		if bad != "" && strings.Contains(logs.String(), bad) {
			t.Errorf("the logs hold the refused request id %q", bad)
		}
	}
}
