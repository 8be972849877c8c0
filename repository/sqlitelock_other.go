//go:build !unix

package repository

import "os"

// lockSQLite is a no-op where flock(2) does not exist.
func lockSQLite(string) (*os.File, error) { return nil, nil }
