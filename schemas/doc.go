// Package schemas holds the default unified personal credit information
// catalogue: the manifest catalog.yaml, one JSON Schema per record type and
// example payloads under examples/<code>/. Package catalog loads and checks
// it; maintainers edit these files as code.
package schemas
