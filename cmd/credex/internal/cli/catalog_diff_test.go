package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// diffSetup writes files into a temporary directory and returns their paths.
func diffSetup(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

func runDiff(args ...string) (string, error) {
	var out strings.Builder
	err := catalogDiff(context.Background(), args, &out)
	return out.String(), err
}

const (
	diffV1 = `{"type":"object","additionalProperties":false,"required":["name"],
		"properties":{"name":{"type":"string","maxLength":100}}}`
	// diffV2 adds an optional property to the closed object and allows
	// longer names: backward compatible, not forward.
	diffV2 = `{"type":"object","additionalProperties":false,"required":["name"],
		"properties":{"name":{"type":"string","maxLength":200},"alias":{"type":"string"}}}`
	// diffV3 makes alias required: compatible neither way with diffV2.
	diffV3 = `{"type":"object","additionalProperties":false,"required":["name","alias"],
		"properties":{"name":{"type":"string","maxLength":200},"alias":{"type":"string"}}}`
)

func TestDiffFilesCompatible(t *testing.T) {
	t.Parallel()
	p := diffSetup(t, map[string]string{"v1.json": diffV1, "v2.json": diffV2})
	out, err := runDiff(p["v1.json"], p["v2.json"])
	if err != nil {
		t.Fatalf("catalog diff = %v, want nil; output:\n%s", err, out)
	}
	if want := "compatible under backward: 2 changes, none breaking\n"; out != want {
		t.Errorf("output = %q, want %q", out, want)
	}
}

func TestDiffFilesIncompatible(t *testing.T) {
	t.Parallel()
	p := diffSetup(t, map[string]string{"v2.json": diffV2, "v3.json": diffV3})
	out, err := runDiff(p["v2.json"], p["v3.json"])
	if !errors.Is(err, errIncompatible) {
		t.Fatalf("catalog diff = %v, want errIncompatible; output:\n%s", err, out)
	}
	want := `/required: required_added: property "alias" is now required; data valid under the old schema may be invalid under the new one
incompatible under backward: 1 of 1 change breaking
`
	if out != want {
		t.Errorf("output =\n%s\nwant\n%s", out, want)
	}
}

func TestDiffModeFlagAndAll(t *testing.T) {
	t.Parallel()
	p := diffSetup(t, map[string]string{"v1.json": diffV1, "v2.json": diffV2})
	// Flags may follow the files.
	out, err := runDiff(p["v1.json"], p["v2.json"], "--mode", "FULL", "--all")
	if !errors.Is(err, errIncompatible) {
		t.Fatalf("catalog diff --mode full = %v, want errIncompatible; output:\n%s", err, out)
	}
	for _, line := range []string{
		"/properties/alias: property_added_closed: ",
		"/properties/name/maxLength: max_length_increased: maxLength increased from 100 to 200; ",
		"incompatible under full: 2 of 2 changes breaking",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("output lacks %q:\n%s", line, out)
		}
	}

	out, err = runDiff("--all", p["v1.json"], p["v2.json"])
	if err != nil || !strings.Contains(out, "max_length_increased: maxLength increased from 100 to 200; data valid under the new schema may be invalid under the old one (not breaking under backward)\n") {
		t.Errorf("catalog diff --all = %v, want the compatible changes listed; output:\n%s", err, out)
	}

	out, err = runDiff("--mode", "none", p["v1.json"], p["v2.json"])
	if err != nil || out != "compatible under none: 2 changes, none breaking\n" {
		t.Errorf("catalog diff --mode none = %v, %q; want compatible", err, out)
	}
}

func TestDiffRefusesBadArguments(t *testing.T) {
	t.Parallel()
	p := diffSetup(t, map[string]string{"v1.json": diffV1, "bad.json": `{"type":`})
	dir := filepath.Dir(p["v1.json"])
	for _, tc := range []struct {
		name  string
		args  []string
		usage bool   // a usage error, exit status 2
		want  string // in the error otherwise
	}{
		{name: "one file", args: []string{p["v1.json"]}, usage: true},
		{name: "three files", args: []string{p["v1.json"], p["v1.json"], p["v1.json"]}, usage: true},
		{name: "unknown mode", args: []string{"--mode", "sideways", p["v1.json"], p["v1.json"]}, usage: true},
		{name: "missing file", args: []string{p["v1.json"], filepath.Join(dir, "none.json")}, want: "no such file"},
		{name: "not JSON", args: []string{p["v1.json"], p["bad.json"]}, want: "new schema"},
		{name: "a file and a directory", args: []string{p["v1.json"], dir}, want: "two schema files or two catalogue directories"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := runDiff(tc.args...)
			switch {
			case tc.usage && !errors.Is(err, errUsage):
				t.Errorf("catalog diff = %v, want errUsage", err)
			case !tc.usage && (err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("catalog diff = %v, want an error mentioning %q", err, tc.want)
			}
			if se := (statusError{}); !tc.usage && (!errors.As(err, &se) || se.status != 2) {
				t.Errorf("catalog diff = %v, want exit status 2", err)
			}
		})
	}
}

