package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credex/credex/audit"
	"github.com/credex/credex/internal/devoidc"
	"github.com/credex/credex/internal/testkit/kafkatest"
	"github.com/credex/credex/internal/testkit/oidctest"
	"github.com/credex/credex/internal/testkit/pgtest"
	"github.com/credex/credex/internal/testkit/testlog"
	"github.com/credex/credex/internal/testkit/wait"
)

// start runs a long-running command in the background and returns the hub's
// address, read from its output by pattern. The command must return nil when
// the test ends.
func start(t *testing.T, cmd func(context.Context, []string, io.Writer) error, args []string, pattern string) string {
	t.Helper()
	return startLogged(t, cmd, args, pattern, io.Discard)
}

// startLogged is start, copying the command's output to w too.
func startLogged(t *testing.T, cmd func(context.Context, []string, io.Writer) error, args []string, pattern string, w io.Writer) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- cmd(ctx, args, io.MultiWriter(pw, testlog.Writer(t), w))
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("command returned %v after cancellation, want nil", err)
		}
	})
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(pattern)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case addr := <-found:
		return addr
	case err := <-done:
		done <- nil // for the cleanup, which waits for the command
		t.Fatalf("command stopped before listening: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("command did not listen within 60s")
	}
	return ""
}

// submitDemo publishes the demo records as the market regulator and checks
// the totals.
func submitDemo(t *testing.T, addr, key string) {
	t.Helper()
	var out strings.Builder
	err := publish(context.Background(), []string{"--url", "http://" + addr, "--key", key, "../../../../deploy/dev/demo.ndjson"}, &out)
	if err != errRejected || !strings.Contains(out.String(), "3 accepted, 1 rejected") {
		t.Fatalf("publish demo = %v, output %q; want 3 accepted, 1 rejected", err, out.String())
	}
}

func ready(t *testing.T, addr string) {
	t.Helper()
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]string
	json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 200 || body["status"] != "ready" {
		t.Fatalf("readyz = %d %v, want 200 ready", res.StatusCode, body)
	}
}

