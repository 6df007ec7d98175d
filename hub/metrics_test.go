package hub_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"

	"github.com/credex/credex/internal/testkit/wait"
)

const (
	alertsFile    = "../deploy/prometheus/alerts.yml"
	dashboardFile = "../deploy/grafana/credex.json"
)

// ruleFile is the part of a Prometheus rule file the tests read. Unknown
// keys are errors, so that a misspelt "annotations" does not pass.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			KeepFiring  string            `yaml:"keep_firing_for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readAlerts(t *testing.T) ruleFile {
	t.Helper()
	raw, err := os.ReadFile(alertsFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", alertsFile, err)
	}
	return f
}

// dashboardExprs returns every query expression of the dashboard, in panels
// nested in collapsed rows too.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var exprs []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "expr" {
					exprs = append(exprs, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return exprs
}

// TestAlertRulesAreComplete checks that every alert says how long its
// condition must hold, how grave it is, and what it means and what to do.
func TestAlertRulesAreComplete(t *testing.T) {
	t.Parallel()
	f := readAlerts(t)
	n := 0
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			n++
			if r.Expr == "" {
				t.Errorf("alert %s: no expr", r.Alert)
			}
			if r.For == "" {
				t.Errorf("alert %s: no for", r.Alert)
			}
			if s := r.Labels["severity"]; !slices.Contains([]string{"critical", "warning", "info"}, s) {
				t.Errorf("alert %s: labels.severity = %q, want critical, warning or info", r.Alert, s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("alert %s: no annotations.%s", r.Alert, a)
				}
			}
		}
	}
	if n == 0 {
		t.Fatalf("%s has no alerts", alertsFile)
	}
}

var (
	metricName = regexp.MustCompile(`\bcredex_[a-zA-Z0-9_]+`)
	routeValue = regexp.MustCompile(`\broute\s*!?=\s*"([^"]+)"`)
	descName   = regexp.MustCompile(`fqName: "([^"]+)"`)
	// counterFunc matches a function over a range of a counter and the
	// metric it is given.
	counterFunc = regexp.MustCompile(`\b(rate|irate|increase)\(\s*(credex_[a-zA-Z0-9_]+)`)
)

