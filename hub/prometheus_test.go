package hub_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credex/credex/internal/testkit/wait"
)

// TestPrometheusScrapesHub runs Debian's Prometheus server against a hub, as
// deploy/prometheus/prometheus.yml configures it (job "credex", the alert
// rules loaded), and asks it over its HTTP API what an operator would: that
// the hub is up, that its metrics arrive, that every rule evaluates without
// an error on them, and that every query of the Grafana dashboard does too,
// the submissions panel showing the submission.
func TestPrometheusScrapesHub(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus not found; install it (Debian: apt-get install prometheus), as .ci/run does")
	}
	rules, err := filepath.Abs(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, options{})
	resp := b.submit(200, envelope("administrative_penalty", "upsert", "P-1", b.penalty()))
	b.waitVersion(resp.Receipts[0].RecordID, 1)

	hubURL, err := url.Parse(b.url)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: credex
    metrics_path: /metrics
    static_configs:
      - targets: [%q]
`, rules, hubURL.Host)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("prometheus:\n%s", logs.String())
		}
	})

	api := "http://" + addr + "/api/v1/"
	value := func(query string) (float64, bool) {
		var res struct {
			Data struct {
				Result []struct {
					Value [2]any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if !getJSON(api+"query?query="+url.QueryEscape(query), &res) || len(res.Data.Result) != 1 {
			return 0, false
		}
		s, _ := res.Data.Result[0].Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		return v, err == nil
	}
	wait.For(t, 60*time.Second, `Prometheus to scrape the hub: up{job="credex"} == 1`, func() bool {
		v, ok := value(`up{job="credex"} == 1`)
		return ok && v == 1
	})
	if v, ok := value(`sum(credex_submissions_total{job="credex", result="ok"})`); !ok || v < 1 {
		t.Errorf("credex_submissions_total{result=\"ok\"} in Prometheus = %v (found %v), want 1 or more after an accepted submission", v, ok)
	}

	// Every rule has been evaluated at least once, on the hub's series,
	// without an error (a query that fails, such as a many-to-many match,
	// is health "err").
	type rule struct {
		Name      string `json:"name"`
		Health    string `json:"health"`
		LastError string `json:"lastError"`
	}
	var rulesRes struct {
		Data struct {
			Groups []struct {
				Rules []rule `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	var all []rule
	wait.For(t, 30*time.Second, "every rule to be evaluated", func() bool {
		if !getJSON(api+"rules", &rulesRes) {
			return false
		}
		all = all[:0]
		for _, g := range rulesRes.Data.Groups {
			for _, r := range g.Rules {
				if r.Health == "unknown" {
					return false
				}
				all = append(all, r)
			}
		}
		return len(all) > 0
	})
	n := 0
	for _, g := range readAlerts(t).Groups {
		n += len(g.Rules)
	}
	if len(all) != n {
		t.Errorf("Prometheus loaded %d rules, want the %d of %s", len(all), n, alertsFile)
	}
	for _, r := range all {
		if r.Health != "ok" {
			t.Errorf("rule %s: health %q: %s", r.Name, r.Health, r.LastError)
		}
	}

	// The dashboard's queries, with its variables as Grafana fills them:
	// every instance selected, a rate interval of a few scrapes.
	vars := strings.NewReplacer("$instance", ".*", "$__rate_interval", "10s", "$__range", "1h")
	query := func(q string) (series int, err error) {
		var res struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []json.RawMessage `json:"result"`
			} `json:"data"`
		}
		r, err := http.Get(api + "query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, err
		}
		defer r.Body.Close()
		if err := json.NewDecoder(r.Body).Decode(&res); err != nil {
			return 0, err
		}
		if res.Status != "success" {
			return 0, errors.New(res.Error)
		}
		return len(res.Data.Result), nil
	}
	submissions := 0
	for _, e := range dashboardExprs(t) {
		q := vars.Replace(e)
		if !strings.Contains(q, "credex_submissions_total") {
			continue
		}
		submissions++
		wait.For(t, 30*time.Second, "the dashboard's query "+q+" to show the submission", func() bool {
			n, err := query(q)
			return err == nil && n > 0
		})
	}
	if submissions == 0 {
		t.Errorf("%s has no query of credex_submissions_total", dashboardFile)
	}
	for _, e := range dashboardExprs(t) {
		if _, err := query(vars.Replace(e)); err != nil {
			t.Errorf("dashboard query %s: %v", e, err)
		}
	}
}

// getJSON GETs url into v, reporting whether it answered 200 with JSON.
func getJSON(url string, v any) bool {
	res, err := http.Get(url)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	return res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(v) == nil
}

// freeAddr returns a loopback address with a port free at the time of the
// call.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
