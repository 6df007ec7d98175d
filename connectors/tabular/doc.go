// Package tabular reads the files departments drop: CSV (UTF-8, with or
// without a byte order mark, or GB18030, which covers GBK), XLSX (the first
// sheet) and JSON Lines. A reader streams the file a row at a time, never
// holding it whole, and numbers rows as a department sees them: row 1 is
// the header of a CSV or XLSX file, and a JSON Lines row is its line.
//
// A reader is used by one goroutine at a time.
package tabular
