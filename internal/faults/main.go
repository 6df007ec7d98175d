// Command faults is the fault-injection harness behind
// deploy/local/faults.sh. For each scenario it starts real hubs (`credex
// serve`) on a database and topic prefix of their own, streams uniquely
// identified records through the HTTP API from several clients while it
// injects the scenario's fault, and then compares the accepted receipts with
// what the database stored, what a pull subscriber read and what a webhook
// subscriber it runs itself received: set difference both ways, versions,
// content, duplicates and order. It prints one line of figures per scenario
// and exits 1 when any receipt was lost, altered, stored twice, not
// delivered or delivered out of order.
//
// It needs the local broker and PostgreSQL of deploy/local (faults.sh starts
// them) and a credex binary; the broker-lost scenario starts a three-node
// cluster with deploy/local/kafka.sh and stops it afterwards. With --soak it
// streams at a steady rate instead and samples the hub's resources.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	duration := flag.Duration("duration", 16*time.Second, "how long the clients stream in each scenario (at least as long as the scenario needs)")
	clients := flag.Int("clients", 4, "concurrent clients")
	binary := flag.String("credex", "", "credex binary")
	soak := flag.Duration("soak", 0, "instead of the scenarios, stream at a steady --rate for this long with a webhook subscriber attached, sample the hub's resources and write docs/soak.md and docs/soak.svg")
	rate := flag.Int("rate", 200, "records per second in the soak")
	every := flag.Duration("sample", 5*time.Second, "time between samples in the soak")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: faults [flags] [SCENARIO...]\n\nScenarios (default: all):\n")
		for _, name := range names() {
			fmt.Fprintf(flag.CommandLine.Output(), "  %-16s%s\n", name, scenarios[name].doc)
		}
		fmt.Fprintf(flag.CommandLine.Output(), "\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *binary == "" {
		fmt.Fprintln(os.Stderr, "faults: --credex names the credex binary (deploy/local/faults.sh builds it)")
		os.Exit(2)
	}
	if *soak > 0 {
		if err := runSoak(*binary, *soak, *rate, *every); err != nil {
			fmt.Fprintf(os.Stderr, "soak: %v\n", err)
			os.Exit(1)
		}
		return
	}
	chosen := flag.Args()
	if len(chosen) == 0 {
		chosen = names()
	}
	for _, s := range chosen {
		if _, ok := scenarios[s]; !ok {
			fmt.Fprintf(os.Stderr, "faults: unknown scenario %q (known: %s)\n", s, strings.Join(names(), ", "))
			os.Exit(2)
		}
	}
	failed := false
	for _, s := range chosen {
		r, err := runScenario(s, *binary, *duration, *clients)
		if err != nil {
			fmt.Printf("FAIL %s: error: %v\n", s, err)
			failed = true
			continue
		}
		fmt.Println(r)
		failed = failed || !r.ok()
	}
	if failed {
		os.Exit(1)
	}
}

func names() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for k := range scenarios {
			if !yield(k) {
				return
			}
		}
	})
}
