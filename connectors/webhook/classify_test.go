package webhook_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/credex/credex/connectors/webhook"
	"github.com/credex/credex/delivery"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		want   delivery.Outcome
	}{
		{"200 OK", 200, nil, delivery.Outcome{Verdict: delivery.Delivered}},
		{"202 Accepted", 202, nil, delivery.Outcome{Verdict: delivery.Delivered}},
		{"204 No Content", 204, nil, delivery.Outcome{Verdict: delivery.Delivered}},
		{"299", 299, nil, delivery.Outcome{Verdict: delivery.Delivered}},
		{"410 Gone", 410, nil, delivery.Outcome{Verdict: delivery.Gone}},
		{"410 Gone ignores Retry-After", 410, retryAfter("60"), delivery.Outcome{Verdict: delivery.Gone}},

		{"100 Continue", 100, nil, delivery.Outcome{}},
		{"301 redirect is not followed", 301, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"308 redirect is not followed", 308, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"300", 300, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"400 Bad Request", 400, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"401 Unauthorized", 401, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"404 Not Found", 404, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"500", 500, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"502", 502, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"no answer", 0, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"nonsense status", 999, nil, delivery.Outcome{Verdict: delivery.Retry}},

		{"429 without Retry-After", 429, nil, delivery.Outcome{Verdict: delivery.Retry}},
		{"429 after 120 seconds", 429, retryAfter("120"), delivery.Outcome{Verdict: delivery.Retry, RetryAfter: 2 * time.Minute}},
		{"503 after 0 seconds", 503, retryAfter("0"), delivery.Outcome{Verdict: delivery.Retry}},
		{"503 at an HTTP date", 503, retryAfter("Mon, 04 May 2026 10:30:00 GMT"), delivery.Outcome{Verdict: delivery.Retry, RetryAfter: 30 * time.Minute}},
		{"503 at an RFC 850 date", 503, retryAfter("Monday, 04-May-26 11:00:00 GMT"), delivery.Outcome{Verdict: delivery.Retry, RetryAfter: time.Hour}},
		{"503 at a past date", 503, retryAfter("Mon, 04 May 2026 09:00:00 GMT"), delivery.Outcome{Verdict: delivery.Retry}},
		{"429 capped at a day", 429, retryAfter("31536000"), delivery.Outcome{Verdict: delivery.Retry, RetryAfter: delivery.MaxRetryAfter}},
		{"429 far beyond any duration", 429, retryAfter("99999999999999999999"), delivery.Outcome{Verdict: delivery.Retry, RetryAfter: delivery.MaxRetryAfter}},
		{"429 with uint64 seconds", 429, retryAfter("18446744073709551615"), delivery.Outcome{Verdict: delivery.Retry, RetryAfter: delivery.MaxRetryAfter}},
		{"503 date next year, capped", 503, retryAfter("Tue, 04 May 2027 10:00:00 GMT"), delivery.Outcome{Verdict: delivery.Retry, RetryAfter: delivery.MaxRetryAfter}},
		{"429 negative seconds", 429, retryAfter("-5"), delivery.Outcome{Verdict: delivery.Retry}},
		{"429 fractional seconds", 429, retryAfter("1.5"), delivery.Outcome{Verdict: delivery.Retry}},
		{"429 garbage", 429, retryAfter("soon"), delivery.Outcome{Verdict: delivery.Retry}},
		{"500 Retry-After is not honoured", 500, retryAfter("120"), delivery.Outcome{Verdict: delivery.Retry}},
		{"302 Retry-After is not honoured", 302, retryAfter("120"), delivery.Outcome{Verdict: delivery.Retry}},
	} {
		if got := webhook.Classify(tc.status, tc.header, now); got != tc.want {
			t.Errorf("%s: Classify(%d, %v) = %+v, want %+v", tc.name, tc.status, tc.header, got, tc.want)
		}
	}
}
