package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is the release of the binary. A release build sets it:
//
//	go build -ldflags "-X github.com/credex/credex/cmd/credex/internal/cli.version=v1.4.0" ./cmd/credex
//
// Left empty, it is the module version Go recorded, "(devel)" for a build
// from a checkout.
var version string

// commit is the commit the binary was built from, when the build sets it
// (-X ...cli.commit=SHA) rather than Go (which records it unless told
// -buildvcs=false).
var commit string

// versionText is what credex --version prints: the version, then the
// commit the binary was built from (Go records it when it builds from a Git
// checkout), marked modified when the checkout had changes.
func versionText() string {
	v, c, modified := version, commit, false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				c = cmp.Or(c, s.Value)
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	switch {
	case c == "":
		c = "unknown (built without version control information: go build -buildvcs=true in a Git checkout records it)"
	case modified:
		c += " (modified)"
	}
	return fmt.Sprintf("credex %s\ncommit %s\n%s\n", v, c, runtime.Version())
}

func versionCmd(ctx context.Context, args []string, out io.Writer) error {
	fs := flagSet("version", "version\n\nPrints the version of credex, the commit it was built from and the Go release.")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "credex version: takes no arguments, got %q\n", fs.Args())
		return errUsage
	}
	_, err := io.WriteString(out, versionText())
	return err
}
