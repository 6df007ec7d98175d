package filedrop

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/connectors/tabular"
)

// Directories of the inbox.
const (
	Processing = "processing"
	Done       = "done"
	Failed     = "failed"
)

// Defaults of source.Files.
const (
	DefaultPoll  = 2 * time.Second
	DefaultBatch = 500
)

// Connector reads the files a department drops into its inbox.
type Connector struct {
	name     string
	cfg      source.Files
	mappings []source.Mapping
	d        source.Deps
	log      *slog.Logger
	now      func() time.Time
	// warned is the last problem of the inbox itself logged, so that it is
	// logged once while it lasts.
	warned string
	// hub follows the outages of the hub.
	hub *source.Outage
}

// New returns the connector c describes, making its inbox's directories.
func New(c source.Connector, d source.Deps) (*Connector, error) {
	if c.Files == nil {
		return nil, fmt.Errorf("connector %s: no files section", c.Name)
	}
	for _, dir := range []string{Processing, Done, Failed} {
		if err := os.MkdirAll(filepath.Join(c.Files.Inbox, dir), 0o750); err != nil {
			return nil, fmt.Errorf("connector %s: inbox: %w", c.Name, err)
		}
	}
	log := cmp.Or(d.Logger, slog.Default())
	return &Connector{name: c.Name, cfg: *c.Files, mappings: c.Mappings, d: d, log: log, now: time.Now,
		hub: &source.Outage{Log: log, Down: "the hub cannot answer for a batch; offering it again", Up: "the hub takes records again"}}, nil
}

// Run reads the inbox until ctx ends, then returns nil: first the file left
// in processing/ by an earlier run, then the files waiting in the inbox in
// the order of their names, then it looks again every poll. A file is
// acknowledged (moved to done/ or failed/) only once every row has a
// settled receipt in its result file.
func (c *Connector) Run(ctx context.Context) error {
	poll := cmp.Or(time.Duration(c.cfg.Poll), DefaultPoll)
	for {
		err := c.pass(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && err.Error() != c.warned:
			c.log.Warn("inbox not read; trying again", "inbox", c.cfg.Inbox, "err", err)
			c.warned = err.Error()
		case err == nil:
			c.warned = ""
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

// pass reads the files in processing/, then those waiting in the inbox.
func (c *Connector) pass(ctx context.Context) error {
	started, err := c.list(filepath.Join(c.cfg.Inbox, Processing))
	if err != nil {
		return err
	}
	for _, name := range started {
		if err := c.process(ctx, name); err != nil {
			return err
		}
	}
	waiting, err := c.list(c.cfg.Inbox)
	if err != nil {
		return err
	}
	for i, name := range waiting {
		c.d.Metrics.Backlog(c.name, len(waiting)-i)
		if ctx.Err() != nil {
			return nil
		}
		if err := os.Rename(filepath.Join(c.cfg.Inbox, name), filepath.Join(c.cfg.Inbox, Processing, name)); err != nil {
			return err
		}
		if err := c.process(ctx, name); err != nil {
			return err
		}
	}
	c.d.Metrics.Backlog(c.name, 0)
	return nil
}

// list returns the complete files of dir, in the order of their names.
func (c *Connector) list(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && Complete(e.Name()) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Complete reports whether a file of this name is complete by the
// completion convention: no leading "." and no ".part" or ".tmp" ending.
func Complete(name string) bool {
	return !strings.HasPrefix(name, ".") && !strings.HasSuffix(name, ".part") && !strings.HasSuffix(name, ".tmp")
}

// errNoMapping: no mapping's pattern matches the file's name.
var errNoMapping = errors.New("no mapping's files pattern matches the file's name")

// mapping returns the mapping of the file name: nil for JSON Lines, which
// carry envelopes, else the first whose files pattern matches.
func (c *Connector) mapping(name string) (*source.Mapping, error) {
	switch tabular.Kind(name) {
	case "jsonl":
		return nil, nil
	case "":
		return nil, tabular.ErrFormat
	}
	if m := source.For(c.mappings, name); m != nil {
		return m, nil
	}
	return nil, errNoMapping
}
