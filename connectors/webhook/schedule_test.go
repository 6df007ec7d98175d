package webhook_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/credex/credex/connectors/webhook"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want webhook.Schedule // nil: refused
	}{
		{"5s,30s,2m,10m,30m,1h,2h,4h,8h", webhook.DefaultSchedule},
		{"1m", webhook.Schedule{time.Minute}},
		{" 1s , 1h30m ", webhook.Schedule{time.Second, 90 * time.Minute}},
		{"500ms,1s,1s", webhook.Schedule{500 * time.Millisecond, time.Second, time.Second}},
		{"", nil},
		{"  ", nil},
		{"5s,,30s", nil},
		{"5s,", nil},
		{"5", nil},
		{"5s;30s", nil},
		{"0s", nil},
		{"-5s", nil},
		{"1d", nil},
	} {
		got, err := webhook.ParseSchedule(tc.in)
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("ParseSchedule(%q) = %v, want an error", tc.in, got)
		case tc.want != nil && (err != nil || got.String() != tc.want.String()):
			t.Errorf("ParseSchedule(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestScheduleStringIsParsedBack(t *testing.T) {
	t.Parallel()
	got, err := webhook.ParseSchedule(webhook.DefaultSchedule.String())
	if err != nil || got.String() != webhook.DefaultSchedule.String() {
		t.Errorf("ParseSchedule(%q) = %v, %v", webhook.DefaultSchedule, got, err)
	}
	if webhook.DefaultSchedule.String() != "5s,30s,2m0s,10m0s,30m0s,1h0m0s,2h0m0s,4h0m0s,8h0m0s" {
		t.Errorf("DefaultSchedule = %s", webhook.DefaultSchedule)
	}
}

func TestScheduleNext(t *testing.T) {
	t.Parallel()
	s := webhook.Schedule{10 * time.Second, time.Hour}
	for _, tc := range []struct {
		name     string
		attempts int
		r        float64
		want     time.Duration
		ok       bool
	}{
		{"first attempt is immediate", 0, 0.9, 0, true},
		{"after one failure, nominal", 1, 0.5, 10 * time.Second, true},
		{"after one failure, shortest", 1, 0, 8 * time.Second, true},
		{"after one failure, near longest", 1, 0.999, 11996 * time.Millisecond, true},
		{"after two failures", 2, 0.5, time.Hour, true},
		{"after two failures, shortest", 2, 0, 48 * time.Minute, true},
		{"after two failures, longest", 2, 1, 72 * time.Minute, true},
		{"r below range is clamped", 2, -3, 48 * time.Minute, true},
		{"r above range is clamped", 2, 7, 72 * time.Minute, true},
		{"exhausted", 3, 0.5, 0, false},
		{"long exhausted", 100, 0.5, 0, false},
	} {
		got, ok := s.Next(tc.attempts, tc.r)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Next(%d, %v) = %s, %t; want %s, %t", tc.name, tc.attempts, tc.r, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDefaultScheduleSpansHours(t *testing.T) {
	t.Parallel()
	var total time.Duration
	attempts := 1
	for {
		d, ok := webhook.DefaultSchedule.Next(attempts, 0)
		if !ok {
			break
		}
		total += d
		attempts++
	}
	if attempts != 10 || total < 12*time.Hour {
		t.Errorf("default schedule: %d attempts over at least %s, want 10 attempts over at least 12h", attempts, total)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	retryAfter := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		want   webhook.Outcome
	}{
		{"200 OK", 200, nil, webhook.Outcome{Verdict: webhook.Delivered}},
		{"202 Accepted", 202, nil, webhook.Outcome{Verdict: webhook.Delivered}},
		{"204 No Content", 204, nil, webhook.Outcome{Verdict: webhook.Delivered}},
		{"299", 299, nil, webhook.Outcome{Verdict: webhook.Delivered}},
		{"410 Gone", 410, nil, webhook.Outcome{Verdict: webhook.Gone}},
		{"410 Gone ignores Retry-After", 410, retryAfter("60"), webhook.Outcome{Verdict: webhook.Gone}},

		{"100 Continue", 100, nil, webhook.Outcome{}},
		{"301 redirect is not followed", 301, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"308 redirect is not followed", 308, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"300", 300, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"400 Bad Request", 400, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"401 Unauthorized", 401, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"404 Not Found", 404, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"500", 500, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"502", 502, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"no answer", 0, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"nonsense status", 999, nil, webhook.Outcome{Verdict: webhook.Retry}},

		{"429 without Retry-After", 429, nil, webhook.Outcome{Verdict: webhook.Retry}},
		{"429 after 120 seconds", 429, retryAfter("120"), webhook.Outcome{Verdict: webhook.Retry, RetryAfter: 2 * time.Minute}},
		{"503 after 0 seconds", 503, retryAfter("0"), webhook.Outcome{Verdict: webhook.Retry}},
		{"503 at an HTTP date", 503, retryAfter("Mon, 04 May 2026 10:30:00 GMT"), webhook.Outcome{Verdict: webhook.Retry, RetryAfter: 30 * time.Minute}},
		{"503 at an RFC 850 date", 503, retryAfter("Monday, 04-May-26 11:00:00 GMT"), webhook.Outcome{Verdict: webhook.Retry, RetryAfter: time.Hour}},
		{"503 at a past date", 503, retryAfter("Mon, 04 May 2026 09:00:00 GMT"), webhook.Outcome{Verdict: webhook.Retry}},
		{"429 capped at a day", 429, retryAfter("31536000"), webhook.Outcome{Verdict: webhook.Retry, RetryAfter: webhook.MaxRetryAfter}},
		{"429 far beyond any duration", 429, retryAfter("99999999999999999999"), webhook.Outcome{Verdict: webhook.Retry, RetryAfter: webhook.MaxRetryAfter}},
		{"429 with uint64 seconds", 429, retryAfter("18446744073709551615"), webhook.Outcome{Verdict: webhook.Retry, RetryAfter: webhook.MaxRetryAfter}},
		{"503 date next year, capped", 503, retryAfter("Tue, 04 May 2027 10:00:00 GMT"), webhook.Outcome{Verdict: webhook.Retry, RetryAfter: webhook.MaxRetryAfter}},
		{"429 negative seconds", 429, retryAfter("-5"), webhook.Outcome{Verdict: webhook.Retry}},
		{"429 fractional seconds", 429, retryAfter("1.5"), webhook.Outcome{Verdict: webhook.Retry}},
		{"429 garbage", 429, retryAfter("soon"), webhook.Outcome{Verdict: webhook.Retry}},
		{"500 Retry-After is not honoured", 500, retryAfter("120"), webhook.Outcome{Verdict: webhook.Retry}},
		{"302 Retry-After is not honoured", 302, retryAfter("120"), webhook.Outcome{Verdict: webhook.Retry}},
	} {
		if got := webhook.Classify(tc.status, tc.header, now); got != tc.want {
			t.Errorf("%s: Classify(%d, %v) = %+v, want %+v", tc.name, tc.status, tc.header, got, tc.want)
		}
	}
}

func TestVerdictString(t *testing.T) {
	t.Parallel()
	for v, want := range map[webhook.Verdict]string{
		webhook.Retry: "retry", webhook.Delivered: "delivered", webhook.Gone: "gone", 7: "Verdict(7)",
	} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", int(v), got, want)
		}
	}
}