func TestServeRunsTheHub(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "principals.yaml")
	if err := os.WriteFile(seed, []byte(`principals:
  - kind: department
    name: market
    key_sha256: 3c6b28a677bf22e7da2b227579afef4c630acc6d4cfaf9e041d914129f55960c # of serve-test-market-key
    code: 134403056544822217
    types: [administrative_licence, administrative_penalty]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CREDEX_SUBJECT_KEY", "serve-test-subject-key-0123")
	t.Setenv("CREDEX_AUTHORISATION_KEY", "serve-test-authorisation-key-0123")
	issuer := oidctest.Issuer(t)
	t.Setenv("CREDEX_OIDC_ISSUER", issuer.URL())
	t.Setenv("CREDEX_OIDC_CLIENT_ID", devoidc.ClientID)
	profiles, metrics := freeAddr(t), freeAddr(t)
	addr := start(t, serve, []string{
		"--addr", "127.0.0.1:0", "--database-url", pgtest.URL(t),
		"--kafka-brokers", strings.Join(kafkatest.Brokers(t), ","), "--topic-prefix", kafkatest.Prefix(t),
		"--partitions", "2", "--principals", seed, "--profile-addr", profiles, "--metrics-addr", metrics,
	}, `"addr":"([^"]+)"`)
	ready(t, addr)
	submitDemo(t, addr, "serve-test-market-key")

	// Profiles on the operator's address, and only there.
	for at, want := range map[string]int{profiles: http.StatusOK, addr: http.StatusNotFound} {
		res, err := http.Get("http://" + at + "/debug/pprof/goroutine?debug=1")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s/debug/pprof/goroutine = %d, want %d", at, res.StatusCode, want)
		}
	}

	// Metrics on their own address, and only there.
	for at, want := range map[string]int{metrics: http.StatusOK, addr: http.StatusNotFound} {
		res, err := http.Get("http://" + at + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want || strings.Contains(string(body), "credex_submissions_total") != (want == http.StatusOK) {
			t.Errorf("GET %s/metrics = %d %.80q, want %d", at, res.StatusCode, body, want)
		}
	}

	// A person reads their access log with a token of the provider serve
	// was told to trust; serve itself issues none.
	idToken, err := issuer.Token("王小明", "500103196607041934")
	if err != nil {
		t.Fatal(err)
	}
	if status, code := accessLog(t, addr, idToken); status != http.StatusOK {
		t.Errorf("access log with the provider's token = %d %s, want 200", status, code)
	}
	if status, code := accessLog(t, addr, "serve-test-market-key"); status != http.StatusForbidden || code != "not_a_person" {
		t.Errorf("access log with a department's key = %d %s, want 403 not_a_person", status, code)
	}
	err = token(context.Background(), []string{"--url", "http://" + addr, "--name", "王小明", "--id-number", "500103196607041934"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "only credex dev issues tokens") {
		t.Errorf("credex token from serve = %v, want no token", err)
	}
}

// accessLog reads the access log of the person of idToken and returns the
// status and the error code, if any.
func accessLog(t *testing.T, addr, idToken string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/public/access-log", strings.NewReader(`{"limit": 5}`))
	req.Header.Set("Authorization", "Bearer "+idToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct{ Code string }
	json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Code
}

func TestServeRefusesABadIdentityProvider(t *testing.T) {
	t.Setenv("CREDEX_SUBJECT_KEY", "serve-test-subject-key-0123")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--oidc-client-id", "credex"}, "issuer: not set"},
		{[]string{"--oidc-issuer", "http://id.example.gov.cn", "--oidc-client-id", "credex"}, "not https"},
		{[]string{"--oidc-issuer", "https://id.example.gov.cn"}, "client id: not set"},
		{[]string{"--oidc-issuer", "https://id.example.gov.cn", "--oidc-client-id", "credex", "--oidc-jwks-url", "jwks.json"}, "JWKS URL"},
		{[]string{"--oidc-issuer", "https://id.example.gov.cn", "--oidc-client-id", "credex", "--oidc-clock-skew", "1h"}, "clock skew"},
	} {
		args := append(c.args, "--database-url", "postgres://x@127.0.0.1:1/x", "--kafka-brokers", "127.0.0.1:1")
		err := serve(context.Background(), args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--oidc-") {
			t.Errorf("serve %v = %v, want an error saying %q and pointing at the --oidc-* flags", c.args, err, c.want)
		}
	}
}

func TestServeRefusesToStartWithoutSubjectKey(t *testing.T) {
	t.Setenv("CREDEX_SUBJECT_KEY", "")
	err := serve(context.Background(), []string{"--database-url", "postgres://x@127.0.0.1:1/x", "--kafka-brokers", "127.0.0.1:1"}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "CREDEX_SUBJECT_KEY") {
		t.Fatalf("serve without a subject key = %v, want an error naming CREDEX_SUBJECT_KEY", err)
	}
}

func TestDevRunsTheHubWithEmbeddedKafka(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDEX_DATABASE_URL", pgtest.URL(t))
	var output syncWriter
	addr := startLogged(t, dev, []string{"--addr", "127.0.0.1:0", "--data-dir", dir, "--kafka-brokers", "",
		"--audit-checkpoint-interval", "100ms"}, `running at http://(\S+)`, &output)
	ready(t, addr)
	submitDemo(t, addr, "dev-market-regulation-key-0001")
	// It shows what it does: the requests it serves, its expiry passes.
	for _, want := range []string{
		`level=INFO msg="http request" method=POST route="POST /v1/submissions" status=200 `,
		`principal=market-regulation request_id=`,
		`level=INFO msg="expiry pass" expired=0 `,
	} {
		wait.For(t, 10*time.Second, "credex dev to log "+want, func() bool { return strings.Contains(output.String(), want) })
	}
	if res, err := http.Get("http://" + addr + "/metrics"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("GET /metrics of the dev hub = %v, %v; want 200 without a token", res, err)
	} else {
		res.Body.Close()
	}

	// The portal is on the hub's address, and signing in goes to the test
	// identity provider's authorization endpoint.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := noRedirect.Get("http://" + addr + "/"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("GET / of the dev hub = %v %v, want the portal", res, err)
	} else {
		res.Body.Close()
	}
	if res, err := noRedirect.Get("http://" + addr + "/signin"); err != nil || res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "http://"+addr+"/dev/oidc/authorize?") {
		t.Errorf("GET /signin of the dev hub = %v %v, want 303 to the test provider's authorization endpoint", res, err)
	} else {
		res.Body.Close()
	}

	// credex token prints a token of the dev hub's test identity
	// provider, by which the person acts.
	var printed strings.Builder
	if err := token(context.Background(), []string{"--url", "http://" + addr, "--name", "王小明", "--id-number", "500103196607041934"}, &printed); err != nil {
		t.Fatalf("credex token: %v", err)
	}
	if status, code := accessLog(t, addr, strings.TrimSpace(printed.String())); status != http.StatusOK {
		t.Errorf("access log with the dev token = %d %s, want 200", status, code)
	}
	if err := token(context.Background(), []string{"--url", "http://" + addr, "--name", "王小明", "--id-number", "500103196607041935"}, io.Discard); err == nil {
		t.Error("credex token for an ID number that is not one printed a token")
	}
	var out strings.Builder
	err := catalogPublish(context.Background(), []string{"--dir", "../../../../schemas", "--url", "http://" + addr,
		"--key", "dev-catalogue-maintainer-key-0005", "administrative_penalty"}, &out)
	if err != nil || out.String() != "administrative_penalty: version 1 is published already\n" {
		t.Errorf("catalog publish of the files the hub started with = %v, %q; want version 1 unchanged", err, out.String())
	}
	publishPublicTaxCredit(t, addr)
	url, err := os.ReadFile(filepath.Join(dir, "database.url"))
	if err != nil || strings.TrimSpace(string(url)) != os.Getenv("CREDEX_DATABASE_URL") {
		t.Errorf("database.url = %q (%v), want the URL in use", url, err)
	}
	brokers, err := os.ReadFile(filepath.Join(dir, "kafka.brokers"))
	if err != nil {
		t.Fatal(err)
	}

	// The newest audit entries cut off with plain SQL, the head moved back:
	// verify, run beside the hub on its files, names the checkpoint.
	verify := func() (string, error) {
		var out strings.Builder
		err := auditCmd(context.Background(), []string{"verify", "--database-url", strings.TrimSpace(string(url)),
			"--kafka-brokers", strings.TrimSpace(string(brokers)), "--topic-prefix", ""}, &out)
		return out.String(), err
	}
	var n string
	wait.For(t, 20*time.Second, "a checkpoint of the whole audit log", func() bool {
		out, err := verify()
		m := regexp.MustCompile(`^audit log intact: (\d+) entries, .*\nholds the checkpoint (\d+):`).FindStringSubmatch(out)
		if err != nil || m == nil || m[1] != m[2] {
			return false
		}
		n = m[1]
		return true
	})
	db, err := pgx.Connect(context.Background(), strings.TrimSpace(string(url)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	for _, sql := range []string{`DELETE FROM audit_log WHERE seq = $1`,
		`UPDATE audit_head SET seq = $1 - 1, hash = (SELECT hash FROM audit_log WHERE seq = $1 - 1)`} {
		if _, err := db.Exec(context.Background(), sql, n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	if out, err := verify(); !errors.Is(err, audit.ErrTruncated) || !strings.Contains(err.Error(), "checkpoint "+n+":") {
		t.Errorf("audit verify after the newest entry was cut = %q, %v; want truncated, naming the checkpoint of %s entries", out, err, n)
	}
}

// publishPublicTaxCredit publishes tax_credit, disclosed only on an
// authorised inquiry, as public with the dev maintainer's key: the version
// waits until the dev operator approves it.
func publishPublicTaxCredit(t *testing.T, addr string) {
	t.Helper()
	dir := copyCatalogue(t, map[string][2]string{"catalog.yaml": {
		`    disclosure: authorised_inquiry
    departments: [tax]
    sharing:
      scope: [government, judiciary, financial_institution, credit_service_agency]
      usage: [administrative_review, credit_supervision, credit_report]`,
		`    disclosure: public
    departments: [tax]
    sharing:
      scope: [government, judiciary, financial_institution, credit_service_agency, public]
      usage: [administrative_review, credit_supervision, credit_report, public_display]`,
	}})
	manifest := filepath.Join(dir, "catalog.yaml")
	raw, _ := os.ReadFile(manifest)
	before, entry, _ := strings.Cut(string(raw), "code: tax_credit\n")
	entry = strings.Replace(entry, "version: 1\n", "version: 2\n", 1)
	if err := os.WriteFile(manifest, []byte(before+"code: tax_credit\n"+entry), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := catalogPublish(context.Background(), []string{"--dir", dir, "--url", "http://" + addr,
		"--key", "dev-catalogue-maintainer-key-0005", "tax_credit"}, &out)
	if err != nil || !strings.Contains(out.String(), "tax_credit: version 2 waits for an operator's approval") ||
		!strings.Contains(out.String(), "  policy: /disclosure: disclosure_widened: ") {
		t.Fatalf("catalog publish of a public tax_credit = %v, %q; want it waiting for approval", err, out.String())
	}
	version := func() int {
		res, err := http.Get("http://" + addr + "/v1/catalog/types/tax_credit")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var typ struct{ Version int }
		json.NewDecoder(res.Body).Decode(&typ)
		return typ.Version
	}
	if v := version(); v != 1 {
		t.Fatalf("tax_credit while version 2 waits is at version %d, want 1", v)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v1/catalog/types/tax_credit/versions/2/approval", nil)
	req.Header.Set("Authorization", "Bearer dev-operator-key-0006")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || version() != 2 {
		t.Errorf("the dev operator approves: %s, tax_credit at version %d; want 200 and version 2", res.Status, version())
	}
}

func TestServeRefusesABadCalendar(t *testing.T) {
	t.Setenv("CREDEX_SUBJECT_KEY", "serve-test-subject-key-0123")
	bad := filepath.Join(t.TempDir(), "calendar.yaml")
	os.WriteFile(bad, []byte("year: 2026\nworkdays: [2026-03-04]\n"), 0o600) // a Wednesday is no make-up day
	for _, file := range []string{bad, filepath.Join(t.TempDir(), "missing.yaml")} {
		err := serve(context.Background(), []string{"--calendar", file, "--database-url", "postgres://x@127.0.0.1:1/x", "--kafka-brokers", "127.0.0.1:1"}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "calendar") {
			t.Errorf("serve --calendar %s = %v, want an error naming the calendar", filepath.Base(file), err)
		}
	}
}

// syncWriter is a buffer a command may write while a test reads it.
type syncWriter struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *syncWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
