// Package dev holds the demo principals of `credex dev`, compiled into the
// binary so that it runs outside a checkout too.
package dev

import _ "embed"

// Seed is the content of seed.yaml.
//
//go:embed seed.yaml
var Seed []byte
