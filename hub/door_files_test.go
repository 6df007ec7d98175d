package hub_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/credex/credex/connectors/filedrop"
	"github.com/credex/credex/connectors/source"
)

// penaltyConnectors is the connectors file of the market regulator's file
// drop, as docs/connectors.md shows it; INBOX stands for the inbox.
const penaltyConnectors = `
connectors:
  - name: market-penalties
    department: market
    files:
      inbox: INBOX
      encoding: auto
      poll: 100ms
      batch: 500
    mappings:
      - type: administrative_penalty
        files: "penalties-*"
        columns:
          案件编号: /source_id
          操作: {to: /op, values: {新增: upsert, 更正: correct, 撤销: revoke}}
          原因: /reason
          当事人姓名: /data/subject/name
          身份证号码: /data/subject/id_number
          决定书文号: /data/decision/document_no
          处罚决定日期: {to: /data/decision/date, as: date, date: YYYY年M月D日}
          处罚机关: /data/decision/authority/name
          处罚机关统一社会信用代码: /data/decision/authority/credit_code
          处罚依据: /data/legal_basis
          违法情节: {to: /data/severity, values: {轻微: minor, 一般: general, 严重: serious}}
          处罚种类: {to: /data/penalty_types, as: list, values: {警告: warning, 罚款: fine, 没收违法所得: confiscation}}
          罚款金额（元）: {to: /data/amount_yuan, as: number}
          违法事实: /data/facts
`

// penaltyConnector is the connector of penaltyConnectors reading inbox.
func penaltyConnector(t testing.TB, b *bundle, inbox string) source.Connector {
	t.Helper()
	f, err := source.Parse([]byte(strings.Replace(penaltyConnectors, "INBOX", inbox, 1)), func(code string) bool {
		_, ok := b.catalog.Type(code)
		return ok
	})
	if err != nil {
		t.Fatal(err)
	}
	return f.Connectors[0]
}

// penaltyColumns are the headers of penalty files, in their order, with
// where in an envelope their cells come from.
var penaltyColumns = []struct{ header, pointer string }{
	{"案件编号", "/source_id"}, {"操作", "/op"}, {"原因", "/reason"},
	{"当事人姓名", "/data/subject/name"}, {"身份证号码", "/data/subject/id_number"},
	{"决定书文号", "/data/decision/document_no"}, {"处罚决定日期", "/data/decision/date"},
	{"处罚机关", "/data/decision/authority/name"}, {"处罚机关统一社会信用代码", "/data/decision/authority/credit_code"},
	{"处罚依据", "/data/legal_basis"}, {"违法情节", "/data/severity"}, {"处罚种类", "/data/penalty_types"},
	{"罚款金额（元）", "/data/amount_yuan"}, {"违法事实", "/data/facts"},
}

// Words the department writes for the catalogue's values.
var (
	opWords       = map[string]string{"upsert": "新增", "correct": "更正", "revoke": "撤销"}
	severityWords = map[string]string{"minor": "轻微", "general": "一般", "serious": "严重"}
	penaltyWords  = map[string]string{"warning": "警告", "fine": "罚款", "confiscation": "没收违法所得"}
)

// penaltyRow writes an envelope as the department's spreadsheet does. A
// date is a time.Time, or the text of a date that does not exist.
func penaltyRow(t testing.TB, env map[string]any) []any {
	t.Helper()
	flat := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				walk(prefix+"/"+k, x)
			}
			return
		}
		flat[prefix] = v
	}
	walk("", env)
	delete(flat, "/type")
	row := make([]any, len(penaltyColumns))
	for i, c := range penaltyColumns {
		v, ok := flat[c.pointer]
		delete(flat, c.pointer)
		if !ok {
			row[i] = ""
			continue
		}
		switch c.pointer {
		case "/op":
			v = opWords[v.(string)]
		case "/data/severity":
			v = severityWords[v.(string)]
		case "/data/penalty_types":
			var words []string
			for _, p := range v.([]any) {
				words = append(words, penaltyWords[p.(string)])
			}
			v = strings.Join(words, "、")
		case "/data/decision/date":
			var y, m, d int
			fmt.Sscanf(v.(string), "%d-%d-%d", &y, &m, &d)
			if date := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); date.Day() == d {
				v = date
			} else {
				v = fmt.Sprintf("%d年%d月%d日", y, m, d)
			}
		}
		row[i] = v
	}
	if len(flat) > 0 {
		t.Fatalf("a penalty file has no column for %v", slices.Sorted(maps.Keys(flat)))
	}
	return row
}