// The exit status tells a script the verdict: 0 compatible, 1
// incompatible, 2 not compared.
func TestDiffExitStatus(t *testing.T) {
	p := diffSetup(t, map[string]string{"v1.json": diffV1, "v2.json": diffV2, "v3.json": diffV3, "bad.json": `{"type":`})
	dir := filepath.Dir(p["v1.json"])
	brokenCatalogue := copyCatalogue(t, map[string][2]string{"catalog.yaml": {"types:", "typos:"}})
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string // in standard error
	}{
		{"compatible files", []string{p["v1.json"], p["v2.json"]}, 0, ""},
		{"compatible catalogues", []string{"../../../../schemas", "../../../../schemas"}, 0, ""},
		{"incompatible files", []string{p["v2.json"], p["v3.json"]}, 1, "incompatible schema change"},
		{"incompatible under the mode", []string{"--mode", "forward", p["v1.json"], p["v2.json"]}, 1, "incompatible schema change"},
		{"missing file", []string{p["v1.json"], filepath.Join(dir, "none.json")}, 2, "could not compare: "},
		{"missing directory", []string{"../../../../schemas", filepath.Join(dir, "none")}, 2, "could not compare: "},
		{"broken schema", []string{p["v1.json"], p["bad.json"]}, 2, "could not compare: "},
		{"broken catalogue", []string{"../../../../schemas", brokenCatalogue}, 2, "could not compare: "},
		{"a file and a directory", []string{p["v1.json"], dir}, 2, "could not compare: "},
		{"one argument", []string{p["v1.json"]}, 2, "want OLD and NEW"},
		{"unknown flag", []string{"--strict", p["v1.json"], p["v2.json"]}, 2, "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, _, stderr := runCaptured(t, append([]string{"catalog", "diff"}, tc.args...)...)
			if status != tc.status || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("credex catalog diff %s = status %d, standard error %q; want %d and %q",
					strings.Join(tc.args, " "), status, stderr, tc.status, tc.stderr)
			}
		})
	}
}

