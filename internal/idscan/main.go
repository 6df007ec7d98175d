// Command idscan scans files for full citizen ID numbers: every number that
// ident.FindCitizenIDs finds, however it is written (full-width digits,
// spaces, hyphens, inside a longer run of digits), and that passes
// ident.CheckCitizenID. It reports only valid numbers, where the masking
// rule masks every number of ID shape: a finding is a leak, never a long
// number that happens to look like one. The test run
// (deploy/local/test.sh) scans the logs and metrics the tests left under
// .credex-local/test-logs with it, because personal data must never reach
// logs or metrics; a masked or invalid number is no finding.
//
// Usage:
//
//	go run ./internal/idscan DIR|FILE...
//
// It prints each finding as file:line with the number masked, and exits 1
// when there is any, 2 when a file cannot be read.
package main

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/credex/credex/ident"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: idscan DIR|FILE...")
		os.Exit(2)
	}
	found := 0
	for _, root := range os.Args[1:] {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			return scan(f, func(line int, id string) {
				found++
				fmt.Printf("%s:%d: full citizen ID number %s\n", path, line, ident.MaskCitizenID(id))
			})
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "idscan:", err)
			os.Exit(2)
		}
	}
	if found > 0 {
		fmt.Fprintf(os.Stderr, "idscan: %d full citizen ID numbers found\n", found)
		os.Exit(1)
	}
}

// scan calls found with the line number (from 1) and the number, written
// plainly, of every full, valid citizen ID number in r.
func scan(r io.Reader, found func(line int, id string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		for _, id := range ident.FindCitizenIDs(sc.Text()) {
			if ident.CheckCitizenID(id) == nil {
				found(n, id)
			}
		}
	}
	return sc.Err()
}
