package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// readerStmts keeps the hot reads' statements prepared on each connection
// of SQLite's read pool. The SQLite driver (glebarez/go-sqlite) prepares
// every query again on every call, even through a *sql.Stmt; for a ticket
// get, compiling the join of ticket and clocks cost more CPU than running
// it (BENCHMARKS.md, issue 14, SQLite). Here a statement is compiled once
// per reader connection and then only reset, bound and stepped.
//
// It reaches the driver's connection handle through (*sql.Conn).Raw: the
// driver's conn begins with the sqlite3* and its libc TLS. newReaderStmts
// checks that layout by reflection and returns nil when it does not hold
// (a driver upgrade), and the store then reads through database/sql as
// before; TestSQLiteReaderStatementsAreUsed fails in that case, so an
// upgrade that loses the fast path is seen.
type readerStmts struct {
	db     *sql.DB
	conn   reflect.Type // the driver connection's type, its layout checked once by connHead
	mu     sync.Mutex
	byConn map[uintptr]map[string]*readerStmt // key: the sqlite3* of the connection
}

type readerStmt struct {
	p        uintptr // sqlite3_stmt*
	timeCols []bool  // columns declared DATE, DATETIME or TIMESTAMP, read as time.Time like the driver does
}

// driverConnHead mirrors the first fields of glebarez/go-sqlite's conn.
type driverConnHead struct {
	db  uintptr
	tls *libc.TLS
}

// newReaderStmts returns the statement cache of the read pool, or nil when
// the driver's connection does not have the expected layout.
func newReaderStmts(ctx context.Context, db *sql.DB) (*readerStmts, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	ok := false
	var conn reflect.Type
	err = c.Raw(func(dc any) error {
		_, ok = connHead(dc)
		conn = reflect.TypeOf(dc)
		return nil
	})
	if err != nil || !ok {
		return nil, err
	}
	return &readerStmts{db: db, conn: conn, byConn: map[uintptr]map[string]*readerStmt{}}, nil
}

// connHead returns the handle and TLS of a driver connection when it is
// glebarez/go-sqlite's *conn with db and tls as its first two fields.
func connHead(dc any) (*driverConnHead, bool) {
	t := reflect.TypeOf(dc)
	if t == nil || t.Kind() != reflect.Pointer || t.String() != "*sqlite.conn" || t.Elem().Kind() != reflect.Struct {
		return nil, false
	}
	e := t.Elem()
	if !strings.HasSuffix(e.PkgPath(), "glebarez/go-sqlite") || e.NumField() < 2 {
		return nil, false
	}
	f0, f1 := e.Field(0), e.Field(1)
	if f0.Name != "db" || f0.Type.Kind() != reflect.Uintptr || f0.Offset != 0 ||
		f1.Name != "tls" || f1.Type != reflect.TypeFor[*libc.TLS]() || f1.Offset != unsafe.Offsetof(driverConnHead{}.tls) {
		return nil, false
	}
	h := (*driverConnHead)(reflect.ValueOf(dc).UnsafePointer())
	return h, h.db != 0 && h.tls != nil
}

// query runs query with args on one reader connection, handing fn the
// rows; fn must not keep them.
func (r *readerStmts) query(ctx context.Context, query string, args []int64, fn func(rows rowScanner) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c, err := r.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(dc any) error {
		if reflect.TypeOf(dc) != r.conn {
			return errors.New("sqlite: the read pool's connection is not the expected driver's")
		}
		h := (*driverConnHead)(reflect.ValueOf(dc).UnsafePointer())
		if h.db == 0 || h.tls == nil {
			return errors.New("sqlite: the read pool's connection is closed")
		}
		st, err := r.prepared(h, query)
		if err != nil {
			return err
		}
		defer func() {
			sqlite3.Xsqlite3_reset(h.tls, st.p)
			sqlite3.Xsqlite3_clear_bindings(h.tls, st.p)
		}()
		for i, a := range args {
			if rc := sqlite3.Xsqlite3_bind_int64(h.tls, st.p, int32(i+1), a); rc != sqlite3.SQLITE_OK {
				return sqliteErr(h, rc)
			}
		}
		return fn(&stmtRows{h: h, st: st})
	})
}

// prepared returns query compiled on the connection h, compiling it the
// first time.
func (r *readerStmts) prepared(h *driverConnHead, query string) (*readerStmt, error) {
	r.mu.Lock()
	st := r.byConn[h.db][query]
	r.mu.Unlock()
	if st != nil {
		return st, nil
	}
	zSQL, err := libc.CString(query)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(h.tls, zSQL)
	pp := libc.Xmalloc(h.tls, libc.Tsize_t(unsafe.Sizeof(uintptr(0))))
	if pp == 0 {
		return nil, errors.New("sqlite: out of memory")
	}
	defer libc.Xfree(h.tls, pp)
	rc := sqlite3.Xsqlite3_prepare_v3(h.tls, h.db, zSQL, -1, sqlite3.SQLITE_PREPARE_PERSISTENT, pp, 0)
	if rc != sqlite3.SQLITE_OK {
		return nil, sqliteErr(h, rc)
	}
	st = &readerStmt{p: libc.AtomicLoadPUintptr(pp)}
	if st.p == 0 {
		return nil, errors.New("sqlite: empty statement")
	}
	n := int(sqlite3.Xsqlite3_column_count(h.tls, st.p))
	st.timeCols = make([]bool, n)
	for i := range n {
		switch strings.ToUpper(libc.GoString(sqlite3.Xsqlite3_column_decltype(h.tls, st.p, int32(i)))) {
		case "DATE", "DATETIME", "TIMESTAMP":
			st.timeCols[i] = true
		}
	}
	r.mu.Lock()
	if r.byConn[h.db] == nil {
		r.byConn[h.db] = map[string]*readerStmt{}
	}
	r.byConn[h.db][query] = st
	r.mu.Unlock()
	return st, nil
}

