package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// errRefused means the hub refused some record type versions.
var errRefused = errors.New("some record types were refused")

func catalogPublish(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("catalog publish", "catalog publish [flags] [TYPE...]\n\nPublishes the record types of the catalogue directory (all, or those named)\nto a running hub. A type whose version is published already with the same\ncontent is left as it is; an incompatible version is refused with its breaking\nchanges. A version that widens its type's policy (disclosure, sharing, display\nperiods) waits for an operator's approval, and its policy changes are printed;\nit is not refused. Exits 1 when any type was refused.")
	dir := fs.String("dir", "schemas", "catalogue `dir`")
	url := fs.String("url", "http://127.0.0.1:8080", "hub `url` (CREDEX_URL)")
	key := fs.String("key", "", "a catalogue maintainer's API `key` (CREDEX_KEY)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cat, err := loadCatalog(*dir)
	if err != nil {
		return err
	}
	codes := fs.Args()
	if len(codes) == 0 {
		for _, t := range cat.Types() {
			codes = append(codes, t.Code)
		}
	}
	client := &http.Client{Timeout: time.Minute}
	refused := 0
	for _, code := range codes {
		t, ok := cat.Type(code)
		if !ok {
			return fmt.Errorf("%s has no record type %q", *dir, code)
		}
		doc, err := json.Marshal(t)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			strings.TrimRight(*url, "/")+"/v1/catalog/types/"+code+"/versions", bytes.NewReader(doc))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+*key)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		var answer struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			Version   int    `json:"version"`
			Status    string `json:"status"`
			Unchanged bool   `json:"unchanged"`
			Changes   []struct {
				Pointer, Kind, Reason string
			} `json:"changes"`
			Policy []struct {
				Pointer, Kind, Reason string
				Widens                bool
			} `json:"policy_changes"`
		}
		err = json.NewDecoder(res.Body).Decode(&answer)
		res.Body.Close()
		if err != nil {
			return fmt.Errorf("%s: hub answered %s with an unreadable body: %w", code, res.Status, err)
		}
		switch res.StatusCode {
		case http.StatusOK:
			if answer.Status == "pending_approval" {
				fmt.Fprintf(out, "%s: version %d waits for an operator's approval already\n", code, answer.Version)
			} else {
				fmt.Fprintf(out, "%s: version %d is published already\n", code, answer.Version)
			}
		case http.StatusCreated:
			fmt.Fprintf(out, "%s: published version %d (changes: %d, policy changes: %d)\n", code, answer.Version,
				len(answer.Changes), len(answer.Policy))
		case http.StatusAccepted:
			fmt.Fprintf(out, "%s: version %d waits for an operator's approval: %s\n", code, answer.Version, answer.Message)
			for _, c := range answer.Policy {
				mark := ""
				if c.Widens {
					mark = " (widens)"
				}
				fmt.Fprintf(out, "  policy: %s: %s: %s%s\n", c.Pointer, c.Kind, c.Reason, mark)
			}
		case http.StatusConflict:
			refused++
			fmt.Fprintf(out, "%s: refused: %s: %s\n", code, answer.Code, answer.Message)
			for _, c := range answer.Changes {
				fmt.Fprintf(out, "  %s: %s: %s\n", c.Pointer, c.Kind, c.Reason)
			}
		default:
			return fmt.Errorf("%s: hub answered %s: %s: %s", code, res.Status, answer.Code, answer.Message)
		}
	}
	if refused > 0 {
		return errRefused
	}
	return nil
}
