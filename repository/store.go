// Package repository keeps the help desk's state in PostgreSQL (production)
// or SQLite (the zero-setup default) through GORM. Row structs stay here;
// callers see domain types only. Driver errors become domain errors at this
// edge.
package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/migrations"
)

// Store is the GORM-backed store of every aggregate.
type Store struct {
	db       *gorm.DB
	sqlDB    *sql.DB      // PostgreSQL: the pool; SQLite: the one writer connection
	readDB   *sql.DB      // SQLite on a file: the read pool (nil otherwise)
	stmts    *readerStmts // SQLite's read pool: the hot reads' statements, compiled once per connection (nil: database/sql)
	postgres bool
	refs     refCache
	sessions sessionCache
	lock     *os.File // SQLite only: held while the store is open
	outbox   Outbox   // takes the notices of each change in its transaction
}

// Dialect returns "postgres" or "sqlite".
func (s *Store) Dialect() string {
	if s.postgres {
		return "postgres"
	}
	return "sqlite"
}

// IsPostgresURL reports whether a database URL names PostgreSQL; anything
// else is taken as a SQLite file path.
func IsPostgresURL(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open connects to the database named by url without migrating it.
func Open(url string) (*Store, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // every write we make is already in an explicit transaction or single-statement
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		// No ping inside Open: a PostgreSQL still starting is the caller's
		// to wait for (cmd retries for a minute), not a failed start.
		DisableAutomaticPing: true,
	}
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("open database: the database URL is empty; give a SQLite file path or a postgres:// URL")
	}
	s := &Store{postgres: IsPostgresURL(url)}
	var dialector gorm.Dialector
	if s.postgres {
		dialector = postgres.Open(url)
	} else {
		lock, err := lockSQLite(url)
		if err != nil {
			return nil, err
		}
		s.lock = lock
		dialector = sqlite.Open(sqliteDSN(url))
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		s.unlock()
		return nil, fmt.Errorf("open database: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if s.postgres {
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		// SQLite allows one writer; a single connection serialises
		// transactions instead of failing them with SQLITE_BUSY, and
		// _txlock=immediate takes the write lock at BEGIN, so a transaction
		// never fails halfway when it first writes.
		sqlDB.SetMaxOpenConns(1)
	}
	s.db, s.sqlDB = db, sqlDB
	if !s.postgres && !sqliteInMemory(url) {
		if err := s.openReadPool(url); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// sqliteReaders is the size of SQLite's read pool. WAL lets readers run
// beside the writer and each other, each on its own snapshot. Each has a
// page cache of 1 MiB (cache_size -1024) outside the Go heap, so that the
// pool adds little to the resident size: the OS caches the file anyway.
const sqliteReaders = 4

// openReadPool gives SQLite reads their own connections (query_only, so a
// write routed there by mistake fails loudly), so that a long import or
// report holding the writer does not block gets, lists and /readyz. The
// writer connects first: it puts the file in WAL mode, which readers need.
func (s *Store) openReadPool(url string) error {
	if err := s.sqlDB.Ping(); err != nil {
		return fmt.Errorf("open database: %w", translate(err))
	}
	r, err := sql.Open(sqlite.DriverName, sqliteReadDSN(url))
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	r.SetMaxOpenConns(sqliteReaders)
	r.SetMaxIdleConns(sqliteReaders)
	s.readDB = r
	if s.stmts, err = newReaderStmts(context.Background(), r); err != nil {
		return fmt.Errorf("open database: %w", translate(err))
	}
	// Reads outside a transaction (GORM's Query and Row callbacks: Find,
	// Take, Count, Raw(...).Scan) go to the read pool; in a transaction,
	// Statement.ConnPool is the *sql.Tx and stays. Writes keep the writer.
	route := func(db *gorm.DB) {
		if db.Statement.ConnPool == s.sqlDB {
			db.Statement.ConnPool = s.readDB
		}
	}
	if err := s.db.Callback().Query().Before("gorm:query").Register("helpdesk:read_pool", route); err != nil {
		return err
	}
	return s.db.Callback().Row().Before("gorm:row").Register("helpdesk:read_pool", route)
}

// sqliteInMemory reports whether a SQLite URL names an in-memory database,
// which exists per connection and so cannot have a read pool.
func sqliteInMemory(url string) bool {
	path, _, _ := strings.Cut(strings.TrimPrefix(url, "file:"), "?")
	return path == "" || strings.HasPrefix(path, ":memory:") || strings.Contains(url, "mode=memory")
}

func sqliteDSN(path string) string {
	return withParams(path, "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
}

func sqliteReadDSN(path string) string {
	return withParams(path, "_pragma=busy_timeout(5000)&_pragma=query_only(1)&_pragma=cache_size(-1024)")
}

func withParams(path, params string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + params
}

// Migrate applies the embedded migrations of the store's dialect.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	d := goose.DialectSQLite3
	if s.postgres {
		d = goose.DialectPostgres
	}
	p, err := goose.NewProvider(d, s.sqlDB, migrations.For(s.Dialect()))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var applied []string
	for _, r := range res {
		applied = append(applied, r.Source.Path)
	}
	river, err := s.migrateRiver(ctx)
	return append(applied, river...), err
}

// Close closes the connection pool and releases the SQLite lock.
func (s *Store) Close() error {
	err := s.sqlDB.Close()
	s.stmts.close()
	if s.readDB != nil {
		err = errors.Join(err, s.readDB.Close())
	}
	s.unlock()
	return err
}

func (s *Store) unlock() {
	if s.lock != nil {
		s.lock.Close() // closing the file releases the flock
		s.lock = nil
	}
}

// Ping checks that the database answers; on SQLite it asks the read pool,
// so readiness does not wait behind a long write.
func (s *Store) Ping(ctx context.Context) error {
	if s.readDB != nil {
		return translate(s.readDB.PingContext(ctx))
	}
	return translate(s.sqlDB.PingContext(ctx))
}

type txKey struct{}

// conn returns the transaction carried by ctx, or the pool bound to ctx.
func (s *Store) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx
	}
	if l := pendingCreate(ctx); l != nil {
		return l.begin()
	}
	return s.db.WithContext(ctx)
}

