package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/credex/credex/connectors/httpin"
)

// errRejected means the hub rejected some records.
var errRejected = errors.New("some records were rejected")

func publish(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("publish", "publish [flags] FILE|-\n\nSends the envelopes in FILE (NDJSON, one envelope a line, or a JSON document\n{\"records\": [...]}) to the hub and prints a receipt line for each rejected\nrecord. Exits 1 when any record was rejected.")
	url := fs.String("url", "http://127.0.0.1:8080", "hub `url` (CREDEX_URL)")
	key := fs.String("key", "", "the department's API `key` (CREDEX_KEY)")
	batch := fs.Int("batch", 500, "records per submission")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *batch < 1 {
		fs.Usage()
		return errUsage
	}
	raw, err := readInput(fs.Arg(0))
	if err != nil {
		return err
	}
	envelopes, err := splitEnvelopes(raw)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	var accepted, rejected int
	for start := 0; start < len(envelopes); start += *batch {
		chunk := envelopes[start:min(start+*batch, len(envelopes))]
		resp, err := submit(ctx, client, *url, *key, chunk)
		if err != nil {
			return fmt.Errorf("records %d-%d: %w", start+1, start+len(chunk), err)
		}
		if resp.Pending > 0 {
			if resp, err = settle(ctx, client, *url, *key, chunk, resp); err != nil {
				return fmt.Errorf("records %d-%d: %w", start+1, start+len(chunk), err)
			}
		}
		accepted += resp.Accepted
		rejected += resp.Rejected
		for _, rc := range resp.Receipts {
			if rc.Status == "rejected" {
				for _, e := range rc.Errors {
					// The hub points into this chunk; point into the whole input.
					pointer := e.Pointer
					if rest, ok := strings.CutPrefix(pointer, fmt.Sprintf("/records/%d", rc.Index)); ok && (rest == "" || rest[0] == '/') {
						pointer = fmt.Sprintf("/records/%d%s", start+rc.Index, rest)
					}
					fmt.Fprintf(out, "record %d: rejected: %s at %s: %s\n", start+rc.Index+1, e.Code, pointer, e.Message)
				}
			}
		}
	}
	fmt.Fprintf(out, "%d accepted, %d rejected\n", accepted, rejected)
	if rejected > 0 {
		return errRejected
	}
	return nil
}

func readInput(name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

// splitEnvelopes accepts a JSON document {"records": [...]} or NDJSON.
func splitEnvelopes(raw []byte) ([]json.RawMessage, error) {
	var doc struct {
		Records []json.RawMessage `json:"records"`
	}
	if trimmed := bytes.TrimSpace(raw); json.Valid(trimmed) && len(trimmed) > 0 && trimmed[0] == '{' {
		if err := json.Unmarshal(trimmed, &doc); err == nil && doc.Records != nil {
			if len(doc.Records) == 0 {
				return nil, errors.New("the input holds no records")
			}
			return doc.Records, nil
		}
	}
	var envelopes []json.RawMessage
	for line := range bytes.Lines(raw) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			envelopes = append(envelopes, json.RawMessage(line))
		}
	}
	if len(envelopes) == 0 {
		return nil, errors.New("the input holds no records")
	}
	return envelopes, nil
}

func submit(ctx context.Context, client *http.Client, url, key string, envelopes []json.RawMessage) (*httpin.Response, error) {
	var body bytes.Buffer
	for _, e := range envelopes {
		body.Write(e)
		body.WriteByte('\n')
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(url, "/")+"/v1/submissions", &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var resp httpin.Response
	if err := json.NewDecoder(res.Body).Decode(&resp); err != nil {
		return nil, fmt.Errorf("hub answered %s with an unreadable body: %w", res.Status, err)
	}
	switch res.StatusCode {
	case http.StatusOK, http.StatusAccepted, http.StatusUnprocessableEntity:
	default:
		return nil, fmt.Errorf("hub answered %s: %s: %s", res.Status, resp.Code, resp.Message)
	}
	return &resp, nil
}

// settle sends the pending records of chunk again, a few times over half a
// minute, until Kafka has them: the hub stored them, so they come back
// accepted with the same versions. It returns resp with their receipts, or
// an error when some are still pending.
func settle(ctx context.Context, client *http.Client, url, key string, chunk []json.RawMessage, resp *httpin.Response) (*httpin.Response, error) {
	for wait := time.Second; resp.Pending > 0; wait *= 2 {
		if wait > 16*time.Second {
			return nil, fmt.Errorf("%d records are stored by the hub but not yet in Kafka; run the same command again later", resp.Pending)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		var pending []json.RawMessage
		var at []int
		for i, rc := range resp.Receipts {
			if rc.Status == "pending" {
				pending, at = append(pending, chunk[i]), append(at, i)
			}
		}
		again, err := submit(ctx, client, url, key, pending)
		if err != nil {
			return nil, err
		}
		for j, rc := range again.Receipts {
			rc.Index = at[j]
			resp.Receipts[at[j]] = rc
		}
		resp.Accepted += again.Accepted
		resp.Pending = again.Pending
	}
	return resp, nil
}
