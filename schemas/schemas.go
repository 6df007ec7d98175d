package schemas

import "embed"

// FS is the default catalogue compiled into the binary, laid out as the
// schemas/ directory is: catalog.yaml and departments.yaml at its root.
// credex dev uses it; catalog.Load(FS) reads it.
//
//go:embed catalog.yaml departments.yaml *.schema.json examples
var FS embed.FS
