//go:build race

package main

// race reports whether the race detector is on. The tests build the hubs
// they start the same way, so the hubs' packages come from the build cache.
const race = true
