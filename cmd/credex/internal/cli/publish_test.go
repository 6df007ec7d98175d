package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/source"
)

const testKey = "dev-market-regulation-key-0001"

// hubRequest is what the fake hub received in one submission.
type hubRequest struct {
	method, path, auth, contentType string
	envelopes                       []string
}

// fakeHub stands in for the hub's HTTP API. By default it answers as the
// hub does: it rejects every envelope whose source_id starts with "bad",
// with a pointer into the submission, and accepts the others.
type fakeHub struct {
	url string
	// answer, when set, replaces the default answer.
	answer func(w http.ResponseWriter)

	mu       sync.Mutex
	requests []hubRequest
	// unavailable is how many requests are answered 503 first.
	unavailable int
}

func setup(t *testing.T) *fakeHub {
	t.Helper()
	hub := &fakeHub{}
	srv := httptest.NewServer(http.HandlerFunc(hub.serve))
	t.Cleanup(srv.Close)
	hub.url = srv.URL
	return hub
}

func (h *fakeHub) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := hubRequest{method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type")}
	for line := range strings.Lines(string(body)) {
		req.envelopes = append(req.envelopes, strings.TrimSuffix(line, "\n"))
	}
	h.mu.Lock()
	h.requests = append(h.requests, req)
	unavailable := len(h.requests) <= h.unavailable
	h.mu.Unlock()
	if unavailable {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"code":"unavailable","message":"the hub cannot store records right now"}`)
		return
	}
	if h.answer != nil {
		h.answer(w)
		return
	}

	resp := httpin.Response{SubmissionID: fmt.Sprintf("sub_%d", len(h.received()))}
	for i, line := range req.envelopes {
		var env struct {
			SourceID string `json:"source_id"`
		}
		json.Unmarshal([]byte(line), &env)
		rc := httpin.Receipt{Index: i, Status: "accepted", RecordID: "rec_" + env.SourceID, Version: 1}
		if strings.HasPrefix(env.SourceID, "bad") {
			rc = httpin.Receipt{Index: i, Status: "rejected", Errors: []catalog.FieldError{
				{Code: "invalid_id_number", Pointer: fmt.Sprintf("/records/%d/data/subject/id_number", i), Message: "not a valid citizen ID number"},
				{Code: "missing_field", Pointer: fmt.Sprintf("/records/%d/data/facts", i), Message: "facts is required"},
			}}
			resp.Rejected++
		} else {
			resp.Accepted++
		}
		resp.Receipts = append(resp.Receipts, rc)
	}
	status := http.StatusOK
	if resp.Accepted == 0 {
		status, resp.Code, resp.Message = http.StatusUnprocessableEntity, "rejected", "no record of the submission was accepted"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(resp)
}

func (h *fakeHub) received() []hubRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

// envelopes returns n NDJSON envelopes with source ids MR-1 to MR-n; those
// numbered in bad get source ids bad-<number>.
func envelopes(n int, bad ...int) []string {
	out := make([]string, n)
	for i := range n {
		id := fmt.Sprintf("MR-%d", i+1)
		if slices.Contains(bad, i+1) {
			id = fmt.Sprintf("bad-%d", i+1)
		}
		out[i] = fmt.Sprintf(`{"type":"administrative_penalty","op":"upsert","source_id":%q,"data":{"amount_yuan":%d}}`, id, i+1)
	}
	return out
}

// inputFile writes content to a file of its own and returns its path.
func inputFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "records.ndjson")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (h *fakeHub) publish(t *testing.T, file string, flags ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	args := append([]string{"--url", h.url, "--key", testKey}, flags...)
	err := publish(context.Background(), append(args, file), &out)
	return out.String(), err
}

func TestPublishSendsNDJSONWithTheKey(t *testing.T) {
	t.Parallel()
	hub := setup(t)
	envs := envelopes(3)
	out, err := hub.publish(t, inputFile(t, strings.Join(envs, "\n")+"\n"))
	if err != nil {
		t.Fatalf("publish: %v\n%s", err, out)
	}
	if out != "3 accepted, 0 rejected\n" {
		t.Errorf("output = %q, want only the totals", out)
	}
	reqs := hub.received()
	if len(reqs) != 1 {
		t.Fatalf("hub received %d submissions, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != http.MethodPost || r.path != "/v1/submissions" {
		t.Errorf("request = %s %s, want POST /v1/submissions", r.method, r.path)
	}
	if r.auth != "Bearer "+testKey {
		t.Errorf("Authorization = %q, want Bearer %s", r.auth, testKey)
	}
	if r.contentType != "application/x-ndjson" {
		t.Errorf("Content-Type = %q, want application/x-ndjson", r.contentType)
	}
	if !slices.Equal(r.envelopes, envs) {
		t.Errorf("body lines = %q, want %q", r.envelopes, envs)
	}
}

func TestPublishSplitsIntoBatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		records, batch int
		want           []int // envelopes per submission
	}{
		{5, 2, []int{2, 2, 1}},
		{4, 2, []int{2, 2}},
		{3, 500, []int{3}},
		{3, 1, []int{1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d records by %d", tt.records, tt.batch), func(t *testing.T) {
			t.Parallel()
			hub := setup(t)
			envs := envelopes(tt.records)
			out, err := hub.publish(t, inputFile(t, strings.Join(envs, "\n")), "--batch", fmt.Sprint(tt.batch))
			if err != nil {
				t.Fatalf("publish: %v", err)
			}
			var sizes []int
			var sent []string
			for _, r := range hub.received() {
				sizes = append(sizes, len(r.envelopes))
				sent = append(sent, r.envelopes...)
			}
			if !slices.Equal(sizes, tt.want) {
				t.Errorf("submission sizes = %v, want %v", sizes, tt.want)
			}
			if !slices.Equal(sent, envs) {
				t.Errorf("sent %q, want every envelope once, in order: %q", sent, envs)
			}
			if want := fmt.Sprintf("%d accepted, 0 rejected\n", tt.records); out != want {
				t.Errorf("output = %q, want %q", out, want)
			}
		})
	}
}

func TestPublishReportsRejections(t *testing.T) {
	t.Parallel()
	hub := setup(t)
	// Records 2 and 5 are bad; with --batch 2 record 5 is the first of the
	// third submission, and the hub's pointers count within each submission.
	out, err := hub.publish(t, inputFile(t, strings.Join(envelopes(5, 2, 5), "\n")), "--batch", "2")
	if !errors.Is(err, errRejected) {
		t.Fatalf("publish = %v, want errRejected", err)
	}
	want := "" +
		"record 2: rejected: invalid_id_number at /records/1/data/subject/id_number: not a valid citizen ID number\n" +
		"record 2: rejected: missing_field at /records/1/data/facts: facts is required\n" +
		"record 5: rejected: invalid_id_number at /records/4/data/subject/id_number: not a valid citizen ID number\n" +
		"record 5: rejected: missing_field at /records/4/data/facts: facts is required\n" +
		"3 accepted, 2 rejected\n"
	if out != want {
		t.Errorf("output =\n%s\nwant\n%s", out, want)
	}
	if n := len(hub.received()); n != 3 {
		t.Errorf("hub received %d submissions, want 3: a rejection does not stop the rest", n)
	}
}

func TestPublishAllRejected(t *testing.T) {
	t.Parallel()
	hub := setup(t)
	out, err := hub.publish(t, inputFile(t, strings.Join(envelopes(1, 1), "\n")))
	if !errors.Is(err, errRejected) {
		t.Fatalf("publish = %v, want errRejected (the hub answers 422)", err)
	}
	if !strings.HasSuffix(out, "0 accepted, 1 rejected\n") || !strings.HasPrefix(out, "record 1: rejected: invalid_id_number at /records/0/") {
		t.Errorf("output = %q", out)
	}
}

func TestPublishFailsOnAnErrorAnswer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		status        int
		code, message string
	}{
		{"unauthorized", http.StatusUnauthorized, "unauthorized", "the API key is missing or unknown"},
		{"unavailable", http.StatusServiceUnavailable, "unavailable", "the hub cannot store records right now"},
		{"too many records", http.StatusRequestEntityTooLarge, "too_many_records", "the batch has 3 records, at most 2 are allowed; split it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hub := setup(t)
			hub.answer = func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"code":%q,"message":%q}`, tt.code, tt.message)
			}
			out, err := hub.publish(t, inputFile(t, strings.Join(envelopes(3), "\n")), "--batch", "2", "--retry-for", "0")
			if err == nil || errors.Is(err, errRejected) {
				t.Fatalf("publish = %v, want the hub's error", err)
			}
			for _, want := range []string{fmt.Sprint(tt.status), tt.code, tt.message, "records 1-2"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
			if n := len(hub.received()); n != 1 {
				t.Errorf("hub received %d submissions, want 1: publish stops at the first failure", n)
			}
			if out != "" {
				t.Errorf("output = %q, want nothing (no totals for a failed run)", out)
			}
		})
	}
}

