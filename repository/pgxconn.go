package repository

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// withPgx runs fn on the pgx connection under one of the pool's
// connections, for what database/sql cannot do (COPY) or does at a
// measured cost on a hot path: scanning through database/sql converts
// every column of every row (convertAssign) on top of pgx's own decoding.
func withPgx(ctx context.Context, conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		return fn(c.Conn())
	})
}

// pgQuery reads the rows of q on a connection of the pool through pgx
// itself; scan reads them before the connection goes back.
func (s *Store) pgQuery(ctx context.Context, q string, args []any, scan func(pgx.Rows) error) error {
	conn, err := s.sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return withPgx(ctx, conn, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		if err := scan(rows); err != nil {
			return err
		}
		rows.Close()
		return rows.Err()
	})
}