// InTx runs fn in one transaction; the store's methods called with the
// context fn receives join it.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	if l := pendingCreate(ctx); l != nil {
		if tx := l.begin(); tx.Error != nil {
			return translate(tx.Error)
		}
		return fn(ctx)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
	return translate(err)
}

// forUpdate locks the selected rows until the transaction ends. SQLite
// has no row locks; its single connection serialises writers instead.
func (s *Store) forUpdate(db *gorm.DB) *gorm.DB {
	if s.postgres {
		return db.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return db
}

// translate turns driver errors into domain errors: not found, conflicts,
// and an unreachable database (unavailable). Domain errors pass through.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return &domain.Error{Code: domain.CodeNotFound, Message: "not found", Err: err}
	case errors.Is(err, gorm.ErrDuplicatedKey), pgCode(err) == "23505":
		return &domain.Error{Code: domain.CodeConflict, Message: "it already exists", Err: err}
	case errors.Is(err, gorm.ErrForeignKeyViolated), pgCode(err) == "23503":
		return &domain.Error{Code: domain.CodeUnprocessable, Message: "it refers to something that does not exist", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return &domain.Error{Code: domain.CodeUnavailable, Message: "the request was cancelled or timed out", Err: err}
	case busy(err):
		return &domain.Error{Code: domain.CodeUnavailable, Message: "the database is busy; try again in a moment", Err: err}
	case unreachable(err):
		return &domain.Error{Code: domain.CodeUnavailable, Message: "the database is unavailable", Err: err}
	}
	return err
}

// pgCode is the SQLSTATE of a PostgreSQL error that did not pass through
// GORM's translation (pgx run directly, or an error met while reading
// rows), or "".
func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// busy reports whether SQLite gave up waiting for its write lock
// (SQLITE_BUSY, SQLITE_LOCKED): a moment later the request will pass.
func busy(err error) bool {
	m := err.Error()
	return strings.Contains(m, "SQLITE_BUSY") || strings.Contains(m, "SQLITE_LOCKED") || strings.Contains(m, "database is locked")
}

// unreachable reports whether err means the database could not be reached,
// as opposed to a query it refused.
func unreachable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is connection exceptions, 57P is operator intervention
		// (shutdown, crash recovery).
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P")
	}
	var netErr net.Error
	var connErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, sql.ErrConnDone) || pgconn.SafeToRetry(err) ||
		strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "failed to connect")
}

// keyset reads one page of a list ordered by (col, id), newest first
// unless asc, after the cursor. The position is a row comparison
// (col, id) < (?, ?), which both databases answer from the (col, id)
// index, so a page deep in the list costs what the first one does. limit
// outside 1..100 is 100; at returns a row's col value.
func keyset[R any](q *gorm.DB, col string, asc bool, after *domain.Cursor, limit int, at func(R) (time.Time, int64)) (rows []R, next *domain.Cursor, err error) {
	op, dir := "<", " DESC"
	if asc {
		op, dir = ">", " ASC"
	}
	if after != nil {
		q = q.Where("("+col+", id) "+op+" (?, ?)", utc(after.At), after.ID)
	}
	if limit < 1 || limit > 100 {
		limit = 100
	}
	if err := q.Order(col + dir + ", id" + dir).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	if len(rows) > limit {
		rows = rows[:limit]
		t, id := at(rows[limit-1])
		next = &domain.Cursor{At: t.UTC(), ID: id}
	}
	return rows, next, nil
}

// missing translates err, answering ifMissing when the row was not found,
// so that the answer names what was looked for.
func missing(err, ifMissing error) error {
	if err = translate(err); errors.Is(err, domain.ErrNotFound) {
		return ifMissing
	}
	return err
}

// notFound is a not-found error that names what was looked for.
func notFound(format string, args ...any) error {
	return domain.Errorf(domain.CodeNotFound, format, args...)
}