// TestPublishBoundsBatchesByBytes: large records go in smaller batches,
// none over source.MaxBatchBytes, so that the hub's body limit never
// refuses one.
func TestPublishBoundsBatchesByBytes(t *testing.T) {
	t.Parallel()
	hub := setup(t)
	long := strings.Repeat("事", 4000)
	var envs []string
	for i := range 500 {
		envs = append(envs, fmt.Sprintf(`{"type":"administrative_penalty","source_id":"MR-%d","data":{"facts":%q}}`, i, long))
	}
	out, err := hub.publish(t, inputFile(t, strings.Join(envs, "\n")))
	if err != nil || out != "500 accepted, 0 rejected\n" {
		t.Fatalf("publish = %v, %q; want 500 accepted", err, out)
	}
	reqs, sent := hub.received(), 0
	for _, r := range reqs {
		size := 0
		for _, e := range r.envelopes {
			size += len(e) + 1
		}
		if size > source.MaxBatchBytes+len(envs[0])+1 {
			t.Errorf("a submission of %d bytes, want at most about %d", size, source.MaxBatchBytes)
		}
		sent += len(r.envelopes)
	}
	if len(reqs) < 2 || sent != 500 {
		t.Errorf("%d submissions of %d records, want several of 500 in all", len(reqs), sent)
	}
}

