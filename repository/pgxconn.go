package repository

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

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

// pgQuery reads the rows of q ($n placeholders) on a connection of pool
// through pgx itself; scan reads them before the connection goes back.
func pgQuery(ctx context.Context, pool *sql.DB, q string, args []any, scan func(pgx.Rows) error) error {
	conn, err := pool.Conn(ctx)
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

// pgPlaceholders numbers the ? placeholders of q as PostgreSQL's $1, $2…
// (what GORM does for its statements). The repository's SQL has no ? in
// a literal or an operator.
func pgPlaceholders(q string) string {
	n := strings.Count(q, "?")
	if n == 0 {
		return q
	}
	b := make([]byte, 0, len(q)+2*n)
	i := 0
	for j := 0; j < len(q); j++ {
		if q[j] == '?' {
			i++
			b = append(b, '$')
			b = strconv.AppendInt(b, int64(i), 10)
			continue
		}
		b = append(b, q[j])
	}
	return string(b)
}