// copyCatalogue copies the catalogue of the repository into a temporary
// directory, applying edits (file name → old → new text).
func copyCatalogue(t *testing.T, edits map[string][2]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../../../schemas")); err != nil {
		t.Fatal(err)
	}
	for name, e := range edits {
		p := filepath.Join(dir, name)
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(raw), e[0]) != 1 {
			t.Fatalf("%s: %q is not there exactly once", name, e[0])
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(raw), e[0], e[1], 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestDiffCatalogues(t *testing.T) {
	t.Parallel()
	old := copyCatalogue(t, nil)

	t.Run("unchanged", func(t *testing.T) {
		t.Parallel()
		out, err := runDiff(old, copyCatalogue(t, nil))
		if err != nil || !strings.Contains(out, "administrative_penalty: compatible under backward: no changes\n") {
			t.Errorf("catalog diff = %v, want every type compatible; output:\n%s", err, out)
		}
	})

	t.Run("a limit lowered breaks backward", func(t *testing.T) {
		t.Parallel()
		lowered := copyCatalogue(t, map[string][2]string{
			"administrative_penalty.schema.json": {`"maxLength": 4000`, `"maxLength": 3000`},
		})
		out, err := runDiff(old, lowered)
		if !errors.Is(err, errIncompatible) {
			t.Fatalf("catalog diff = %v, want errIncompatible; output:\n%s", err, out)
		}
		for _, line := range []string{
			"administrative_penalty: /properties/facts/maxLength: max_length_decreased: maxLength decreased from 4000 to 3000; ",
			"administrative_penalty: incompatible under backward: 1 of 1 change breaking\n",
			"administrative_licence: compatible under backward: no changes\n",
			"incompatible: 1 of ",
		} {
			if !strings.Contains(out, line) {
				t.Errorf("output lacks %q:\n%s", line, out)
			}
		}
	})

	t.Run("a limit raised passes backward, not forward", func(t *testing.T) {
		t.Parallel()
		raised := copyCatalogue(t, map[string][2]string{
			"administrative_penalty.schema.json": {`"maxLength": 4000`, `"maxLength": 8000`},
		})
		if out, err := runDiff(old, raised); err != nil || !strings.Contains(out, "\ncompatible: ") {
			t.Errorf("catalog diff = %v, want compatible; output:\n%s", err, out)
		}
		if out, err := runDiff("--mode", "forward", old, raised); !errors.Is(err, errIncompatible) ||
			!strings.Contains(out, "administrative_penalty: /properties/facts/maxLength: max_length_increased: ") {
			t.Errorf("catalog diff --mode forward = %v, want errIncompatible; output:\n%s", err, out)
		}
	})

	t.Run("the type's own mode applies", func(t *testing.T) {
		t.Parallel()
		raised := copyCatalogue(t, map[string][2]string{
			"administrative_penalty.schema.json": {`"maxLength": 4000`, `"maxLength": 8000`},
		})
		manifest := filepath.Join(raised, "catalog.yaml")
		raw, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		before, entry, ok := strings.Cut(string(raw), "code: administrative_penalty\n")
		if !ok || !strings.Contains(entry, "compatibility: backward\n") {
			t.Fatal("catalog.yaml: no administrative_penalty entry with compatibility: backward")
		}
		entry = strings.Replace(entry, "compatibility: backward\n", "compatibility: full\n", 1)
		if err := os.WriteFile(manifest, []byte(before+"code: administrative_penalty\n"+entry), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := runDiff(old, raised)
		if !errors.Is(err, errIncompatible) || !strings.Contains(out, "administrative_penalty: incompatible under full: ") {
			t.Errorf("catalog diff = %v, want administrative_penalty incompatible under full; output:\n%s", err, out)
		}
	})
}

func TestDiffCataloguesShowsPolicyChanges(t *testing.T) {
	t.Parallel()
	old := copyCatalogue(t, nil)

	t.Run("tax credit made public", func(t *testing.T) {
		t.Parallel()
		public := copyCatalogue(t, map[string][2]string{"catalog.yaml": {
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
		out, err := runDiff(old, public)
		if err != nil {
			t.Fatalf("catalog diff = %v, want nil (a policy change is not an incompatibility); output:\n%s", err, out)
		}
		for _, line := range []string{
			"tax_credit: compatible under full: no changes\n",
			"tax_credit: policy: /disclosure: disclosure_widened: disclosure widened from authorised_inquiry to public: " +
				"records are shown to the public, where they are disclosed only on an inquiry the person authorised (widens)\n",
			`tax_credit: policy: /sharing/scope/4: scope_added: sharing scope "public" added: `,
			`tax_credit: policy: /sharing/usage/3: usage_added: usage right "public_display" added: `,
			"tax_credit: policy: 3 changes, 3 widening: published, the version waits for an operator's approval\n",
			"compatible: ",
			"; 1 record type with widening policy changes, which need an operator's approval\n",
		} {
			if !strings.Contains(out, line) {
				t.Errorf("output lacks %q:\n%s", line, out)
			}
		}
		if strings.Contains(out, "administrative_penalty: policy:") {
			t.Errorf("a type whose rules did not change shows policy changes:\n%s", out)
		}
	})

	t.Run("a shorter display needs no approval", func(t *testing.T) {
		t.Parallel()
		shorter := copyCatalogue(t, nil)
		// The periods of administrative_penalty, the first of three alike.
		manifest := filepath.Join(shorter, "catalog.yaml")
		raw, err := os.ReadFile(manifest)
		if err != nil {
			t.Fatal(err)
		}
		before, entry, _ := strings.Cut(string(raw), "code: administrative_penalty\n")
		entry = strings.Replace(entry, "serious: {min_months: 12, max_months: 36}", "serious: {min_months: 12, max_months: 24}", 1)
		if err := os.WriteFile(manifest, []byte(before+"code: administrative_penalty\n"+entry), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := runDiff(old, shorter)
		if err != nil {
			t.Fatalf("catalog diff = %v; output:\n%s", err, out)
		}
		for _, line := range []string{
			`administrative_penalty: policy: /display/periods/serious/max_months: display_max_decreased: records with severity "serious" are displayed for at most 24 months, not 36` + "\n",
			"administrative_penalty: policy: 1 change, none widening: published, the version takes effect at once\n",
		} {
			if !strings.Contains(out, line) {
				t.Errorf("output lacks %q:\n%s", line, out)
			}
		}
		if strings.Contains(out, "operator's approval") {
			t.Errorf("a narrowing is said to need approval:\n%s", out)
		}
	})
}
