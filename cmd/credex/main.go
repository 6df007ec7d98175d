// Command credex is the exchange hub of a city's personal credit system.
package main

import (
	"os"

	"github.com/credex/credex/cmd/credex/internal/cli"
)

func main() { os.Exit(cli.Run(os.Args[1:])) }
