package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/credex/credex/catalog"
	"github.com/credex/credex/catalog/compat"
)

// errIncompatible means a new schema breaks compatibility; the breaking
// changes were printed.
var errIncompatible = errors.New("incompatible schema change")

// catalogDiff exits 0 when NEW is compatible with OLD, 1 when it is not,
// and 2 when it could not compare them: wrong flags or arguments, a missing
// or broken file or directory.
func catalogDiff(ctx context.Context, args []string, out io.Writer) error {
	err := diff(args, out)
	switch {
	case err == nil, errors.Is(err, errIncompatible), errors.Is(err, errUsage), errors.Is(err, flag.ErrHelp):
		return err
	}
	return statusError{status: 2, err: fmt.Errorf("could not compare: %w", err)}
}

func diff(args []string, out io.Writer) error {
	fs := flagSet("catalog diff", "catalog diff [flags] OLD NEW\n\n"+
		"Compares two versions of a record type's JSON Schema, or of every type in\n"+
		"two catalogue directories, under a compatibility mode. Prints each breaking\n"+
		"change as POINTER: KIND: reason (prefixed by the type code for directories),\n"+
		"then a verdict. For directories it also prints, apart, each policy change of\n"+
		"a type (disclosure, a class that puts records on a list, sharing scope and\n"+
		"usage, display periods) as policy: POINTER: KIND: reason, marking those that\n"+
		"widen: published, such a version waits for an operator's approval before it\n"+
		"takes effect.\n\n"+
		"Exit status: 0 when NEW is compatible with OLD, 1 when it is incompatible,\n"+
		"2 when they could not be compared (a missing or broken file or directory,\n"+
		"wrong flags or arguments). Policy changes do not change the exit status.")
	modeName := fs.String("mode", "", "compatibility `mode`: backward, forward, full, their _transitive forms, or none\n"+
		"(default backward for schema files, each type's compatibility in NEW's manifest for directories)")
	all := fs.Bool("all", false, "list the changes that break nothing under the mode too")
	var paths []string
	for {
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(paths) != 2 {
		fmt.Fprintf(fs.Output(), "credex catalog diff: want OLD and NEW, got %d arguments\n", len(paths))
		fs.Usage()
		return errUsage
	}
	var mode compat.Mode
	if *modeName != "" {
		m, err := compat.ParseMode(*modeName)
		if err != nil {
			fmt.Fprintf(fs.Output(), "credex catalog diff: --mode: %v\n", err)
			return errUsage
		}
		mode = m
	}
	d := &schemaDiff{out: out, all: *all}

	oldDir, err := isDir(paths[0])
	if err != nil {
		return err
	}
	newDir, err := isDir(paths[1])
	if err != nil {
		return err
	}
	switch {
	case oldDir && newDir:
		return d.catalogues(paths[0], paths[1], mode)
	case !oldDir && !newDir:
		return d.files(paths[0], paths[1], cmp.Or(mode, compat.ModeBackward))
	}
	return fmt.Errorf("%s and %s: want two schema files or two catalogue directories", paths[0], paths[1])
}

func isDir(path string) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}

// schemaDiff prints the comparisons of catalog diff.
type schemaDiff struct {
	out io.Writer
	all bool // print the changes that break nothing too
}

// files compares two schema files.
func (d *schemaDiff) files(oldPath, newPath string, mode compat.Mode) error {
	old, err := os.ReadFile(oldPath)
	if err != nil {
		return err
	}
	new, err := os.ReadFile(newPath)
	if err != nil {
		return err
	}
	changes, err := compat.Diff(old, new)
	if err != nil {
		return fmt.Errorf("compare %s with %s: %w", oldPath, newPath, err)
	}
	if d.report("", mode, changes) > 0 {
		return errIncompatible
	}
	return nil
}

