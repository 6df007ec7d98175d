package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Standard Webhooks header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a webhook-timestamp may be from the receiver's
// clock, in either direction, when [Verify] is given no tolerance: the five
// minutes every Standard Webhooks library uses.
const DefaultTolerance = 5 * time.Minute

// Secret sizes allowed by the specification: 192 to 512 bits.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
)

const (
	secretPrefix = "whsec_"
	newSecretLen = 32 // bytes, the size of an HMAC-SHA256 output
	version      = "v1"
)

// Errors returned by [ParseSecret] and [Verify], wrapped with detail.
var (
	ErrInvalidSecret = errors.New("invalid webhook secret")
	// ErrMissingHeaders: webhook-id, webhook-timestamp or webhook-signature is absent or empty.
	ErrMissingHeaders = errors.New("missing webhook headers")
	// ErrMalformedHeaders: the timestamp is not an integer or the id contains a full stop.
	ErrMalformedHeaders = errors.New("malformed webhook headers")
	// ErrTimestamp: the timestamp is further from now than the tolerance (a replay, or a skewed clock).
	ErrTimestamp = errors.New("webhook timestamp outside tolerance")
	// ErrNoMatch: no "v1," signature in webhook-signature matches the secret.
	ErrNoMatch = errors.New("no matching webhook signature")
)

// Secret is the HMAC-SHA256 key of one endpoint. It is shown to the agency
// once, serialised as "whsec_" followed by its standard base64 encoding.
type Secret []byte

// NewSecret returns a fresh random secret of 32 bytes in its serialised
// form, "whsec_" + base64. The error comes from the system's random source.
func NewSecret() (string, error) {
	b := make([]byte, newSecretLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new webhook secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// ParseSecret reads a serialised secret, with or without its "whsec_"
// prefix. It refuses anything that is not standard base64 (with padding) or
// that decodes to fewer than [MinSecretBytes] or more than [MaxSecretBytes].
func ParseSecret(s string) (Secret, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(s, secretPrefix))
	if err != nil {
		return nil, fmt.Errorf("%w: not base64: %w", ErrInvalidSecret, err)
	}
	if len(b) < MinSecretBytes || len(b) > MaxSecretBytes {
		return nil, fmt.Errorf("%w: %d bytes, want %d to %d", ErrInvalidSecret, len(b), MinSecretBytes, MaxSecretBytes)
	}
	return Secret(b), nil
}

// Sign returns the value of the webhook-signature header for one attempt:
// "v1,<base64 HMAC-SHA256>" of id + "." + Unix seconds of ts + "." + body,
// once per secret, separated by spaces and in the order given. During a
// secret rotation pass the new and the old secret; a receiver accepts the
// request when any one of them matches.
//
// id must be non-empty and free of full stops, as the specification
// requires; [Verify] refuses any other. body is signed byte for byte and
// must be sent unchanged.
func Sign(secrets []Secret, id string, ts time.Time, body []byte) string {
	content := signedContent(id, strconv.FormatInt(ts.Unix(), 10), body)
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sigs[i] = version + "," + base64.StdEncoding.EncodeToString(mac(s, content))
	}
	return strings.Join(sigs, " ")
}

// Headers returns the headers of one delivery attempt: webhook-id,
// webhook-timestamp (ts in Unix seconds), webhook-signature as made by
// [Sign], and Content-Type application/json. The timestamp is that of the
// attempt, so a redelivery is signed afresh.
func Headers(secrets []Secret, id string, ts time.Time, body []byte) http.Header {
	h := make(http.Header, 4)
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, Sign(secrets, id, ts, body))
	h.Set("Content-Type", "application/json")
	return h
}

// Verify checks a received webhook as a receiver should: the three headers
// are present, the id holds no full stop, the timestamp is an integer within
// tolerance of now (in either direction; zero means [DefaultTolerance]), and
// at least one "v1," signature in webhook-signature equals the HMAC of the
// raw body under secret, compared in constant time. Signatures of other
// schemes (such as "v1a,") are skipped. body must be the bytes received,
// before any JSON decoding.
//
// The error wraps one of the Err* values of this package.
func Verify(secret Secret, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: empty", ErrInvalidSecret)
	}
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Values(HeaderSignature)
	if id == "" || ts == "" || len(sigs) == 0 {
		return ErrMissingHeaders
	}
	if strings.Contains(id, ".") {
		return fmt.Errorf("%w: %s contains a full stop", ErrMalformedHeaders, HeaderID)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not Unix seconds: %w", ErrMalformedHeaders, HeaderTimestamp, err)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s is %s away from now", ErrTimestamp, HeaderTimestamp, d.Round(time.Second))
	}
	want := mac(secret, signedContent(id, ts, body))
	for _, v := range sigs {
		for _, sig := range strings.Fields(v) {
			scheme, b64, ok := strings.Cut(sig, ",")
			if !ok || scheme != version {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err == nil && hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return ErrNoMatch
}

func signedContent(id, ts string, body []byte) []byte {
	b := make([]byte, 0, len(id)+len(ts)+len(body)+2)
	b = append(b, id...)
	b = append(b, '.')
	b = append(b, ts...)
	b = append(b, '.')
	return append(b, body...)
}

func mac(key Secret, content []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(content)
	return m.Sum(nil)
}
