package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credex/credex/connectors/webhook"
)

// The test vector published with the Standard Webhooks reference libraries.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustSecret(t testing.TB, s string) webhook.Secret {
	t.Helper()
	secret, err := webhook.ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func newSecret(t testing.TB) webhook.Secret {
	t.Helper()
	s, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return mustSecret(t, s)
}

func TestSignReproducesThePublishedVector(t *testing.T) {
	t.Parallel()
	got := webhook.Sign([]webhook.Secret{mustSecret(t, vectorSecret)}, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if got != vectorSignature {
		t.Errorf("Sign = %q, want %q", got, vectorSignature)
	}
}

func TestSignIsHMACOfIDTimestampAndBody(t *testing.T) {
	t.Parallel()
	key := newSecret(t)
	ts := time.Date(2026, 3, 1, 8, 0, 0, 999_000_000, time.UTC) // fractions of a second are not signed
	body := []byte(`{"id":"evt_1","type":"penalty.general"}`)

	m := hmac.New(sha256.New, key)
	m.Write([]byte("evt_1." + strconv.FormatInt(ts.Unix(), 10) + "."))
	m.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))

	if got := webhook.Sign([]webhook.Secret{key}, "evt_1", ts, body); got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestSignWithEverySecretDuringRotation(t *testing.T) {
	t.Parallel()
	old, current := newSecret(t), newSecret(t)
	now := time.Unix(vectorTimestamp, 0)
	body := []byte(`{}`)

	h := webhook.Headers([]webhook.Secret{current, old}, "evt_1", now, body)
	sigs := strings.Split(h.Get(webhook.HeaderSignature), " ")
	if len(sigs) != 2 || sigs[0] != webhook.Sign([]webhook.Secret{current}, "evt_1", now, body) {
		t.Fatalf("signature header %q, want the current secret's signature then the old one's", h.Get(webhook.HeaderSignature))
	}
	for name, s := range map[string]webhook.Secret{"old": old, "current": current} {
		if err := webhook.Verify(s, h, body, now, 0); err != nil {
			t.Errorf("a receiver with the %s secret: %v", name, err)
		}
	}
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	key := mustSecret(t, vectorSecret)
	h := webhook.Headers([]webhook.Secret{key}, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	want := map[string]string{
		"webhook-id":        vectorID,
		"webhook-timestamp": "1614265330",
		"webhook-signature": vectorSignature,
		"content-type":      "application/json",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("headers %v, want exactly %v", h, want)
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := webhook.NewSecret()
	if !strings.HasPrefix(a, "whsec_") {
		t.Errorf("NewSecret = %q, want the whsec_ prefix", a)
	}
	if a == b {
		t.Error("two new secrets are equal")
	}
	if s := mustSecret(t, a); len(s) != 32 {
		t.Errorf("new secret has %d bytes, want 32", len(s))
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, tc := range []struct {
		name, in string
		bytes    int // 0: refused
	}{
		{"published vector", vectorSecret, 24},
		{"without prefix", strings.TrimPrefix(vectorSecret, "whsec_"), 24},
		{"shortest", "whsec_" + b64(24), 24},
		{"longest", "whsec_" + b64(64), 64},
		{"too short", "whsec_" + b64(23), 0},
		{"too long", "whsec_" + b64(65), 0},
		{"empty", "", 0},
		{"prefix only", "whsec_", 0},
		{"not base64", "whsec_not*base64*at*all*but*long*enough", 0},
		{"url alphabet", "whsec_" + strings.Repeat("-_", 16), 0},
		{"missing padding", "whsec_" + strings.TrimRight(b64(32), "="), 0},
		{"other prefix", "whsk_" + b64(32), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := webhook.ParseSecret(tc.in)
			switch {
			case tc.bytes == 0 && !errors.Is(err, webhook.ErrInvalidSecret):
				t.Errorf("ParseSecret(%q) = %v, want ErrInvalidSecret", tc.in, err)
			case tc.bytes != 0 && (err != nil || len(s) != tc.bytes):
				t.Errorf("ParseSecret(%q) = %d bytes, %v; want %d bytes", tc.in, len(s), err, tc.bytes)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	key := mustSecret(t, vectorSecret)
	sent := time.Unix(vectorTimestamp, 0)
	body := []byte(vectorBody)
	headers := func(edit func(http.Header)) http.Header {
		h := webhook.Headers([]webhook.Secret{key}, vectorID, sent, body)
		if edit != nil {
			edit(h)
		}
		return h
	}
	set := func(k, v string) func(http.Header) { return func(h http.Header) { h.Set(k, v) } }

	for _, tc := range []struct {
		name      string
		secret    webhook.Secret
		header    http.Header
		body      string
		now       time.Time
		tolerance time.Duration
		want      error // nil: verified
	}{
		{name: "as sent", header: headers(nil)},
		{name: "received 5 minutes later", header: headers(nil), now: sent.Add(5 * time.Minute)},
		{name: "clock 5 minutes behind", header: headers(nil), now: sent.Add(-5 * time.Minute)},
		{name: "one matching signature among others", header: headers(set("webhook-signature", "v1,bm9wZQ== v1a,AAAA "+vectorSignature+" v2,x"))},
		{name: "signatures in several header lines", header: headers(func(h http.Header) { h["Webhook-Signature"] = []string{"v1,bm9wZQ==", vectorSignature} })},
		{name: "wider tolerance", header: headers(nil), now: sent.Add(time.Hour), tolerance: 2 * time.Hour},

		{name: "received 5 minutes and 1 second later", header: headers(nil), now: sent.Add(5*time.Minute + time.Second), want: webhook.ErrTimestamp},
		{name: "from the future", header: headers(nil), now: sent.Add(-6 * time.Minute), want: webhook.ErrTimestamp},
		{name: "replayed the next day", header: headers(nil), now: sent.Add(24 * time.Hour), want: webhook.ErrTimestamp},
		{name: "tampered body", header: headers(nil), body: `{"test": 2432232315}`, want: webhook.ErrNoMatch},
		{name: "wrong secret", secret: newSecret(t), header: headers(nil), want: webhook.ErrNoMatch},
		{name: "other id", header: headers(set("webhook-id", "msg_other")), want: webhook.ErrNoMatch},
		{name: "other timestamp", header: headers(set("webhook-timestamp", "1614265331")), want: webhook.ErrNoMatch},
		{name: "timestamp with leading zero", header: headers(set("webhook-timestamp", "01614265330")), want: webhook.ErrNoMatch},
		{name: "asymmetric signature only", header: headers(set("webhook-signature", "v1a,"+strings.TrimPrefix(vectorSignature, "v1,"))), want: webhook.ErrNoMatch},
		{name: "signature without scheme", header: headers(set("webhook-signature", strings.TrimPrefix(vectorSignature, "v1,"))), want: webhook.ErrNoMatch},
		{name: "signature not base64", header: headers(set("webhook-signature", "v1,!!!")), want: webhook.ErrNoMatch},
		{name: "truncated signature", header: headers(set("webhook-signature", vectorSignature[:20])), want: webhook.ErrNoMatch},
		{name: "no id", header: headers(func(h http.Header) { h.Del("webhook-id") }), want: webhook.ErrMissingHeaders},
		{name: "no timestamp", header: headers(func(h http.Header) { h.Del("webhook-timestamp") }), want: webhook.ErrMissingHeaders},
		{name: "no signature", header: headers(func(h http.Header) { h.Del("webhook-signature") }), want: webhook.ErrMissingHeaders},
		{name: "empty id", header: headers(set("webhook-id", "")), want: webhook.ErrMissingHeaders},
		{name: "no headers at all", header: http.Header{}, want: webhook.ErrMissingHeaders},
		{name: "timestamp in milliseconds", header: headers(set("webhook-timestamp", "1614265330000")), want: webhook.ErrTimestamp},
		{name: "timestamp as a date", header: headers(set("webhook-timestamp", sent.Format(time.RFC3339))), want: webhook.ErrMalformedHeaders},
		{name: "timestamp beyond int64", header: headers(set("webhook-timestamp", "99999999999999999999")), want: webhook.ErrMalformedHeaders},
		{name: "id with a full stop", header: headers(set("webhook-id", "msg.1")), want: webhook.ErrMalformedHeaders},
		{name: "empty secret", secret: webhook.Secret{}, header: headers(nil), want: webhook.ErrInvalidSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secret, b, now := key, body, sent
			if tc.secret != nil {
				secret = tc.secret
			}
			if tc.body != "" {
				b = []byte(tc.body)
			}
			if !tc.now.IsZero() {
				now = tc.now
			}
			err := webhook.Verify(secret, tc.header, b, now, tc.tolerance)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzVerify: Verify never panics, whatever it receives, and accepts every
// request signed by Sign whose id is a valid one.
func FuzzVerify(f *testing.F) {
	f.Add(vectorID, "1614265330", vectorSignature, []byte(vectorBody), int64(vectorTimestamp))
	f.Add("msg_1", "-1", "v1,", []byte{}, int64(0))
	f.Add("", "", "", []byte(nil), int64(-1))
	f.Add("a.b", "+1614265330", "v1a,AAAA v1,=== ,,,", []byte("\x00\xff"), int64(1<<62))
	f.Add("evt_😀", "9223372036854775807", "v1,"+strings.Repeat("A", 1000), []byte(`{"data":{}}`), int64(-1<<62))
	f.Add("id\n", " 1 ", "\tv1,bm9wZQ==\t", []byte(" "), int64(1))

	key := mustSecret(f, vectorSecret)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, unix int64) {
		now := time.Unix(unix, 0)
		h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {sig}}
		_ = webhook.Verify(key, h, body, now, 0)

		if id == "" || strings.Contains(id, ".") {
			return
		}
		signed := webhook.Headers([]webhook.Secret{key}, id, now, body)
		if err := webhook.Verify(key, signed, body, now, 0); err != nil {
			t.Fatalf("Verify(Headers(%q, %d, %q)) = %v", id, unix, body, err)
		}
	})
}
