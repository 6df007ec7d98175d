// Package schemas holds the default unified personal credit information
// catalogue: the manifest catalog.yaml, the department registry
// departments.yaml, one JSON Schema per record type and example payloads
// under examples/<code>/ (valid.json, and invalid-<what>.json labelled with
// the error they must give). Package catalog loads and checks it;
// maintainers edit these files as code, check them with credex catalog lint
// and regenerate docs/catalog.md with credex catalog doc.
package schemas
