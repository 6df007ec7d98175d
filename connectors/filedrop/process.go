package filedrop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/credex/credex/connectors/intake"
	"github.com/credex/credex/connectors/source"
	"github.com/credex/credex/connectors/tabular"
)

// checkpoint is the progress of the file in processing/, kept beside it as
// .NAME.checkpoint.
type checkpoint struct {
	// Row is the number of the last row whose result line is written.
	Row int `json:"row"`
	// ResultBytes is the length of the result file up to that row's line.
	ResultBytes int64 `json:"result_bytes"`
	// To, once the file is finished, is where it goes: done/NAME or
	// failed/NAME, relative to the inbox.
	To string `json:"to,omitempty"`
}

// work is one file in processing/.
type work struct {
	c       *Connector
	name    string
	mapping *source.Mapping
	result  *resultFile
	cp      checkpoint
	// accepted and rejected count the rows answered by this run.
	accepted, rejected int
}

func (w *work) path(name string) string { return filepath.Join(w.c.cfg.Inbox, Processing, name) }

// process reads the file name in processing/ from its checkpoint to its
// end and moves it to done/ or failed/ with its result file. It returns
// when ctx ends, leaving the file in processing/, or on an error of the
// inbox itself.
func (c *Connector) process(ctx context.Context, name string) error {
	w := &work{c: c, name: name}
	raw, err := os.ReadFile(w.path("." + name + ".checkpoint"))
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &w.cp); err != nil {
			return fmt.Errorf("checkpoint of %s: %w", name, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	if w.cp.To != "" {
		return w.move()
	}
	if w.result, err = openResult(w.path("."+name+".result.csv"), w.cp.ResultBytes); err != nil {
		return err
	}
	defer w.result.Close()
	readErr := w.read(ctx)
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.Is(readErr, io.EOF):
		return w.finish(Done)
	case errors.As(readErr, new(*inboxError)):
		return readErr
	}
	if err := w.result.failed(w.cp.Row, readErr); err != nil {
		return err
	}
	c.log.Warn("file not read", "file", name, "err", readErr)
	return w.finish(Failed)
}

// inboxError is a failure to write in the inbox, as opposed to one of
// reading the file.
type inboxError struct{ err error }

func (e *inboxError) Error() string { return e.err.Error() }
func (e *inboxError) Unwrap() error { return e.err }

// read submits the rows after the checkpoint, a batch at a time. It
// returns io.EOF once every row is answered, an *inboxError, the error of
// ctx, or why the file cannot be read.
func (w *work) read(ctx context.Context) error {
	m, err := w.c.mapping(w.name)
	if err != nil {
		return err
	}
	w.mapping = m
	r, err := tabular.Open(w.path(w.name), tabular.Options{Encoding: w.c.cfg.Encoding, Mapping: m})
	if err != nil {
		return err
	}
	defer r.Close()
	// The next batch is read while the last is submitted.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches, readErr := make(chan batch, 1), make(chan error, 1)
	go func(after int) {
		defer close(batches)
		readErr <- w.prepare(ctx, r, after, batches)
	}(w.cp.Row)
	for b := range batches {
		if err := w.batch(ctx, b); err != nil {
			cancel()
			for range batches {
			}
			return err
		}
	}
	return <-readErr
}

// batch is the envelopes of rows, with the errors found reading them.
type batch struct {
	rows []int // the row numbers
	intake.Batch
}

// prepare reads the rows after row after, the checkpoint's, into batches.
// It returns io.EOF after the last row, the error of ctx, or why the file
// cannot be read.
func (w *work) prepare(ctx context.Context, r tabular.Reader, after int, batches chan<- batch) error {
	size := w.c.cfg.Batch
	if size <= 0 {
		size = DefaultBatch
	}
	var b batch
	bytes := 0
	for {
		row, err := r.Next()
		if err == nil && row.Number <= after {
			continue
		}
		if err == nil {
			env, found := row.Envelope(w.mapping)
			b.rows, b.Envelopes, b.Found = append(b.rows, row.Number), append(b.Envelopes, env), append(b.Found, found)
			bytes += len(env)
		}
		if len(b.rows) == size || bytes >= source.MaxBatchBytes || err != nil && len(b.rows) > 0 {
			b.Department, b.Connector = w.c.d.Department, w.c.name
			select {
			case batches <- b:
			case <-ctx.Done():
				return ctx.Err()
			}
			b, bytes = batch{}, 0
		}
		if err != nil {
			return err
		}
	}
}

