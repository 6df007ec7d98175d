package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/credex/credex/delivery"
)

// Classify reads the status and headers of an endpoint's answer, as the
// specification advises: only 2xx is success; 410 Gone disables the
// endpoint; everything else is retried, 3xx included (redirects are not
// followed: the agency is to register the new URL) and 4xx too. A
// Retry-After header, in seconds or as an HTTP date relative to now, is
// honoured on 429 Too Many Requests and 503 Service Unavailable. A failure
// without an answer (timeout, refused connection) is a Retry as well;
// callers need not call Classify for it.
func Classify(status int, header http.Header, now time.Time) delivery.Outcome {
	switch {
	case status >= 200 && status <= 299:
		return delivery.Outcome{Verdict: delivery.Delivered}
	case status == http.StatusGone:
		return delivery.Outcome{Verdict: delivery.Gone}
	case status == http.StatusTooManyRequests, status == http.StatusServiceUnavailable:
		return delivery.Outcome{Verdict: delivery.Retry, RetryAfter: retryAfter(header.Get("Retry-After"), now)}
	}
	return delivery.Outcome{Verdict: delivery.Retry}
}

// retryAfter reads a Retry-After value (RFC 9110 §10.2.3); zero when it is
// absent, malformed or in the past.
func retryAfter(v string, now time.Time) time.Duration {
	var d time.Duration
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		d = time.Duration(min(secs, uint64(delivery.MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), delivery.MaxRetryAfter)
}