func TestPublishRetriesWhileTheHubIsUnavailable(t *testing.T) {
	t.Parallel()
	hub := setup(t)
	hub.unavailable = 2
	out, err := hub.publish(t, inputFile(t, strings.Join(envelopes(3), "\n")))
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	if out != "3 accepted, 0 rejected\n" {
		t.Errorf("output = %q, want the totals", out)
	}
	if reqs := hub.received(); len(reqs) != 3 || !slices.Equal(reqs[0].envelopes, reqs[2].envelopes) {
		t.Errorf("hub received %d submissions, want the same one three times", len(reqs))
	}
}

func TestPublishFailsOnAnUnreadableAnswer(t *testing.T) {
	t.Parallel()
	hub := setup(t)
	hub.answer = func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html>bad gateway</html>")
	}
	_, err := hub.publish(t, inputFile(t, envelopes(1)[0]), "--retry-for", "0")
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("publish = %v, want an error naming the 502 answer", err)
	}
}

func TestPublishReadsAJSONDocument(t *testing.T) {
	t.Parallel()
	hub := setup(t)
	envs := envelopes(3, 3)
	doc := "{\n  \"records\": [\n    " + strings.Join(envs, ",\n    ") + "\n  ]\n}\n"
	out, err := hub.publish(t, inputFile(t, doc))
	if !errors.Is(err, errRejected) {
		t.Fatalf("publish = %v, want errRejected", err)
	}
	reqs := hub.received()
	if len(reqs) != 1 || !slices.Equal(reqs[0].envelopes, envs) {
		t.Fatalf("hub received %+v, want one submission of one envelope a line: %q", reqs, envs)
	}
	if !strings.HasPrefix(out, "record 3: rejected:") || !strings.HasSuffix(out, "2 accepted, 1 rejected\n") {
		t.Errorf("output = %q", out)
	}
}

