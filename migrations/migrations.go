// Package migrations embeds the SQL files that are the only way the schema
// changes: one numbered set per dialect, applied in order by goose.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// For returns the migrations of a dialect, "postgres" or "sqlite".
func For(dialect string) fs.FS {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		panic(err) // the directories are embedded above; this cannot fail
	}
	return sub
}
