// Package repotest gives each test its own freshly migrated database, so
// test packages and parallel tests never share state.
//
// SQLite always runs. PostgreSQL runs when HELPDESK_TEST_POSTGRES_URL names
// a server where the role may CREATE DATABASE; with
// HELPDESK_TEST_REQUIRE_POSTGRES=1 (CI) a missing URL fails the test
// instead of skipping it.
package repotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cst-firenze/helpdesk/repository"
)

// Each runs fn as a parallel subtest on every available database.
func Each(t *testing.T, fn func(t *testing.T, s *repository.Store)) {
	t.Helper()
	for _, d := range []struct {
		name string
		open func(testing.TB) *repository.Store
	}{{"sqlite", SQLite}, {"postgres", Postgres}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			fn(t, d.open(t))
		})
	}
}

// SQLite returns a store on a new SQLite file in the test's temp dir.
func SQLite(tb testing.TB) *repository.Store {
	tb.Helper()
	return openMigrated(tb, filepath.Join(tb.TempDir(), "helpdesk.db"))
}

// Postgres returns a store on a new PostgreSQL database, dropped at the
// end of the test.
func Postgres(tb testing.TB) *repository.Store {
	tb.Helper()
	return openMigrated(tb, PostgresURL(tb))
}

// PostgresURL creates a new PostgreSQL database, dropped at the end of the
// test, and returns its URL, for tests that open it twice (two server
// processes on one database).
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	admin := os.Getenv("HELPDESK_TEST_POSTGRES_URL")
	if admin == "" {
		if os.Getenv("HELPDESK_TEST_REQUIRE_POSTGRES") == "1" {
			tb.Fatal("HELPDESK_TEST_REQUIRE_POSTGRES=1 but HELPDESK_TEST_POSTGRES_URL is not set")
		}
		tb.Skip("HELPDESK_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connect to %s: %v", redact(admin), err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "helpdesk_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, admin); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open opens a second store on a database another store migrated.
func Open(tb testing.TB, dsn string) *repository.Store {
	tb.Helper()
	s, err := repository.Open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func openMigrated(tb testing.TB, dsn string) *repository.Store {
	tb.Helper()
	s := Open(tb, dsn)
	if _, err := s.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return s
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the database URL"
	}
	return u.Redacted()
}
