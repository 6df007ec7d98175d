package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/credex/credex/casework"
	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/lifecycle"
)

// generated is a body made as it is read: head, then n bytes of fill, then
// tail. It is never held in memory.
type generated struct {
	head, tail string
	fill       byte
	n, at      int64
}

func (g *generated) Read(p []byte) (int, error) {
	total := int64(len(g.head)) + g.n + int64(len(g.tail))
	if g.at >= total {
		return 0, io.EOF
	}
	i := 0
	for ; i < len(p) && g.at < total; i, g.at = i+1, g.at+1 {
		switch {
		case g.at < int64(len(g.head)):
			p[i] = g.head[g.at]
		case g.at < int64(len(g.head))+g.n:
			p[i] = g.fill
		default:
			p[i] = g.tail[g.at-int64(len(g.head))-g.n]
		}
	}
	return i, nil
}

// fileOf returns an objection whose one file's content_base64 is n bytes of
// "A" (base64 of zero bytes), n a multiple of 4.
func fileOf(n int64) io.Reader {
	return &generated{head: `{"record_id":"r","statement":"s","evidence":[{"name":"scan.pdf","media_type":"application/pdf","content_base64":"`,
		fill: 'A', n: n, tail: `"}]}`}
}

// decoded is what decodeFiling made of a body.
type decoded struct {
	ok     bool
	status int
	code   string
	body   string
	filing casework.ObjectionFiling
}

func decodeObjection(t *testing.T, l filingLimits, body io.Reader) decoded {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/v1/objections", body)
	w := httptest.NewRecorder()
	var d decoded
	d.ok = decodeFiling(w, r, l, &d.filing, map[string]*[]casework.Upload{"evidence": &d.filing.Evidence}, errBadObjection)
	var e apierr.Error
	json.Unmarshal(w.Body.Bytes(), &e)
	d.status, d.code, d.body = w.Code, e.Code, w.Body.String()
	return d
}

func TestFilingDecodedAsItArrives(t *testing.T) {
	t.Parallel()
	pdf := []byte("%PDF-1.4\n% synthetic scan/of+a?receipt\n")
	b64 := base64.StdEncoding.EncodeToString(pdf)
	d := decodeObjection(t, keylessFiling, strings.NewReader(`{"record_id": "rec_1", "name": "王小明", "grounds": "error",
		"statement": "The fine is \"wrong\".", "evidence": [
		{"name": "scan\u002epdf", "media_type": "application/pdf", "content_base64": "`+strings.ReplaceAll(b64, "/", `\/`)+`"},
		{"content_base64": "`+b64[:8]+`", "name": "again.pdf", "media_type": "application/pdf"}]}`))
	head, _ := base64.StdEncoding.DecodeString(b64[:8])
	f := d.filing
	if !d.ok || f.RecordID != "rec_1" || f.Name != "王小明" || f.Grounds != "error" || f.Statement != `The fine is "wrong".` {
		t.Fatalf("decoded %v %+v (%s)", d.ok, f, d.body)
	}
	if len(f.Evidence) != 2 || f.Evidence[0].Name != "scan.pdf" || f.Evidence[0].MediaType != "application/pdf" ||
		!bytes.Equal(f.Evidence[0].Content, pdf) || !bytes.Equal(f.Evidence[1].Content, head) {
		t.Errorf("evidence %+v, want both files with their content, escapes undone", f.Evidence)
	}

	for _, body := range []string{`{"record_id": "r", "evidence": null}`, `{"record_id": "r"}`} {
		if d := decodeObjection(t, keylessFiling, strings.NewReader(body)); !d.ok || d.filing.Evidence != nil {
			t.Errorf("%s: decoded %v %+v, want no evidence", body, d.ok, d.filing)
		}
	}
	d = decodeObjection(t, keylessFiling, strings.NewReader(`{"evidence": [{"name": "x.pdf", "content_base64": null}, {"content_base64": ""}]}`))
	if !d.ok || len(d.filing.Evidence) != 2 || len(d.filing.Evidence[0].Content)+len(d.filing.Evidence[1].Content) != 0 {
		t.Errorf("files without content decoded %v %+v, want two empty files for the service to refuse", d.ok, d.filing)
	}
}

func TestFilingRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   io.Reader
		status int
		code   string
		// proven decodes with the limits of a proven caller.
		proven bool
	}{
		{"empty", strings.NewReader(""), 400, "invalid_body", false},
		{"not an object", strings.NewReader(`["evidence"]`), 400, "invalid_body", false},
		{"cut short", strings.NewReader(`{"evidence": [{"content_base64": "QUFB`), 400, "invalid_body", false},
		{"cut short in a value", strings.NewReader(`{"statement": "s`), 400, "invalid_body", false},
		{"unknown field", strings.NewReader(`{"evidence": [], "amount": 1}`), 400, "invalid_body", false},
		{"unknown field of a file", strings.NewReader(`{"evidence": [{"path": "/etc/passwd"}]}`), 400, "invalid_body", false},
		{"a file that is not an object", strings.NewReader(`{"evidence": ["QUFB"]}`), 400, "invalid_body", false},
		{"content not a string", strings.NewReader(`{"evidence": [{"content_base64": 12}]}`), 400, "invalid_body", false},
		{"a name not a string", strings.NewReader(`{"evidence": [{"name": ["a"]}]}`), 400, "invalid_body", false},
		{"a statement not a string", strings.NewReader(`{"statement": {"a": 1}}`), 400, "invalid_body", false},
		{"content not base64", strings.NewReader(`{"evidence": [{"content_base64": "QUFB"}, {"content_base64": "not base64!"}]}`), 400, "invalid_objection", false},
		{"keyless body over its limit", fileOf(keylessBody), 413, "body_too_large", false},
		// Proven callers have room for files, not for the rest.
		{"a statement over the keyless limit", &generated{head: `{"statement":"`, fill: 'x', n: keylessBody, tail: `"}`}, 413, "body_too_large", true},
		{"names over the keyless limit", &generated{head: `{"evidence":[{"name":"`, fill: 'x', n: keylessBody - 100, tail: `"}, {"name": "` +
			strings.Repeat("y", 200) + `"}]}`}, 413, "body_too_large", true},
		{"a member's name over the keyless limit", &generated{head: `{"`, fill: 'x', n: keylessBody, tail: `": 1}`}, 400, "invalid_body", true},
	}
	for _, tt := range tests {
		l := keylessFiling
		if tt.proven {
			l = evidenceFiling
		}
		d := decodeObjection(t, l, tt.body)
		if d.ok || d.status != tt.status || d.code != tt.code {
			t.Errorf("%s: answered %v %d %s, want %d %s", tt.name, d.ok, d.status, d.body, tt.status, tt.code)
		}
	}
	for name, content := range map[string]string{"not base64": "not base64!", "broken by a line": `QUFB\r\nQUFB`, "broken by an escaped line": `QUFB\u000aQUFB`} {
		d := decodeObjection(t, keylessFiling, strings.NewReader(`{"evidence": [{"content_base64": "QUFB"}, {"content_base64": "`+content+`"}]}`))
		var e struct{ Errors lifecycle.FieldErrors }
		json.Unmarshal([]byte(d.body), &e)
		if len(e.Errors) != 1 || e.Errors[0].Code != "invalid_base64" || e.Errors[0].Pointer != "/evidence/1/content_base64" {
			t.Errorf("content %s: errors %+v, want invalid_base64 at /evidence/1/content_base64", name, e.Errors)
		}
	}
}

// unread fails the test that reads it.
type unread struct{ t *testing.T }

func (u unread) Read([]byte) (int, error) {
	u.t.Error("the body of a request declaring a length over the limit was read")
	return 0, io.EOF
}

