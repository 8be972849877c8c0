package repository

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"
)

// RiverDriver is River's driver on the store's own connection pool, so
// that jobs are inserted in the transactions of the changes that cause
// them. On SQLite it shares the single connection, as River's SQLite
// driver asks.
func (s *Store) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if s.postgres {
		return riverdatabasesql.New(s.sqlDB)
	}
	return riversqlite.New(s.sqlDB)
}

// migrateRiver applies River's own schema through River's migrator, so
// that a River upgrade brings its schema changes with it instead of a
// copy of River's SQL in our migrations.
func (s *Store) migrateRiver(ctx context.Context) ([]string, error) {
	m, err := rivermigrate.New(s.RiverDriver(), nil)
	if err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("river migrate: %w", translate(err))
	}
	var applied []string
	for _, v := range res.Versions {
		applied = append(applied, fmt.Sprintf("river/%03d_%s", v.Version, v.Name))
	}
	return applied, nil
}

// SQLTx returns the database/sql transaction that ctx carries (from
// InTx), or nil outside one; River inserts jobs through it.
func SQLTx(ctx context.Context) *sql.Tx {
	tx, ok := ctx.Value(txKey{}).(*gorm.DB)
	if !ok {
		// An idempotent create's transaction, begun at its first write.
		if l := pendingCreate(ctx); l != nil && l.tx != nil {
			tx, ok = l.tx, true
		}
	}
	if !ok {
		return nil
	}
	sqlTx, _ := tx.Statement.ConnPool.(*sql.Tx)
	return sqlTx
}
