// Package dirlock keeps two processes from using one state directory at once.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Lock takes an exclusive lock on dir, creating it if missing. The operating
// system releases the lock when the process ends, however it ends; unlock
// releases it earlier and may be called more than once. what names the
// directory's use in errors, such as "kafka state dir".
func Lock(dir, what string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", what, err)
	}
	name := filepath.Join(dir, "lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s lock: %w", what, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s %s is in use by another process", what, dir)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return sync.OnceFunc(func() { f.Close() }), nil
}
