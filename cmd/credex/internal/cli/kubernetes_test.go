package cli

import (
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/credex/credex/connectors/source"
)

const kubernetesHub = "../../../../deploy/kubernetes/hub/"

// TestKubernetesConfigFiles checks that the files of the ConfigMap
// deploy/kubernetes ships are read by serve without an error.
func TestKubernetesConfigFiles(t *testing.T) {
	cat, err := loadCatalog("")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(kubernetesHub + "principals.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadPrincipals(raw, cat); err != nil {
		t.Errorf("principals.yaml: %v", err)
	}
	if _, err := source.Load(kubernetesHub+"connectors.yaml", func(code string) bool { _, ok := cat.Type(code); return ok }); err != nil {
		t.Errorf("connectors.yaml: %v", err)
	}
}

// TestKubernetesDeploymentVariables checks that every CREDEX_* variable the
// Kubernetes Deployment sets is one serve reads, so that a misspelt name,
// which serve would ignore, fails here.
func TestKubernetesDeploymentVariables(t *testing.T) {
	raw, err := os.ReadFile(kubernetesHub + "deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Env []struct {
							Name string `yaml:"name"`
						} `yaml:"env"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}

	stdout := os.Stdout
	t.Cleanup(func() { os.Stdout = stdout })
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		out, _ := io.ReadAll(r)
		done <- out
	}()
	status := Run([]string{"serve", "--help"})
	w.Close()
	os.Stdout = stdout
	help := string(<-done)
	if status != 0 {
		t.Fatalf("credex serve --help: status %d", status)
	}
	read := map[string]bool{}
	for _, m := range regexp.MustCompile(`\(?(CREDEX_[A-Z0-9_]+)\b`).FindAllStringSubmatch(help, -1) {
		read[m[1]] = true
	}
	n := 0
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, e := range c.Env {
			if !strings.HasPrefix(e.Name, "CREDEX_") {
				continue
			}
			n++
			if !read[e.Name] {
				t.Errorf("deployment.yaml sets %s, which credex serve does not read", e.Name)
			}
		}
	}
	if n == 0 {
		t.Fatal("deployment.yaml sets no CREDEX_* variable: reading it broke")
	}
}
