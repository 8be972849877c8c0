//go:build unix

package repository

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// lockSQLite takes an exclusive lock on path+".lock" for as long as the
// store is open. SQLite lets one writer in at a time, so two server
// processes on one file fail each other's requests with "database is
// locked"; the second process is refused at start instead, clearly. The
// lock is the kernel's: it ends with the process, even on SIGKILL.
func lockSQLite(url string) (*os.File, error) {
	path, _, _ := strings.Cut(strings.TrimPrefix(url, "file:"), "?")
	if path == "" || path == ":memory:" || strings.HasPrefix(path, ":memory:") {
		return nil, nil
	}
	if strings.Contains(path, "://") {
		scheme, _, _ := strings.Cut(url, "://")
		return nil, fmt.Errorf("the database URL (scheme %q) is neither postgres:// nor a SQLite file path", scheme)
	}
	lock := path + ".lock"
	f, err := os.OpenFile(lock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("SQLite database %s: the folder %s is missing or not writable (%w)", path, filepath.Dir(path), errors.Unwrap(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("SQLite database %s is in use by another helpdesk process (it holds %s); stop that process, or use PostgreSQL to run more than one", path, lock)
		}
		return nil, fmt.Errorf("lock %s: %w", lock, err)
	}
	return f, nil
}
