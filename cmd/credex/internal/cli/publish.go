package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/connectors/httpin"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/connectors/tabular"
)

// errRejected means the hub rejected some records.
var errRejected = errors.New("some records were rejected")

// maxPrinted bounds the rejections printed; the rejects file has them all.
const maxPrinted = 100

const publishUsage = `publish [flags] FILE|-

Sends the records in FILE to the hub, in batches, and prints a line for each
rejected record and a summary. FILE is NDJSON (one envelope a line; also
.jsonl), a JSON document {"records": [...]}, or a CSV or XLSX table read by
the column mappings of --mapping (the same mappings a file-drop connector
uses). A table's rejected rows are also written to --rejects.

Sending the same file again adds nothing: records whose content the hub has
come back unchanged, at their versions. So after a crash or an interruption,
run the same command again. Transient failures (the hub unreachable or
answering 503) are retried for --retry-for.

Exits 1 when any record was rejected.`

func publish(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("publish", publishUsage)
	url := fs.String("url", "http://127.0.0.1:8080", "hub `url` (CREDEX_URL)")
	key := fs.String("key", "", "the department's API `key` (CREDEX_KEY)")
	batch := fs.Int("batch", 500, "records per submission")
	mappingFile := fs.String("mapping", "", "YAML `file` of column mappings for CSV and XLSX input: encoding and mappings, or a connectors file")
	connector := fs.String("connector", "", "the `name` of the file-drop connector whose mappings to use, when --mapping is a connectors file with several")
	rejectsFile := fs.String("rejects", "", "CSV `file` the rejected records are written to (default FILE.rejects.csv for a table)")
	retryFor := fs.Duration("retry-for", 5*time.Minute, "how long to retry a batch the hub cannot take right now")
	quiet := fs.Bool("quiet", false, "print no progress")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *batch < 1 {
		fs.Usage()
		return errUsage
	}
	name := fs.Arg(0)
	in, err := openInput(name, *mappingFile, *connector)
	if err != nil {
		return err
	}
	defer in.Close()
	if *rejectsFile == "" && in.table {
		*rejectsFile = name + ".rejects.csv"
	}
	var rejects *rejectsWriter
	if *rejectsFile != "" {
		if rejects, err = newRejectsWriter(*rejectsFile); err != nil {
			return err
		}
		defer rejects.Close()
	}
	p := &publisher{
		client: &http.Client{Timeout: 2 * time.Minute}, url: strings.TrimRight(*url, "/"), key: *key,
		retryFor: *retryFor, out: out, rejects: rejects, in: in, started: time.Now(), lastProgress: time.Now(),
	}
	if !*quiet {
		p.progress = os.Stderr
	}
	for {
		chunk, err := in.next(*batch)
		if err != nil {
			return err
		}
		if len(chunk) == 0 {
			break
		}
		if err := p.send(ctx, chunk); err != nil {
			return err
		}
	}
	if err := rejects.Close(); err != nil {
		return err
	}
	p.summary()
	if p.rejected > 0 {
		return errRejected
	}
	return nil
}

// entry is one record of the input: where it is, its envelope, and the
// errors found before sending it (cells a mapping cannot read).
type entry struct {
	at       int // the record's number, or the row's in a table
	envelope json.RawMessage
	errs     []catalog.FieldError
}

// publisher sends batches and keeps the count.
type publisher struct {
	client   *http.Client
	url, key string
	retryFor time.Duration
	out      io.Writer
	progress io.Writer // nil: quiet
	rejects  *rejectsWriter
	in       *input

	started                   time.Time
	lastProgress              time.Time
	read, accepted, unchanged int
	rejected, printed         int
}

// send submits the entries that have no errors yet and reports them all.
func (p *publisher) send(ctx context.Context, chunk []entry) error {
	var envelopes []json.RawMessage
	var sent []int
	for i, e := range chunk {
		if len(e.errs) == 0 {
			envelopes, sent = append(envelopes, e.envelope), append(sent, i)
		}
	}
	if len(envelopes) > 0 {
		resp, err := p.submitSettled(ctx, envelopes)
		if err != nil {
			return fmt.Errorf("%ss %d-%d: %w", p.in.unit, chunk[0].at, chunk[len(chunk)-1].at, err)
		}
		for j, rc := range resp.Receipts {
			e := &chunk[sent[j]]
			switch rc.Status {
			case "accepted":
				p.accepted++
				if rc.Unchanged {
					p.unchanged++
				}
			default:
				for _, fe := range rc.Errors {
					// The hub points into the batch; keep the pointer into the envelope.
					fe.Pointer = strings.TrimPrefix(fe.Pointer, fmt.Sprintf("/records/%d", j))
					e.errs = append(e.errs, fe)
				}
			}
		}
	}
	for _, e := range chunk {
		if len(e.errs) > 0 {
			p.rejected++
			if err := p.reject(e); err != nil {
				return err
			}
		}
	}
	p.read += len(chunk)
	if p.progress != nil && time.Since(p.lastProgress) > 2*time.Second {
		p.lastProgress = time.Now()
		fmt.Fprintf(p.progress, "%d %ss sent: %d accepted, %d rejected; %.0f %ss/s\n",
			p.read, p.in.unit, p.accepted, p.rejected, float64(p.read)/time.Since(p.started).Seconds(), p.in.unit)
	}
	return nil
}