func TestPublishRefusesBadArguments(t *testing.T) {
	t.Parallel()
	file := inputFile(t, envelopes(1)[0])
	tests := []struct {
		name string
		args []string
	}{
		{"no file", []string{"--key", testKey}},
		{"two files", []string{"--key", testKey, file, file}},
		{"batch of 0", []string{"--key", testKey, "--batch", "0", file}},
		{"unknown flag", []string{"--key", testKey, "--dry-run", file}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hub := setup(t)
			var out bytes.Buffer
			err := publish(context.Background(), append([]string{"--url", hub.url}, tt.args...), &out)
			if !errors.Is(err, errUsage) {
				t.Errorf("publish(%q) = %v, want errUsage", tt.args, err)
			}
			if n := len(hub.received()); n != 0 {
				t.Errorf("hub received %d submissions, want none", n)
			}
		})
	}
}

func TestPublishRefusesAMissingOrEmptyFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
	}{
		{"file does not exist", filepath.Join(t.TempDir(), "nothing.ndjson")},
		{"empty file", inputFile(t, "")},
		{"blank lines only", inputFile(t, "\n \n")},
		{"empty records", inputFile(t, `{"records": []}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hub := setup(t)
			out, err := hub.publish(t, tt.file)
			if err == nil || errors.Is(err, errUsage) || errors.Is(err, errRejected) {
				t.Errorf("publish = %v, want an error about the file", err)
			}
			if n := len(hub.received()); n != 0 || out != "" {
				t.Errorf("hub received %d submissions and output is %q, want neither", n, out)
			}
		})
	}
}

func TestPublishReadsEnvelopes(t *testing.T) {
	t.Parallel()
	const a, b = `{"source_id":"a"}`, `{"source_id":"b"}`
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"NDJSON", a + "\n" + b + "\n", []string{a, b}},
		{"NDJSON with CRLF and blank lines", "\r\n" + a + "\r\n\r\n  " + b + "  \r\n", []string{a, b}},
		{"one envelope", a, []string{a}},
		{"JSON document", `{"records": [` + a + `, ` + b + `]}`, []string{a, b}},
		{"indented JSON document", "\n{\n  \"records\": [\n    " + a + ",\n    " + b + "\n  ]\n}\n", []string{a, b}},
		{"JSON document keeps elements as they are", `{"records": [1, "x", ` + a + `]}`, []string{"1", `"x"`, a}},
		{"lines that are not JSON are sent for the hub to reject", "not json\n" + a, []string{"not json", a}},
		{"an object whose records is not an array is an envelope", `{"records": 1}`, []string{`{"records": 1}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raws, err := readEnvelopes(t, tt.in)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			got := make([]string, len(raws))
			for i, r := range raws {
				got[i] = string(r)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("read(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	for _, in := range []string{"", "\n\n", "  \t\n", `{"records": []}`} {
		if raws, err := readEnvelopes(t, in); err == nil {
			t.Errorf("read(%q) = %q, want an error: no records", in, raws)
		}
	}
}

// readEnvelopes reads the envelopes of a file holding content.
func readEnvelopes(t *testing.T, content string) ([]json.RawMessage, error) {
	in, err := openInput(inputFile(t, content), "", "")
	if err != nil {
		return nil, err
	}
	defer in.Close()
	entries, err := in.next(1000)
	var raws []json.RawMessage
	for _, e := range entries {
		raws = append(raws, e.envelope)
	}
	return raws, err
}