func TestFilingDeclaredTooLargeNotRead(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/v1/objections", unread{t})
	r.ContentLength = keylessBody + 1
	w := httptest.NewRecorder()
	var f casework.ObjectionFiling
	if decodeFiling(w, r, keylessFiling, &f, nil, errBadObjection) || w.Code != http.StatusRequestEntityTooLarge ||
		w.Header().Get("Connection") != "close" {
		t.Errorf("answered %d %s, Connection %q; want 413 and the connection closed", w.Code, w.Body, w.Header().Get("Connection"))
	}
}

func TestFilingOfProvenCallerKeepsFilesWithinLimits(t *testing.T) {
	t.Parallel()
	// A file over the limit of one file is counted, not kept: one byte
	// more than a file may have is enough for the service to refuse it.
	over := int64(lifecycle.DefaultMaxSize+3<<20) / 3 * 4
	d := decodeObjection(t, evidenceFiling, fileOf(over))
	if !d.ok || len(d.filing.Evidence) != 1 {
		t.Fatalf("a file over its limit answered %d %s, want it decoded for the service to refuse", d.status, d.body)
	}
	if c := d.filing.Evidence[0].Content; len(c) != lifecycle.DefaultMaxSize+1 || cap(c) > 2*(lifecycle.DefaultMaxSize+1) {
		t.Errorf("kept %d bytes (capacity %d) of a file of %d; want %d", len(c), cap(c), over/4*3, lifecycle.DefaultMaxSize+1)
	}

	// The files of one filing together: refused as soon as they are over.
	parts := []io.Reader{strings.NewReader(`{"evidence":[`)}
	for range maxEvidence/(8<<20) + 1 {
		parts = append(parts, &generated{head: `{"name":"a.pdf","media_type":"application/pdf","content_base64":"`,
			fill: 'A', n: 8 << 20 / 3 * 4, tail: `"},`})
	}
	d = decodeObjection(t, evidenceFiling, io.MultiReader(parts...))
	if d.ok || d.status != http.StatusRequestEntityTooLarge || d.code != "body_too_large" {
		t.Errorf("files of more than %d bytes in all answered %d %s, want 413 body_too_large", maxEvidence, d.status, d.body)
	}
}

// FuzzFilingDecodedAsEncodingJSONWould checks the streaming decoder against
// encoding/json: a body that encoding/json decodes, strictly, decodes to
// the same filing (if it is an object), and no body makes it fail
// otherwise than by answering.
// lineBreak matches a line break escaped in a JSON string.
var lineBreak = regexp.MustCompile(`\\[nr]|\\u000[aAdD]`)

func FuzzFilingDecodedAsEncodingJSONWould(f *testing.F) {
	for _, seed := range []string{
		`{"record_id":"r","name":"王","grounds":"error","statement":"s\u0041","evidence":[{"name":"a.pdf","media_type":"application/pdf","content_base64":"JVBERi0xLjQK"}]}`,
		`{"evidence":[{"content_base64":"QU\/B\nQQ==","NAME":"x"},{}],"Evidence":null}`,
		`{"evidence":[],"statement":{"nested":["[",{"}":"\""}]}}`,
		`{"evidence": [ { "content_base64" : null } ] , "record_id" : 12e3 }`,
		`{"evidence":"x"}`, `[]`, ``, `{"a":1}`, `{"evidence":[{"content_base64":"Q"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d := decodeObjection(t, keylessFiling, bytes.NewReader(body))
		if d.ok == (d.status != http.StatusOK) {
			t.Fatalf("decoded %v, answered %d", d.ok, d.status)
		}
		var want casework.ObjectionFiling
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		// A body that is not an object (null) is refused, though
		// encoding/json would take it for no fields at all; so are base64
		// broken by lines, which encoding/json skips, and a null or U+0000
		// outside the files, which encoding/json takes.
		if dec.Decode(&want) != nil || len(body) > keylessBody || !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) ||
			lineBreak.Match(body) || bytes.Contains(body, []byte("null")) || bytes.Contains(body, []byte(`\u0000`)) {
			return
		}
		if !d.ok || !reflect.DeepEqual(d.filing, want) {
			t.Errorf("%q decoded %v %+v (%s), encoding/json %+v", body, d.ok, d.filing, d.body, want)
		}
	})
}