// reject prints and writes down a rejected entry.
func (p *publisher) reject(e entry) error {
	for _, fe := range e.errs {
		field := p.in.field(e.at, fe.Pointer)
		if p.printed < maxPrinted {
			fmt.Fprintf(p.out, "%s %d: rejected: %s at %s: %s\n", p.in.unit, e.at, fe.Code, field, fe.Message)
		}
		p.printed++
		if err := p.rejects.write(e.at, field, fe); err != nil {
			return err
		}
	}
	return nil
}

func (p *publisher) summary() {
	if p.printed > maxPrinted {
		fmt.Fprintf(p.out, "… %d more rejections in %s\n", p.printed-maxPrinted, p.rejects.name)
	}
	if p.progress != nil {
		fmt.Fprintf(p.progress, "%d %ss in %.1fs: %d accepted (%d unchanged), %d rejected\n",
			p.read, p.in.unit, time.Since(p.started).Seconds(), p.accepted, p.unchanged, p.rejected)
	}
	fmt.Fprintf(p.out, "%d accepted, %d rejected\n", p.accepted, p.rejected)
}

// submitSettled submits envelopes, retrying what the hub cannot take right
// now, and sends pending records again until Kafka has them.
func (p *publisher) submitSettled(ctx context.Context, envelopes []json.RawMessage) (*httpin.Response, error) {
	resp, err := p.submitRetrying(ctx, envelopes)
	if err != nil {
		return nil, err
	}
	for wait := time.Second; resp.Pending > 0; wait *= 2 {
		if wait > 16*time.Second {
			return nil, fmt.Errorf("%d records are stored by the hub but not yet in Kafka; run the same command again later", resp.Pending)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
		var pending []json.RawMessage
		var at []int
		for i, rc := range resp.Receipts {
			if rc.Status == "pending" {
				pending, at = append(pending, envelopes[i]), append(at, i)
			}
		}
		again, err := p.submitRetrying(ctx, pending)
		if err != nil {
			return nil, err
		}
		for j, rc := range again.Receipts {
			rc.Index = at[j]
			resp.Receipts[at[j]] = rc
		}
		resp.Accepted += again.Accepted
		resp.Pending = again.Pending
	}
	return resp, nil
}

// errTransient marks a failure worth retrying: the hub unreachable, busy or
// unable to store right now.
var errTransient = errors.New("transient")

func (p *publisher) submitRetrying(ctx context.Context, envelopes []json.RawMessage) (*httpin.Response, error) {
	deadline := time.Now().Add(p.retryFor)
	for wait := 500 * time.Millisecond; ; wait = min(2*wait, 30*time.Second) {
		resp, err := p.submit(ctx, envelopes)
		if !errors.Is(err, errTransient) || time.Now().Add(wait).After(deadline) {
			return resp, err
		}
		if p.progress != nil {
			fmt.Fprintf(p.progress, "%v; retrying in %s\n", err, wait)
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func (p *publisher) submit(ctx context.Context, envelopes []json.RawMessage) (*httpin.Response, error) {
	var body bytes.Buffer
	for _, e := range envelopes {
		body.Write(e)
		body.WriteByte('\n')
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/v1/submissions", &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+p.key)
	res, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errTransient, err)
	}
	defer res.Body.Close()
	var resp httpin.Response
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		err = fmt.Errorf("hub answered %s with an unreadable body: %w", res.Status, err)
		if res.StatusCode >= 500 {
			err = fmt.Errorf("%w: %w", errTransient, err)
		}
		return nil, err
	}
	switch res.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusUnprocessableEntity:
		return &resp, nil
	case http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout:
		return nil, fmt.Errorf("%w: hub answered %s: %s: %s", errTransient, res.Status, resp.Code, resp.Message)
	}
	return nil, fmt.Errorf("hub answered %s: %s: %s", res.Status, resp.Code, resp.Message)
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// input reads the records of a file, a batch at a time.
type input struct {
	// unit names an entry in messages: "record", or "row" of a table.
	unit  string
	table bool
	// mapping maps a table's rows; nil for envelopes.
	mapping *source.Mapping
	rows    tabular.Reader
	// records of a JSON document, read whole; rows is nil then.
	records []json.RawMessage
	n       int
}

// openInput opens name ("-" for standard input) in the format its name
// says; a table needs mappingFile, and connector when that is a connectors
// file of several file drops.
func openInput(name, mappingFile, connector string) (*input, error) {
	kind := tabular.Kind(name)
	if kind == "csv" || kind == "xlsx" {
		if mappingFile == "" {
			return nil, fmt.Errorf("%s is a table: give its column mappings with --mapping", name)
		}
		raw, err := os.ReadFile(mappingFile)
		if err != nil {
			return nil, err
		}
		ms, err := readMappings(raw, connector)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mappingFile, err)
		}
		m := source.For(ms.Mappings, name)
		if m == nil {
			return nil, fmt.Errorf("%s: no mapping's files pattern matches %s", mappingFile, name)
		}
		rows, err := tabular.Open(name, tabular.Options{Encoding: ms.Encoding, Mapping: m})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return &input{unit: "row", table: true, mapping: m, rows: rows}, nil
	}
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		r = f
	}
	raw, err := io.ReadAll(r)
	if c, ok := r.(io.Closer); ok && name != "-" {
		c.Close()
	}
	if err != nil {
		return nil, err
	}
	if doc, ok := jsonDocument(raw); ok {
		if len(doc) == 0 {
			return nil, errors.New("the input holds no records")
		}
		return &input{unit: "record", records: doc}, nil
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("the input holds no records")
	}
	return &input{unit: "record", rows: tabular.NewJSONL(bytes.NewReader(raw))}, nil
}

