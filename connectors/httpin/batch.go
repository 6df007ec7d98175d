package httpin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/credex/credex/internal/apierr"
	"github.com/credex/credex/internal/jsonvalue"
)

// Whole-request errors of a submission.
var (
	errMalformed   = apierr.New(http.StatusBadRequest, "malformed_json", "the body is not valid JSON")
	errEmpty       = apierr.New(http.StatusBadRequest, "empty_batch", "the batch has no records")
	errTooMany     = apierr.New(http.StatusRequestEntityTooLarge, "too_many_records", "the batch has more records than allowed")
	errTooLarge    = apierr.New(http.StatusRequestEntityTooLarge, "body_too_large", "the body is larger than allowed")
	errMediaType   = apierr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json or application/x-ndjson")
	errShape       = apierr.New(http.StatusBadRequest, "invalid_body", "the body must be an object {\"records\": [...]}")
	errUnknownBody = apierr.New(http.StatusBadRequest, "unknown_field", "the body has a field other than records")
)

// readBatch reads the body as a JSON batch or NDJSON and returns the raw
// envelopes. A line of NDJSON that is not JSON is kept, to be rejected on its
// own, so one bad line loses only itself.
func readBatch(r *http.Request, cfg Config) ([]json.RawMessage, *apierr.Error) {
	mediaType, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	mediaType = strings.TrimSpace(strings.ToLower(mediaType))
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, cfg.maxBody()))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &apierr.Error{Status: errTooLarge.Status, Code: errTooLarge.Code,
				Message: fmt.Sprintf("the body is larger than %d bytes; split the batch", cfg.maxBody())}
		}
		return nil, apierr.New(http.StatusBadRequest, "unreadable_body", "the body could not be read: "+err.Error())
	}
	var raws []json.RawMessage
	switch mediaType {
	case "", "application/json":
		var e *apierr.Error
		if raws, e = splitJSON(body); e != nil {
			return nil, e
		}
	case "application/x-ndjson", "application/jsonl", "application/jsonlines":
		raws = splitLines(body)
	default:
		return nil, errMediaType
	}
	switch {
	case len(raws) == 0:
		return nil, errEmpty.At("/records")
	case len(raws) > cfg.maxRecords():
		return nil, &apierr.Error{Status: errTooMany.Status, Code: errTooMany.Code, Pointer: "/records",
			Message: fmt.Sprintf("the batch has %d records, at most %d are allowed; split it", len(raws), cfg.maxRecords())}
	}
	return raws, nil
}

func splitJSON(body []byte) ([]json.RawMessage, *apierr.Error) {
	if raws, ok := records(body); ok {
		return raws, nil
	}
	var top map[string]json.RawMessage
	err := json.Unmarshal(body, &top) // which checks the whole body first
	if syntax := new(json.SyntaxError); errors.As(err, &syntax) {
		return nil, malformed(body)
	}
	if err != nil || top == nil {
		return nil, errShape
	}
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if k != "records" {
			return nil, errUnknownBody.At("/" + pointerEscape(k))
		}
	}
	raw, ok := top["records"]
	if !ok {
		return nil, apierr.New(http.StatusBadRequest, "missing_field", "the body has no records array").At("/records")
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(raw, &raws); err != nil {
		return nil, apierr.New(http.StatusBadRequest, "wrong_type", "records must be an array of envelopes").At("/records")
	}
	return raws, nil
}

// records reads the envelopes of a well-formed batch, {"records": [...]},
// in one pass. It reports false for any other body, for splitJSON to say
// what is wrong with it.
func records(body []byte) ([]json.RawMessage, bool) {
	items, ok := jsonvalue.Items(body, "records")
	if !ok {
		return nil, false
	}
	raws := make([]json.RawMessage, len(items))
	for i, item := range items {
		raws[i] = item
	}
	return raws, true
}

// malformed says where the JSON broke.
func malformed(body []byte) *apierr.Error {
	var v any
	err := json.Unmarshal(body, &v)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return &apierr.Error{Status: errMalformed.Status, Code: errMalformed.Code,
			Message: fmt.Sprintf("the body is not valid JSON: %s at byte %d", syntax.Error(), syntax.Offset)}
	}
	return errMalformed
}

func splitLines(body []byte) []json.RawMessage {
	var raws []json.RawMessage
	for line := range bytes.Lines(body) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			raws = append(raws, json.RawMessage(line))
		}
	}
	return raws
}

// pointerEscape escapes a key for use in a JSON pointer (RFC 6901).
func pointerEscape(key string) string {
	return pointerEscaper.Replace(key)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