// close finalizes every cached statement; the read pool's connections
// close after it (sqlite3_close_v2 waits for statements still open).
func (r *readerStmts) close() {
	if r == nil {
		return
	}
	tls := libc.NewTLS()
	defer tls.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	for db, m := range r.byConn {
		for _, st := range m {
			sqlite3.Xsqlite3_finalize(tls, st.p)
		}
		delete(r.byConn, db)
	}
}

// sqliteErr describes a result code as the driver does, so that busy()
// recognises SQLITE_BUSY and SQLITE_LOCKED.
func sqliteErr(h *driverConnHead, rc int32) error {
	msg := libc.GoString(sqlite3.Xsqlite3_errmsg(h.tls, h.db))
	switch rc & 0xff {
	case sqlite3.SQLITE_BUSY:
		return fmt.Errorf("sqlite: %s (%d) (SQLITE_BUSY)", msg, rc)
	case sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("sqlite: %s (%d) (SQLITE_LOCKED)", msg, rc)
	}
	return fmt.Errorf("sqlite: %s (%d)", msg, rc)
}

// rowScanner is what the hot reads need of *sql.Rows.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// stmtRows steps a cached statement; Scan converts values as the driver
// and database/sql would for the destinations the stores use.
type stmtRows struct {
	h   *driverConnHead
	st  *readerStmt
	err error
}

func (r *stmtRows) Next() bool {
	if r.err != nil {
		return false
	}
	switch rc := sqlite3.Xsqlite3_step(r.h.tls, r.st.p); rc {
	case sqlite3.SQLITE_ROW:
		return true
	case sqlite3.SQLITE_DONE:
		return false
	default:
		r.err = sqliteErr(r.h, rc)
		return false
	}
}

func (r *stmtRows) Err() error { return r.err }

func (r *stmtRows) Scan(dest ...any) error {
	if len(dest) != len(r.st.timeCols) {
		return fmt.Errorf("sqlite: Scan: %d destinations for %d columns", len(dest), len(r.st.timeCols))
	}
	for i, d := range dest {
		if err := r.scanColumn(i, d); err != nil {
			return fmt.Errorf("sqlite: Scan column %d: %w", i, err)
		}
	}
	return nil
}

func (r *stmtRows) scanColumn(i int, dest any) error {
	tls, p, col := r.h.tls, r.st.p, int32(i)
	ct := sqlite3.Xsqlite3_column_type(tls, p, col)
	if ct == sqlite3.SQLITE_NULL {
		switch d := dest.(type) {
		case **int64:
			*d = nil
		case **string:
			*d = nil
		case **time.Time:
			*d = nil
		default:
			return fmt.Errorf("NULL into %T", dest)
		}
		return nil
	}
	switch ct {
	case sqlite3.SQLITE_INTEGER:
		v := sqlite3.Xsqlite3_column_int64(tls, p, col)
		switch d := dest.(type) {
		case *int64:
			*d = v
		case **int64:
			*d = &v
		case *int:
			*d = int(v)
		case *bool:
			*d = v != 0
		default:
			return fmt.Errorf("integer into %T", dest)
		}
		return nil
	case sqlite3.SQLITE_TEXT:
		s := ""
		// column_text before column_bytes, as SQLite asks.
		if z := sqlite3.Xsqlite3_column_text(tls, p, col); z != 0 {
			if n := sqlite3.Xsqlite3_column_bytes(tls, p, col); n > 0 {
				s = string(libc.GoBytes(z, int(n)))
			}
		}
		if r.st.timeCols[i] {
			t, ok := parseSQLiteTime(s)
			if !ok {
				return fmt.Errorf("text %q is not a time", s)
			}
			switch d := dest.(type) {
			case *time.Time:
				*d = t
			case **time.Time:
				*d = &t
			default:
				return fmt.Errorf("time into %T", dest)
			}
			return nil
		}
		switch d := dest.(type) {
		case *string:
			*d = s
		case **string:
			*d = &s
		default:
			return fmt.Errorf("text into %T", dest)
		}
		return nil
	}
	return fmt.Errorf("column type %d into %T", ct, dest)
}

// sqliteTimeFormats are the driver's (glebarez/go-sqlite) formats for
// reading a DATETIME column's text, in its order; it writes the first.
var sqliteTimeFormats = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseSQLiteTime reads a DATETIME column's text as the driver does: the
// form time.Time.String writes, else the formats above, in UTC.
func parseSQLiteTime(s string) (time.Time, bool) {
	// What the driver writes, first: the other forms cannot match it.
	if t, err := time.ParseInLocation(sqliteTimeFormats[0], s, time.UTC); err == nil {
		return t, true
	}
	st := s
	if x := strings.Index(st, "m="); x > 0 {
		st = st[:x]
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(st)); err == nil {
		return t, true
	}
	ts := strings.TrimSuffix(s, "Z")
	for _, f := range sqliteTimeFormats {
		if t, err := time.ParseInLocation(f, ts, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