// readMappings reads a mappings file, or the mappings of the file drop
// named connector (or of the only one) in a connectors file. The hub checks
// the record types.
func readMappings(raw []byte, connector string) (*source.Mappings, error) {
	anyType := func(string) bool { return true }
	var top map[string]any
	if yaml.Unmarshal(raw, &top) != nil || top["connectors"] == nil {
		return source.ParseMappings(raw, anyType)
	}
	f, err := source.Parse(raw, anyType)
	if err != nil {
		return nil, err
	}
	var drops []source.Connector
	for _, c := range f.Connectors {
		if c.Files != nil && (connector == "" || c.Name == connector) {
			drops = append(drops, c)
		}
	}
	if len(drops) != 1 {
		return nil, fmt.Errorf("%d file-drop connectors match; name one with --connector", len(drops))
	}
	return &source.Mappings{Encoding: drops[0].Files.Encoding, Mappings: drops[0].Mappings}, nil
}

// jsonDocument returns the records of a JSON document {"records": [...]}.
func jsonDocument(raw []byte) ([]json.RawMessage, bool) {
	var doc struct {
		Records []json.RawMessage `json:"records"`
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) || json.Unmarshal(trimmed, &doc) != nil || doc.Records == nil {
		return nil, false
	}
	return doc.Records, true
}

// next returns the next n entries or fewer, none at the end, and fewer
// when their envelopes reach source.MaxBatchBytes.
func (in *input) next(n int) ([]entry, error) {
	var chunk []entry
	for size := 0; len(chunk) < n && size < source.MaxBatchBytes; {
		e, err := in.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err // which names the row or line
		}
		chunk, size = append(chunk, e), size+len(e.envelope)
	}
	return chunk, nil
}

// read returns the next entry, or io.EOF after the last.
func (in *input) read() (entry, error) {
	if in.rows == nil {
		if in.n == len(in.records) {
			return entry{}, io.EOF
		}
		in.n++
		return entry{at: in.n, envelope: in.records[in.n-1]}, nil
	}
	row, err := in.rows.Next()
	if err != nil {
		return entry{}, err
	}
	in.n++
	e := entry{at: in.n}
	if in.table {
		e.at = row.Number
	}
	e.envelope, e.errs = row.Envelope(in.mapping)
	return e, nil
}

// field names where an error is: the column of a table, or the pointer
// into the input.
func (in *input) field(at int, pointer string) string {
	if in.table {
		if column := in.mapping.Column(pointer); column != "" {
			return column
		}
		return pointer
	}
	return fmt.Sprintf("/records/%d%s", at-1, pointer)
}

func (in *input) Close() error {
	if in.rows != nil {
		return in.rows.Close()
	}
	return nil
}

// rejectsWriter writes rejections as CSV, in UTF-8 with a byte order mark so
// that spreadsheet programs read it right: one line per error.
type rejectsWriter struct {
	name string
	f    *os.File
	w    *csv.Writer
}

func newRejectsWriter(name string) (*rejectsWriter, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, err
	}
	f.WriteString("\uFEFF")
	w := csv.NewWriter(f)
	w.Write([]string{"row", "field", "code", "message"})
	return &rejectsWriter{name: name, f: f, w: w}, nil
}

func (r *rejectsWriter) write(at int, field string, fe catalog.FieldError) error {
	if r == nil {
		return nil
	}
	return r.w.Write([]string{fmt.Sprint(at), field, fe.Code, fe.Message})
}

// Close flushes the file; it may be called again.
func (r *rejectsWriter) Close() error {
	if r == nil || r.f == nil {
		return nil
	}
	r.w.Flush()
	err := errors.Join(r.w.Error(), r.f.Close())
	r.f = nil
	return err
}
