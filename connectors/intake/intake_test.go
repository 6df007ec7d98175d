package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/ident"
	"github.com/credex/credex/pipeline"
	"github.com/credex/credex/principal"
	"github.com/credex/credex/schemas"
)

// TestRejectionFitsTheTopic builds the rejection of envelopes as large as a
// body may be, shaped to swell their errors: each is a message of at most
// MaxRejectionBytes that still says which submission and envelope it was,
// and an envelope that fits is kept whole.
func TestRejectionFitsTheTopic(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 4<<20)
	manyKeys := func(n, size int) string {
		var b strings.Builder
		b.WriteString(`{"type":"t","source_id":"s"`)
		for i := range n {
			fmt.Fprintf(&b, `,"%s%d":0`, strings.Repeat("k", size), i)
		}
		return b.String() + "}"
	}
	tests := []struct {
		name  string
		raw   string
		whole bool // the envelope fits as it is
	}{
		{"small envelope", `{"type":"t","source_id":"s","priority":1}`, true},
		{"1 MiB string", `{"type":"t","source_id":"s","priority":1,"data":{"facts":"` + huge[:1<<20] + `"}}`, false},
		{"4 MiB field name", `{"type":"t","source_id":"s","` + huge + `":1}`, false},
		{"4 MiB type, quoted in its error", `{"type":"` + huge + `","source_id":"s"}`, false},
		{"control characters, six bytes each in JSON", `{"type":"t","source_id":"s","` + strings.Repeat("\x01", 1<<20) + `":1}`, false},
		{"many unknown fields", manyKeys(200_000, 4), false},
		{"many long unknown fields", manyKeys(2_000, 2000), false},
		{"not JSON", `{"type": "` + huge[:1<<20], false},
		{"not UTF-8", `{"type":"t","source_id":"s","` + strings.Repeat("\xff", 1<<20) + `":1}`, false},
	}
	in := &Intake{topics: pipeline.Topics{Prefix: "test."}}
	sub := &submission{id: "sub_test", department: &principal.Principal{Code: "DEPT"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it := &item{raw: json.RawMessage(tt.raw)}
			it.env, it.errs = parseEnvelope(it.raw)
			if len(it.errs) == 0 {
				t.Fatal("the envelope has no error to reject it for")
			}
			m, err := in.rejection(sub, 7, it)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Value) > MaxRejectionBytes || m.Topic != "test.credex.rejected" {
				t.Fatalf("rejection of %d bytes to %s, want at most %d to the rejected topic", len(m.Value), m.Topic, MaxRejectionBytes)
			}
			var rej Rejection
			if err := json.Unmarshal(m.Value, &rej); err != nil {
				t.Fatalf("rejection does not decode: %v", err)
			}
			if rej.SubmissionID != "sub_test" || rej.Index != 7 || len(rej.Errors) == 0 || len(rej.Errors)+rej.ErrorsOmitted != len(it.errs) {
				t.Errorf("rejection of %s #%d has %d errors, %d omitted; want sub_test #7 with %d", rej.SubmissionID, rej.Index, len(rej.Errors), rej.ErrorsOmitted, len(it.errs))
			}
			if tt.whole {
				if rej.Truncated != nil || !bytes.Equal(rej.Envelope, it.raw) {
					t.Errorf("envelope = %s, truncated %v; want it whole", rej.Envelope, rej.Truncated)
				}
				return
			}
			sum := sha256.Sum256(it.raw)
			tr := rej.Truncated
			if rej.Envelope != nil || tr == nil {
				t.Fatalf("envelope of %d bytes kept, want its head and hash", len(rej.Envelope))
			}
			if tr.Bytes != len(tt.raw) || tr.SHA256 != hex.EncodeToString(sum[:]) || !strings.HasSuffix(tr.Head, "…") || !utf8.ValidString(tr.Head) {
				t.Errorf("truncated envelope = %d bytes, sha256 %s, head %.40q; want %d bytes, sha256 %x, a head marked as cut", tr.Bytes, tr.SHA256, tr.Head, len(tt.raw), sum)
			}
		})
	}
}

// TestCheckNormalizesIdentifiers: an envelope whose ID number the hub can
// read is accepted with the number rewritten, and its receipt says how,
// at pointers into the envelope.
func TestCheckNormalizesIdentifiers(t *testing.T) {
	t.Parallel()
	c, err := catalog.Load(schemas.FS)
	if err != nil {
		t.Fatal(err)
	}
	rt, _ := c.Type("administrative_penalty")
	var data map[string]any
	if err := json.Unmarshal(rt.Example, &data); err != nil {
		t.Fatal(err)
	}
	id := ident.NewCitizenID(rand.New(rand.NewPCG(5, 6)))
	data["subject"].(map[string]any)["id_number"] = "\u3000" + id + " "
	raw, _ := json.Marshal(map[string]any{"type": rt.Code, "op": "upsert", "source_id": "s-1", "data": data})

	in := &Intake{catalog: c, topics: pipeline.Topics{Prefix: "test."}, m: newMetrics(prometheus.NewRegistry())}
	p := &principal.Principal{Kind: principal.Department, Name: "dept", Code: "DEPT", Types: []string{rt.Code}}
	it := in.check(p, raw)
	if it.record == nil || len(it.errs) > 0 {
		t.Fatalf("check rejected the envelope: %+v", it.errs)
	}
	sub := &submission{id: "sub_test", department: p}
	in.prepare(it, sub)
	if _, got, _ := rt.Subject(it.record.Data); got != id {
		t.Errorf("the record's ID number is %s, want %s", ident.MaskCitizenID(got), ident.MaskCitizenID(id))
	}
	res := in.result(sub, []*item{{}, it})
	want := []catalog.Normalized{{Pointer: "/data/subject/id_number", Rule: ident.RuleTrimmedSpace}}
	got := res.Receipts[1].Normalized
	if len(got) != 1 || got[0].Pointer != want[0].Pointer || got[0].Rule != want[0].Rule || got[0].Message == "" {
		t.Errorf("receipt normalized = %+v, want %+v", got, want)
	}
}
