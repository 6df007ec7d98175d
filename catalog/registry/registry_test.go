package registry_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/registry"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/schemas"
	"github.com/credex/credex/store"
)

// files returns the catalogue built into the binary, as a maintainer's
// checkout would hold it; with an edit (old → new text) of
// administrative_penalty's schema, as its version 2.
func files(t *testing.T, edit [2]string) *catalog.Catalog {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(schemas.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(schemas.FS, path)
		if edit[0] != "" {
			switch path {
			case "administrative_penalty.schema.json":
				raw = replace(t, raw, edit[0], edit[1])
			case "catalog.yaml":
				before, entry, _ := bytes.Cut(raw, []byte("code: administrative_penalty\n"))
				raw = append(append(before, "code: administrative_penalty\n"...), replace(t, entry, "version: 1\n", "version: 2\n")...)
			}
		}
		m[path] = &fstest.MapFile{Data: raw}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := catalog.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func replace(t *testing.T, raw []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(raw, []byte(old)) {
		t.Fatalf("no %q to replace", old)
	}
	return bytes.Replace(raw, []byte(old), []byte(new), 1)
}

// Edits of administrative_penalty's schema as version 2: longer facts
// (compatible under backward), shorter ones (incompatible).
var (
	longerFacts  = [2]string{`"maxLength": 4000`, `"maxLength": 8000`}
	shorterFacts = [2]string{`"maxLength": 4000`, `"maxLength": 400`}
	noEdit       [2]string
)

type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// open opens the registry on st with the files, as a hub's start does, and
// returns what it warned of administrative_penalty.
func open(t *testing.T, st *store.Store, c *catalog.Catalog) (*registry.Registry, string) {
	t.Helper()
	var logs logBuffer
	r, err := registry.Open(context.Background(), st, c, slog.New(slog.NewTextHandler(&logs, nil)), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var warned []string
	for line := range strings.Lines(logs.String()) {
		if strings.Contains(line, "level=WARN") && strings.Contains(line, "type=administrative_penalty") {
			warned = append(warned, line)
		}
	}
	return r, strings.Join(warned, "")
}

func setup(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func penalty(t *testing.T, c *catalog.Catalog) *catalog.RecordType {
	t.Helper()
	rt, ok := c.Type("administrative_penalty")
	if !ok {
		t.Fatal("no administrative_penalty in the catalogue")
	}
	return rt
}

// After version 2 was published through the API, the files still hold
// version 1: a restart says the database is newer and does not advise to
// publish the files, which would be refused and shrink the schema back.
func TestFilesOlderThanPublishedAreNotAdvisedToBePublished(t *testing.T) {
	t.Parallel()
	st := setup(t)
	original := files(t, noEdit)
	r, warned := open(t, st, original)
	if warned != "" {
		t.Fatalf("first start warned: %s", warned)
	}
	if _, err := r.Publish(context.Background(), penalty(t, files(t, longerFacts)), "maintainer"); err != nil {
		t.Fatal(err)
	}

	r, warned = open(t, st, original)
	for _, want := range []string{"older than the database, where version 2 was published since", "would be refused", "GET /v1/catalog/types/administrative_penalty/versions/2"} {
		if !strings.Contains(warned, want) {
			t.Errorf("restart with the older files warned %q, want it to say %q", warned, want)
		}
	}
	if strings.Contains(warned, "publish them") || strings.Contains(warned, "publish it with") {
		t.Errorf("restart with the older files advises to publish them: %s", warned)
	}
	if _, err := r.Publish(context.Background(), penalty(t, original), "maintainer"); !errors.Is(err, registry.ErrVersionConflict) {
		t.Fatalf("publishing the older files = %v, want the version conflict the warning foretold", err)
	}
	if rt, _ := r.Type("administrative_penalty"); rt.Version != 2 {
		t.Errorf("administrative_penalty is at version %d, want 2", rt.Version)
	}
	if _, warned = open(t, st, files(t, longerFacts)); warned != "" {
		t.Errorf("restart with the files of the published version warned: %s", warned)
	}
}

// Files newer than what is published: a compatible version is advised to
// be published, and publishing it succeeds; an incompatible one is not.
func TestFilesNewerThanPublished(t *testing.T) {
	t.Parallel()
	st := setup(t)
	open(t, st, files(t, noEdit))

	_, warned := open(t, st, files(t, shorterFacts))
	if !strings.Contains(warned, "incompatible with the published versions under backward") || strings.Contains(warned, "publish it with") {
		t.Errorf("restart with incompatible newer files warned %q, want it to say they are incompatible and not to publish", warned)
	}

	newer := files(t, longerFacts)
	r, warned := open(t, st, newer)
	if !strings.Contains(warned, "newer than the published 1 and compatible: publish it with credex catalog publish") {
		t.Errorf("restart with compatible newer files warned %q, want the advice to publish them", warned)
	}
	if res, err := r.Publish(context.Background(), penalty(t, newer), "maintainer"); err != nil || res.Version != 2 || res.Pending {
		t.Errorf("publishing the newer files as advised = %+v, %v; want version 2 in force", res, err)
	}
}
