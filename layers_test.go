package credex_test

import (
	"os/exec"
	"strings"
	"testing"
)

// layers stack the packages of the module, lowest first. A package may
// import packages of lower layers only: the record knows no transport or
// store, the Kafka transport no database, nothing below the HTTP layer
// imports the API or a connector, and only the binary's wiring sees
// everything.
var layers = [][]string{
	// Facts without dependencies: identifiers, the calendar, who is who.
	{"ident", "workday", "principal", "authorisation", "catalog/compat", "internal/apierr", "internal/dirlock", "internal/jsonvalue", "internal/logthrottle", "internal/param", "internal/requestid", "schemas", "deploy/dev"},
	// The rules: the catalogue, the lifecycle of cases.
	{"catalog", "lifecycle"},
	// The credit record itself; who may do what with it.
	{"record", "authz"},
	// The audit log's entries and chain; the identity a person proves.
	{"audit", "idtoken"},
	// The public credit database.
	{"store"},
	// The Kafka transport; what an agency may receive.
	{"pipeline", "subscription"},
	// Services over the database and Kafka.
	{"store/dbsink", "relay", "catalog/registry", "expiry", "delivery", "casework"},
	// The one admission path of departments' records.
	{"connectors/intake"},
	// What source connectors share.
	{"connectors/source"},
	// The files departments drop, read row by row.
	{"connectors/tabular"},
	// Connectors: departments' doors in, agencies' transports out.
	{"connectors/..."},
	// The HTTP layer: the API and the pages.
	{"api", "web"},
	// The assembled hub.
	{"hub"},
	// The binary and what only it and the tests use.
	{"cmd/...", "internal/..."},
}

func TestPackagesImportOnlyLowerLayers(t *testing.T) {
	const module = "github.com/credex/credex/"
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	layerOf := func(pkg string) int {
		for i, layer := range layers {
			for _, p := range layer {
				if pkg == p || strings.HasSuffix(p, "/...") && strings.HasPrefix(pkg, strings.TrimSuffix(p, "...")) {
					return i
				}
			}
		}
		return -1
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			continue // the module's root: this test
		}
		from := layerOf(pkg)
		if from < 0 {
			t.Errorf("package %s has no layer: place it in layers", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if to := layerOf(dep); to >= from && !(from == len(layers)-1 && to == from) {
				t.Errorf("%s (layer %d) imports %s (layer %d): a package imports lower layers only", pkg, from, dep, to)
			}
		}
	}
}
