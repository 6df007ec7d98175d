// Package filedrop is the file drop connector: a department drops CSV,
// XLSX or JSON Lines files into an inbox directory; the connector submits
// their rows to the intake, in batches, and answers each file with a result
// file of one line per row.
//
// The inbox holds, beside the files dropped into it:
//
//	processing/  the file being read, with its result so far and its checkpoint
//	done/        files read to the end, each with NAME.result.csv
//	failed/      files that could not be read, each with NAME.result.csv
//
// Completion convention: a file whose name starts with "." or ends in
// ".part" or ".tmp" is still being written and is never read. A department
// writes a file under such a name and renames it when it is complete, which
// is atomic on one file system.
//
// A file is moved to processing/ before its first row is read. After each
// batch whose receipts are settled, its result lines are appended to the
// result file and a checkpoint records the last row answered; a connector
// that stops resumes after that row, starting with the files left in
// processing/. A batch offered again after a stop comes back unchanged, so
// no record is stored twice and the result file keeps one line per row.
//
// Connector.Run reads one file at a time, on the goroutine that calls it.
package filedrop