// catalogues compares the schema of each record type in both catalogue
// directories, under mode or else the type's compatibility in NEW.
func (d *schemaDiff) catalogues(oldDir, newDir string, mode compat.Mode) error {
	oldCat, err := catalog.Load(os.DirFS(oldDir))
	if err != nil {
		return fmt.Errorf("%s: %w", oldDir, err)
	}
	newCat, err := catalog.Load(os.DirFS(newDir))
	if err != nil {
		return fmt.Errorf("%s: %w", newDir, err)
	}
	for _, t := range oldCat.Types() {
		if _, ok := newCat.Type(t.Code); !ok {
			fmt.Fprintf(d.out, "%s: only in %s, not compared\n", t.Code, oldDir)
		}
	}
	compared, incompatible, governed := 0, 0, 0
	for _, t := range newCat.Types() {
		old, ok := oldCat.Type(t.Code)
		if !ok {
			fmt.Fprintf(d.out, "%s: only in %s, not compared\n", t.Code, newDir)
			continue
		}
		typeMode := mode
		if typeMode == "" {
			if typeMode, err = compat.ParseMode(string(t.Compatibility)); err != nil {
				return fmt.Errorf("%s: %s: %w", newDir, t.Code, err)
			}
		}
		changes, err := compat.Diff(old.Schema, t.Schema)
		if err != nil {
			return fmt.Errorf("%s: compare version %d with %d: %w", t.Code, old.Version, t.Version, err)
		}
		compared++
		if d.report(t.Code+": ", typeMode, changes) > 0 {
			incompatible++
		}
		if d.policy(t.Code+": ", catalog.PolicyDiff(old, t)) > 0 {
			governed++
		}
	}
	approval := ""
	if governed > 0 {
		approval = fmt.Sprintf("; %s with widening policy changes, which need an operator's approval", plural(governed, "record type"))
	}
	if incompatible > 0 {
		fmt.Fprintf(d.out, "incompatible: %d of %d record types compared%s\n", incompatible, compared, approval)
		return errIncompatible
	}
	fmt.Fprintf(d.out, "compatible: %d record types compared%s\n", compared, approval)
	return nil
}

// policy prints the policy changes, the widening ones marked, then what
// publishing them does, every line prefixed; it returns the number of
// widening changes.
func (d *schemaDiff) policy(prefix string, changes []catalog.PolicyChange) int {
	if len(changes) == 0 {
		return 0
	}
	widening := 0
	for _, c := range changes {
		mark := ""
		if c.Widens {
			widening++
			mark = " (widens)"
		}
		fmt.Fprintf(d.out, "%spolicy: %s: %s: %s%s\n", prefix, c.Pointer, c.Kind, c.Reason, mark)
	}
	if widening > 0 {
		fmt.Fprintf(d.out, "%spolicy: %s, %d widening: published, the version waits for an operator's approval\n",
			prefix, plural(len(changes), "change"), widening)
	} else {
		fmt.Fprintf(d.out, "%spolicy: %s, none widening: published, the version takes effect at once\n",
			prefix, plural(len(changes), "change"))
	}
	return widening
}

// report prints the changes, each breaking one and under --all the others,
// then a verdict, every line prefixed; it returns the number of breaking
// changes.
func (d *schemaDiff) report(prefix string, mode compat.Mode, changes []compat.Change) int {
	breaking := 0
	for _, c := range changes {
		suffix := ""
		if c.BreaksUnder(mode) {
			breaking++
		} else if d.all {
			suffix = fmt.Sprintf(" (not breaking under %s)", mode)
		} else {
			continue
		}
		fmt.Fprintf(d.out, "%s%s: %s: %s%s\n", prefix, cmp.Or(c.Pointer, "(root)"), c.Kind, c.Reason, suffix)
	}
	switch {
	case breaking > 0:
		fmt.Fprintf(d.out, "%sincompatible under %s: %d of %s breaking\n", prefix, mode, breaking, plural(len(changes), "change"))
	case len(changes) > 0:
		fmt.Fprintf(d.out, "%scompatible under %s: %s, none breaking\n", prefix, mode, plural(len(changes), "change"))
	default:
		fmt.Fprintf(d.out, "%scompatible under %s: no changes\n", prefix, mode)
	}
	return breaking
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
