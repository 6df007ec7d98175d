// Command idscan scans files for full citizen ID numbers: any 18 characters
// between non-digits that pass ident.CheckCitizenID. The test run
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
	"regexp"

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

// candidate is 18 characters that may be a citizen ID number, between
// non-digits (submatch 1).
var candidate = regexp.MustCompile(`(?:^|[^0-9])([0-9]{17}[0-9Xx])(?:[^0-9]|$)`)

// scan calls found with the line number (from 1) and the number of every
// full, valid citizen ID number in r.
func scan(r io.Reader, found func(line int, id string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		// Matches overlap by the boundary character, so step one past each start.
		for i := 0; i < len(line); {
			m := candidate.FindStringSubmatchIndex(line[i:])
			if m == nil {
				break
			}
			id := line[i+m[2] : i+m[3]]
			if ident.CheckCitizenID(id) == nil || ident.CheckCitizenID(upper(id)) == nil {
				found(n, id)
			}
			i += m[3]
		}
	}
	return sc.Err()
}

// upper turns a trailing x into X, as ID numbers are written either way.
func upper(id string) string {
	if id[17] == 'x' {
		return id[:17] + "X"
	}
	return id
}
