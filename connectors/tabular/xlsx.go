package tabular

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// XLSX reads the first sheet of a workbook, streaming its rows. Cells are
// read raw: numbers as their plain text, whatever their display format. A
// cell of a date column that holds an Excel serial date is written as the
// column's date pattern says. Row numbers are the sheet's.
type XLSX struct {
	f       *excelize.File
	rows    *excelize.Rows
	columns map[string]int
	// dates are the layouts of date columns, by cell index.
	dates    map[int]string
	date1904 bool
	n        int
}

// OpenXLSX opens the workbook at path, reads the header of its first sheet
// and checks it against o.Mapping.
func OpenXLSX(path string, o Options) (*XLSX, error) {
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzippedXML})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	x := &XLSX{f: f}
	if err := x.open(o); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

func (x *XLSX) open(o Options) error {
	props, err := x.f.GetWorkbookProps()
	if err != nil {
		return err
	}
	x.date1904 = props.Date1904 != nil && *props.Date1904
	if x.rows, err = x.f.Rows(x.f.GetSheetName(0)); err != nil {
		return err
	}
	header, err := x.row()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("no header row")
	}
	if err != nil {
		return err
	}
	if x.columns, err = columns(header, o.Mapping); err != nil {
		return err
	}
	x.dates = map[int]string{}
	for h, c := range o.Mapping.Columns {
		if c.As == "date" {
			x.dates[x.columns[h]] = c.DateLayout()
		}
	}
	return nil
}

func (x *XLSX) Next() (Row, error) {
	for {
		cells, err := x.row()
		if err != nil {
			return Row{}, err
		}
		if empty(cells) {
			continue
		}
		for i, layout := range x.dates {
			if i < len(cells) {
				cells[i] = x.date(cells[i], layout)
			}
		}
		return Row{Number: x.n, cells: cells, columns: x.columns}, nil
	}
}

// date writes a serial date as layout says; other text stays as it is.
func (x *XLSX) date(cell, layout string) string {
	text := strings.TrimSpace(cell)
	if _, err := time.Parse(layout, text); err == nil {
		return cell
	}
	serial, err := strconv.ParseFloat(text, 64)
	if err != nil || serial < 1 {
		return cell
	}
	t, err := excelize.ExcelDateToTime(serial, x.date1904)
	if err != nil {
		return cell
	}
	return t.Format(layout)
}

func (x *XLSX) row() ([]string, error) {
	if !x.rows.Next() {
		if err := x.rows.Error(); err != nil {
			return nil, fmt.Errorf("row %d: %w", x.n+1, err)
		}
		return nil, io.EOF
	}
	x.n++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("row %d: %w", x.n, err)
	}
	size := 0
	for _, c := range cells {
		size += len(c)
	}
	if size > MaxRow {
		return nil, fmt.Errorf("row %d: %w", x.n, ErrRowTooLarge)
	}
	return cells, nil
}

func (x *XLSX) Close() error {
	var err error
	if x.rows != nil {
		err = x.rows.Close()
	}
	return errors.Join(err, x.f.Close())
}
