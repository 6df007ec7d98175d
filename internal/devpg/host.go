package devpg

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// ErrNotInstalled is returned by Start when initdb and pg_ctl cannot be found.
var ErrNotInstalled = errors.New("postgres is not installed: install PostgreSQL (initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin) or set CREDEX_DATABASE_URL")

// findBin returns the directory holding initdb and pg_ctl: the one of
// pg_ctl on PATH, else the newest /usr/lib/postgresql/*/bin.
func findBin() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath(filepath.Join(filepath.Dir(p), "initdb")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	dirs = slices.DeleteFunc(dirs, func(d string) bool {
		_, err := os.Stat(filepath.Join(d, "initdb"))
		return err != nil
	})
	if len(dirs) == 0 {
		return "", ErrNotInstalled
	}
	version := func(d string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		return v
	}
	return slices.MaxFunc(dirs, func(a, b string) int { return cmp.Compare(version(a), version(b)) }), nil
}

// runAs returns who the PostgreSQL programs run as: nil for the current
// user, or the postgres user when the current one is root, which they
// refuse to run as.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres refuses to run as root and there is no postgres user to run it as (run as another user or set CREDEX_DATABASE_URL): %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user id %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("postgres user group id %q: %w", u.Gid, err)
	}
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	gids, _ := u.GroupIds()
	for _, g := range gids {
		if id, err := strconv.ParseUint(g, 10, 32); err == nil {
			cred.Groups = append(cred.Groups, uint32(id))
		}
	}
	return cred, nil
}

// searchable reports which directory from / down to dir the user cred
// cannot enter, going by permission bits.
func searchable(dir string, cred *syscall.Credential) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("postgres dir: %w", err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		perm := fi.Mode().Perm()
		var x os.FileMode = 0o001
		switch {
		case st.Uid == cred.Uid:
			x = 0o100
		case st.Gid == cred.Gid || slices.Contains(cred.Groups, st.Gid):
			x = 0o010
		}
		if perm&x == 0 {
			return fmt.Errorf("the postgres user cannot enter %s (mode %#o) to reach %s: run as another user, make it searchable (chmod o+x %s), choose a data dir elsewhere, or set CREDEX_DATABASE_URL", d, perm, dir, d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}
