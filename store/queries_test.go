package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every query file is read by the package, and every one it reads exists
// (query panics at start otherwise).
func TestEveryQueryFileIsUsed(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	gofiles, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	files, err := filepath.Glob("queries/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no query files: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		if !strings.Contains(src.String(), `query("`+name+`")`) {
			t.Errorf("%s: no query(%q) reads it", f, name)
		}
	}
}
