package tabular_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/connectors/tabular"
)

// mapping reads three columns, one of them a date written YYYY年M月D日.
var mapping = &source.Mapping{Type: "administrative_penalty", Columns: map[string]source.Column{
	"编号":   {To: "/source_id"},
	"姓名":   {To: "/data/subject/name"},
	"决定日期": {To: "/data/decision/date", As: "date", Date: "YYYY年M月D日"},
}}

const table = "编号,姓名,决定日期\r\nA-1,吉𠮷,2025年6月3日\r\n,,\r\nA-2,\"王,小明\",2025年6月4日\r\n"

// rows reads every row of r as header → cell.
func rows(t *testing.T, r tabular.Reader) []map[string]any {
	t.Helper()
	var got []map[string]any
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{"row": row.Number}
		for _, h := range mapping.Headers() {
			if v, ok := row.Cell(h); ok {
				m[h] = v
			}
		}
		got = append(got, m)
	}
}

func encode(t *testing.T, enc interface{ Bytes([]byte) ([]byte, error) }, s string) []byte {
	t.Helper()
	b, err := enc.Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCSVEncodings(t *testing.T) {
	t.Parallel()
	gbkTable := strings.ReplaceAll(table, "𠮷", "吉") // GBK has no 𠮷
	cases := []struct {
		name, encoding string
		file           []byte
		want           string // what the file reads as
		detected       string
	}{
		{"utf-8", "auto", []byte(table), table, "utf-8"},
		{"utf-8 with BOM", "auto", append([]byte("\uFEFF"), table...), table, "utf-8"},
		{"gb18030 beyond GBK", "auto", encode(t, simplifiedchinese.GB18030.NewEncoder(), table), table, "gb18030"},
		{"gbk", "auto", encode(t, simplifiedchinese.GBK.NewEncoder(), gbkTable), gbkTable, "gb18030"},
		{"gbk configured", "gb18030", encode(t, simplifiedchinese.GBK.NewEncoder(), gbkTable), gbkTable, "gb18030"},
		{"utf-8 configured", "utf-8", append([]byte("\uFEFF"), table...), table, "utf-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := tabular.NewCSV(bytes.NewReader(c.file), tabular.Options{Encoding: c.encoding, Mapping: mapping})
			if err != nil {
				t.Fatal(err)
			}
			if r.Encoding() != c.detected {
				t.Errorf("read as %s, want %s", r.Encoding(), c.detected)
			}
			name := strings.Split(strings.Split(c.want, "\r\n")[1], ",")[1]
			want := []map[string]any{
				{"row": 2, "编号": "A-1", "姓名": name, "决定日期": "2025年6月3日"},
				{"row": 4, "编号": "A-2", "姓名": "王,小明", "决定日期": "2025年6月4日"},
			}
			if got := rows(t, r); !equal(got, want) {
				t.Errorf("rows %v, want %v", got, want)
			}
		})
	}
}

func equal(a, b []map[string]any) bool {
	return slices.EqualFunc(a, b, func(x, y map[string]any) bool {
		if len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if y[k] != v {
				return false
			}
		}
		return true
	})
}

// A UTF-8 file whose 64 KiB of detection end inside a character is still
// UTF-8; one with a GB18030 byte after the first 64 KiB is refused.
func TestCSVDetectionAtTheCut(t *testing.T) {
	t.Parallel()
	head := "编号,姓名,决定日期\n"
	var b strings.Builder
	b.WriteString(head)
	for b.Len() < 64<<10-1 {
		b.WriteString("A,")
	}
	b.WriteString("王小明,2025年6月3日\n") // 王 straddles byte 65,536
	r, err := tabular.NewCSV(strings.NewReader(b.String()), tabular.Options{Mapping: mapping})
	if err != nil {
		t.Fatal(err)
	}
	if r.Encoding() != "utf-8" {
		t.Fatalf("read as %s, want utf-8", r.Encoding())
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}

	late := b.String() + "A-2," + string(encode(t, simplifiedchinese.GB18030.NewEncoder(), "王小明")) + ",2025年6月3日\n"
	r, err = tabular.NewCSV(strings.NewReader(late), tabular.Options{Mapping: mapping})
	if err != nil {
		t.Fatal(err)
	}
	r.Next()
	if _, err := r.Next(); !errors.Is(err, tabular.ErrEncoding) {
		t.Fatalf("row 3 read with error %v, want %v", err, tabular.ErrEncoding)
	}
}