// penaltyCSV encodes envelopes as a CSV file in GB18030.
func penaltyCSV(t testing.TB, envelopes []map[string]any) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	var header []string
	for _, c := range penaltyColumns {
		header = append(header, c.header)
	}
	w.Write(header)
	for _, env := range envelopes {
		var cells []string
		for _, v := range penaltyRow(t, env) {
			switch v := v.(type) {
			case time.Time:
				cells = append(cells, v.Format("2006年1月2日"))
			case []any:
				t.Fatalf("a list left unwritten")
			default:
				cells = append(cells, fmt.Sprint(v))
			}
		}
		w.Write(cells)
	}
	w.Flush()
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writePenaltyXLSX writes envelopes as a workbook, streaming its rows, with
// dates as Excel dates and amounts as numbers.
func writePenaltyXLSX(t testing.TB, path string, envelopes []map[string]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	var header []any
	for _, c := range penaltyColumns {
		header = append(header, c.header)
	}
	if err := sw.SetRow("A1", header); err != nil {
		t.Fatal(err)
	}
	for i, env := range envelopes {
		row := penaltyRow(t, env)
		for j, v := range row {
			if d, ok := v.(time.Time); ok {
				row[j] = excelize.Cell{StyleID: dateStyle, Value: d}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// drop writes content into the inbox as name by the completion convention:
// under name.part, then renamed.
func drop(t testing.TB, inbox, name string, content []byte) {
	t.Helper()
	part := filepath.Join(inbox, name+".part")
	if err := os.WriteFile(part, content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(part, filepath.Join(inbox, name)); err != nil {
		t.Fatal(err)
	}
}

// resultLine is a line of a result file.
type resultLine struct {
	row                                              int
	status, recordID, version, column, code, message string
}

// readResult reads the result file of the file name in dir; false when
// there is none yet.
func readResult(t testing.TB, dir, name string) ([]resultLine, bool) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, filedrop.ResultName(name)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	text, ok := bytes.CutPrefix(raw, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("result of %s has no byte order mark", name)
	}
	records, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(records[0], filedrop.ResultHeader) {
		t.Fatalf("result of %s has header %q", name, records[0])
	}
	lines := make([]resultLine, len(records)-1)
	for i, r := range records[1:] {
		row, _ := strconv.Atoi(r[0])
		lines[i] = resultLine{row, r[1], r[2], r[3], r[4], r[5], r[6]}
	}
	return lines, true
}

// fileDoor is the market regulator's inbox: each send drops one GB18030
// CSV file, and receipts are read from the result files in done/.
type fileDoor struct {
	b     *bundle
	inbox string
	conn  source.Connector

	mu sync.Mutex
	// sent are the files dropped, in order, with the source ids of their
	// rows from row 2 on.
	sent []sentFile
	stop func()
}

type sentFile struct {
	name      string
	sourceIDs []string
}

func newFileDoor(t *testing.T, b *bundle) door {
	d := &fileDoor{b: b, inbox: t.TempDir()}
	d.conn = penaltyConnector(t, b, d.inbox)
	d.start(t)
	t.Cleanup(func() { d.stop() })
	return d
}

// start runs the connector until stop.
func (d *fileDoor) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := d.b.hub.Connector(ctx, d.conn)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	d.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("file drop: %v", err)
		}
	}
}

func (d *fileDoor) send(t *testing.T, envelopes []map[string]any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := sentFile{name: fmt.Sprintf("penalties-%04d.csv", len(d.sent)+1)}
	for _, e := range envelopes {
		f.sourceIDs = append(f.sourceIDs, e["source_id"].(string))
	}
	drop(t, d.inbox, f.name, penaltyCSV(t, envelopes))
	d.sent = append(d.sent, f)
}

func (d *fileDoor) receipts(t *testing.T) map[string]doorReceipt {
	d.mu.Lock()
	defer d.mu.Unlock()
	got := map[string]doorReceipt{}
	for _, f := range d.sent {
		lines, ok := readResult(t, filepath.Join(d.inbox, filedrop.Done), f.name)
		if !ok {
			continue
		}
		for _, l := range lines {
			version, _ := strconv.Atoi(l.version)
			rc := doorReceipt{status: l.status, recordID: l.recordID, version: version}
			if l.code != "" {
				rc.codes = strings.Split(l.code, " | ")
			}
			got[f.sourceIDs[l.row-2]] = rc
		}
	}
	return got
}

func (d *fileDoor) restart(t *testing.T) {
	d.stop()
	d.start(t)
}