// TestAlertsAndDashboardUseRegisteredMetrics checks that every credex_*
// metric the alert rules and the dashboard query is one a running hub
// registers, with the type its suffix implies, and that every route they
// select on is a route the hub reports. Renaming a metric or a route without
// updating deploy/ fails here.
func TestAlertsAndDashboardUseRegisteredMetrics(t *testing.T) {
	t.Parallel()
	exprs := dashboardExprs(t)
	if len(exprs) == 0 {
		t.Fatalf("%s has no queries", dashboardFile)
	}
	for _, g := range readAlerts(t).Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}

	b := setup(t, options{})
	resp := b.submit(200, envelope("administrative_penalty", "upsert", "M-1", b.penalty()))
	b.waitVersion(resp.Receipts[0].RecordID, 1)
	// Labelled counters are gathered only once incremented: expire a penalty
	// whose display period is over, so that the type of
	// credex_records_expired_total is checked like the others'.
	ended := b.submit(200, envelope("administrative_penalty", "upsert", "M-2", b.example("administrative_penalty", func(d map[string]any) {
		d["decision"].(map[string]any)["date"] = time.Now().AddDate(-2, 0, 0).Format(time.DateOnly)
		d["severity"] = "general"
	})))
	b.waitVersion(ended.Receipts[0].RecordID, 1)
	ctx, cancel := context.WithCancel(context.Background())
	expiryDone := make(chan struct{})
	go func() {
		defer close(expiryDone)
		b.hub.RunExpiry(ctx, 20*time.Millisecond)
	}()
	wait.For(t, 30*time.Second, "the ended penalty to expire", func() bool { return expiredMetric(t, b) > 0 })
	cancel()
	<-expiryDone
	if err := b.hub.EscalateCases(context.Background()); err != nil {
		t.Fatal(err)
	}
	routes := map[string]bool{}
	for _, e := range exprs {
		for _, m := range routeValue.FindAllStringSubmatch(e, -1) {
			routes[m[1]] = true
		}
	}
	for route := range routes {
		method, path, ok := strings.Cut(route, " ")
		if !ok {
			t.Errorf("route %q: want METHOD PATH, as the hub labels routes", route)
			continue
		}
		req, _ := http.NewRequest(method, b.url+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}

	reg := b.hub.Registry()
	kinds := map[string]string{} // types of the families with samples
	seenRoutes := map[string]bool{}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		kinds[f.GetName()] = f.GetType().String()
		if f.GetName() != "credex_http_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" {
					seenRoutes[l.GetValue()] = true
				}
			}
		}
	}
	registered := map[string]bool{} // every family, with samples or not
	descs := make(chan *prometheus.Desc)
	go func() {
		reg.Describe(descs)
		close(descs)
	}()
	for d := range descs {
		if m := descName.FindStringSubmatch(d.String()); m != nil {
			registered[m[1]] = true
		}
	}
	if !registered["credex_submissions_total"] {
		t.Fatalf("no credex_submissions_total among the registered metrics %v: reading the registry's descriptions broke", registered)
	}

	used := map[string]bool{}
	for _, e := range exprs {
		for _, name := range metricName.FindAllString(e, -1) {
			used[name] = true
		}
	}
	for name := range used {
		if registered[name] {
			continue
		}
		known := false
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			family, cut := strings.CutSuffix(name, suffix)
			if !cut || !registered[family] {
				continue
			}
			known = true
			kind, gathered := kinds[family]
			if gathered && kind != "HISTOGRAM" && (suffix == "_bucket" || kind != "SUMMARY") {
				t.Errorf("%s is queried, but %s is a %s, not a histogram", name, family, kind)
			}
		}
		if !known {
			t.Errorf("%s is queried by %s or %s, but the hub registers no such metric", name, alertsFile, dashboardFile)
		}
	}
	// What rate() and its kin take must be a counter: a gauge there (an
	// overdue count, a lag) gives nonsense without an error. Families
	// without samples (vectors never incremented here) are not checked.
	for _, e := range exprs {
		for _, m := range counterFunc.FindAllStringSubmatch(e, -1) {
			name := m[2]
			family := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
			kind, gathered := kinds[name]
			switch {
			case family != name && kinds[family] == "HISTOGRAM":
			case gathered && kind != "COUNTER":
				t.Errorf("%s(%s) is queried, but %s is a %s, not a counter", m[1], name, name, kind)
			}
		}
	}
	for route := range routes {
		if !seenRoutes[route] {
			t.Errorf("route %q is selected on, but the hub labelled no request with it (routes seen: %v)",
				route, slices.Sorted(maps.Keys(seenRoutes)))
		}
	}
}

// ruleTests is the part of a promtool rule test file the tests read.
type ruleTests struct {
	Tests []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// TestAlertRulesAreTested checks that the promtool tests of the rules
// (deploy/prometheus/check.sh runs them) show every alert both firing and
// silent, and that each alert links to its section of the runbook.
func TestAlertRulesAreTested(t *testing.T) {
	t.Parallel()
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, file := range []string{"../deploy/prometheus/alerts_test.yml", "../deploy/prometheus/alerts_daily_test.yml"} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var f ruleTests
		if err := yaml.Unmarshal(raw, &f); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, g := range f.Tests {
			for _, c := range g.AlertRuleTest {
				if len(c.ExpAlerts) > 0 {
					fires[c.Alertname] = true
				} else {
					silent[c.Alertname] = true
				}
			}
		}
	}
	runbook, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range readAlerts(t).Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			if !fires[r.Alert] || !silent[r.Alert] {
				t.Errorf("alert %s: tested firing %v, silent %v; want both in deploy/prometheus/alerts_test.yml", r.Alert, fires[r.Alert], silent[r.Alert])
			}
			if want := "docs/runbook.md#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
				t.Errorf("alert %s: annotations.runbook_url = %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
			}
			if !regexp.MustCompile(`(?m)^#+ ` + r.Alert + `$`).Match(runbook) {
				t.Errorf("alert %s: docs/runbook.md has no heading %q", r.Alert, r.Alert)
			}
		}
	}
}
