package devkafka

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// lock takes an exclusive lock on dir, creating it if missing, so that no
// other process keeps its state there at the same time. The operating
// system releases the lock when the process ends, however it ends; unlock
// releases it earlier and may be called more than once.
func lock(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create kafka state dir: %w", err)
	}
	name := filepath.Join(dir, "lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open kafka state lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("kafka state dir %s is in use by another process", dir)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	return sync.OnceFunc(func() { f.Close() }), nil
}