func TestMissingColumns(t *testing.T) {
	t.Parallel()
	_, err := tabular.NewCSV(strings.NewReader("编号,名字\nA-1,王小明\n"), tabular.Options{Mapping: mapping})
	var missing *tabular.MissingColumnsError
	if !errors.As(err, &missing) || !slices.Equal(missing.Columns, []string{"决定日期", "姓名"}) {
		t.Fatalf("error %v, want the columns 决定日期 and 姓名 missing", err)
	}
	if err.Error() != "missing columns: 决定日期, 姓名" {
		t.Errorf("message %q", err)
	}

	path := filepath.Join(t.TempDir(), "a.xlsx")
	writeXLSX(t, path, [][]any{{"编号", "姓名"}, {"A-1", "王小明"}})
	if _, err := tabular.Open(path, tabular.Options{Mapping: mapping}); !errors.As(err, &missing) || !slices.Equal(missing.Columns, []string{"决定日期"}) {
		t.Fatalf("error %v, want the column 决定日期 missing", err)
	}
}

func writeXLSX(t *testing.T, path string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	date, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		for j, v := range row {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
			if _, ok := v.(time.Time); ok {
				f.SetCellStyle("Sheet1", cell, cell, date)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// Dates held as Excel dates come out as the column's pattern says, dates
// written as text as they are; numbers read as their plain text.
func TestXLSX(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "penalties.xlsx")
	m := &source.Mapping{Type: "administrative_penalty", Columns: map[string]source.Column{
		"编号": {To: "/source_id"}, "决定日期": {To: "/data/decision/date", As: "date", Date: "YYYY年M月D日"},
		"金额": {To: "/data/amount_yuan", As: "number"},
	}}
	writeXLSX(t, path, [][]any{
		{"编号", "决定日期", "金额"},
		{"A-1", time.Date(2025, 6, 3, 0, 0, 0, 0, time.UTC), 5000},
		{},
		{"A-2", "2025年2月30日", 1234.5},
	})
	r, err := tabular.Open(path, tabular.Options{Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got [][]string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		id, _ := row.Cell("编号")
		d, _ := row.Cell("决定日期")
		n, _ := row.Cell("金额")
		got = append(got, []string{string(rune('0' + row.Number)), id, d, n})
	}
	want := [][]string{{"2", "A-1", "2025年6月3日", "5000"}, {"4", "A-2", "2025年2月30日", "1234.5"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("rows %q, want %q", got, want)
	}
}

func TestJSONL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "records.jsonl")
	os.WriteFile(path, []byte("{\"source_id\":\"A-1\"}\n\n  \n{\"source_id\":\"A-2\"}"), 0o644)
	r, err := tabular.Open(path, tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		env, _ := row.Envelope(nil)
		got = append(got, string(rune('0'+row.Number))+" "+string(env))
	}
	want := []string{`1 {"source_id":"A-1"}`, `4 {"source_id":"A-2"}`}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
}

func TestOtherFormatsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("编号\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.xlsx"), []byte("编号,姓名\n"), 0o644)
	for _, name := range []string{"a.txt", "b.xlsx"} {
		if _, err := tabular.Open(filepath.Join(dir, name), tabular.Options{Mapping: mapping}); !errors.Is(err, tabular.ErrFormat) {
			t.Errorf("%s opened with error %v, want %v", name, err, tabular.ErrFormat)
		}
	}
}

// A row longer than MaxRow stops the file at that row, in every format,
// before it is held whole; the rows before it are read.
func TestRowTooLarge(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("长", tabular.MaxRow/3+1)
	dir := t.TempDir()
	files := map[string]string{
		"penalties.csv":      "编号,姓名,决定日期\nA-1,王小明,2025年6月3日\nA-2,\"" + huge + "\",x\nA-3,,\n",
		"penalties-8mib.csv": "编号,姓名,决定日期\nA-1,王小明,2025年6月3日\nA-2,\"" + strings.Repeat("x", 8<<20) + "\",x\n",
		"records.jsonl":      "{\"source_id\":\"A-1\"}\n{\"source_id\":\"" + huge + "\"}\n{}\n",
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		r, err := tabular.Open(path, tabular.Options{Mapping: mapping})
		if err != nil {
			t.Fatal(err)
		}
		first, err := r.Next()
		if err != nil {
			t.Fatalf("%s: the first row: %v", name, err)
		}
		_, err = r.Next()
		if !errors.Is(err, tabular.ErrRowTooLarge) || !strings.Contains(err.Error(), fmt.Sprint(first.Number+1)) {
			t.Errorf("%s: the long row gives %v, want ErrRowTooLarge naming row %d", name, err, first.Number+1)
		}
		r.Close()
	}
}