// batch submits a batch, writes its result lines and the checkpoint after
// the last of its rows.
func (w *work) batch(ctx context.Context, b batch) error {
	lines := make([]line, len(b.rows))
	for i, n := range b.rows {
		lines[i].row = n
	}
	res, err := w.c.submit(ctx, b.Batch)
	if err != nil {
		return err
	}
	for i := range lines {
		lines[i].receipt = res.Receipts[i]
	}
	for i := range lines {
		if lines[i].receipt.Status == "accepted" {
			w.accepted++
		} else {
			w.rejected++
		}
	}
	n, err := w.result.append(lines, w.column)
	if err != nil {
		return &inboxError{err}
	}
	w.cp.Row, w.cp.ResultBytes = b.rows[len(b.rows)-1], n
	if err := w.save(); err != nil {
		return &inboxError{err}
	}
	return nil
}

// column names the column of an error pointer: its header, or the pointer
// when no column goes there (and always for JSON Lines).
func (w *work) column(pointer string) string {
	if w.mapping != nil {
		if h := w.mapping.Column(pointer); h != "" {
			return h
		}
	}
	return pointer
}

// submit offers a batch to the intake until its receipts are settled,
// backing off while the hub cannot answer; it fails only when ctx ends.
func (c *Connector) submit(ctx context.Context, b intake.Batch) (*intake.Result, error) {
	var backoff source.Backoff
	for {
		res, err := c.d.Intake.Submit(ctx, b)
		if err == nil && res.Settled() {
			c.hub.Ended()
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil {
			err = fmt.Errorf("%d receipts pending", res.Pending)
		}
		c.hub.Failed(err)
		if !backoff.Sleep(ctx) {
			return nil, ctx.Err()
		}
	}
}

// save writes the checkpoint atomically.
func (w *work) save() error {
	raw, _ := json.Marshal(w.cp)
	tmp := w.path("." + w.name + ".checkpoint.tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(raw)
	if err == nil {
		err = f.Sync()
	}
	if err := errors.Join(err, f.Close()); err != nil {
		return err
	}
	return os.Rename(tmp, w.path("."+w.name+".checkpoint"))
}

// finish chooses the file's place in dir, keeps it in the checkpoint and
// moves the file and its result there.
func (w *work) finish(dir string) error {
	to, err := w.c.free(dir, w.name)
	if err != nil {
		return err
	}
	w.cp.To = filepath.Join(dir, to)
	if err := w.save(); err != nil {
		return err
	}
	w.c.log.Info("file read", "file", w.name, "to", w.cp.To, "accepted", w.accepted, "rejected", w.rejected)
	return w.move()
}

// move moves a finished file and its result to where the checkpoint says,
// then forgets the checkpoint; done again after a stop, it completes.
func (w *work) move() error {
	to := filepath.Join(w.c.cfg.Inbox, w.cp.To)
	if err := rename(w.path("."+w.name+".result.csv"), ResultName(to)); err != nil {
		return err
	}
	if err := rename(w.path(w.name), to); err != nil {
		return err
	}
	if err := os.Remove(w.path("." + w.name + ".checkpoint")); err != nil {
		return err
	}
	w.c.d.Metrics.Succeeded(w.c.name, w.c.now())
	return nil
}

// rename renames from to to, unless from is gone already.
func rename(from, to string) error {
	err := os.Rename(from, to)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(from); errors.Is(serr, os.ErrNotExist) {
			return nil
		}
	}
	return err
}

// ResultName is the name of the result file of the file name: its name
// without its extension, then ".result.csv".
func ResultName(name string) string {
	return strings.TrimSuffix(name, filepath.Ext(name)) + ".result.csv"
}

// free returns a name in dir for name that neither it nor its result file
// overwrites: name itself, or name with the time, and a count if need be,
// before its extension.
func (c *Connector) free(dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	stamp := c.now().UTC().Format("20060102T150405Z")
	for i := 0; ; i++ {
		candidate := name
		switch {
		case i == 1:
			candidate = stem + "-" + stamp + ext
		case i > 1:
			candidate = fmt.Sprintf("%s-%s-%d%s", stem, stamp, i, ext)
		}
		taken := false
		for _, n := range []string{candidate, ResultName(candidate)} {
			_, err := os.Lstat(filepath.Join(c.cfg.Inbox, dir, n))
			if err == nil {
				taken = true
			} else if !errors.Is(err, os.ErrNotExist) {
				return "", err
			}
		}
		if !taken {
			return candidate, nil
		}
	}
}
