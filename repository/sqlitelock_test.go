package repository_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // the raw driver, to hold a lock behind the store's back
	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestSecondProcessOnSQLiteIsRefused: a second store on the same SQLite
// file is refused at open with a message that says why; once the first
// closes, the file opens again. A URL that is no database is a clear error.
func TestSecondProcessOnSQLiteIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	first, err := repository.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := repository.Open(path); err == nil || !strings.Contains(err.Error(), "in use by another helpdesk process") {
		t.Fatalf("second open: got %v, want a refusal naming the other process", err)
	}
	first.Close()
	again, err := repository.Open(path)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	again.Close()
	for _, bad := range []string{"mysql://user:secret@db/helpdesk", filepath.Join(t.TempDir(), "missing", "h.db")} {
		_, err := repository.Open(bad)
		if err == nil || strings.Contains(err.Error(), "out of memory") || strings.Contains(err.Error(), "secret") {
			t.Errorf("open %q: got %v, want a clear error that hides the password", bad, err)
		}
	}
}

// TestSQLiteBusyIs503: when another connection holds SQLite's write lock
// past the busy timeout, a write is a 503 with Retry-After, not a 500.
func TestSQLiteBusyIs503(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 5 s busy timeout")
	}
	path := filepath.Join(t.TempDir(), "h.db")
	store, err := repository.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	if _, err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u, _ := api.NewUser("admin", "a-long-enough-password", domain.RoleAdmin, 0, "", bcrypt.MinCost, time.Now())
	if _, err := store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{JWTSecret: []byte("sqlite-busy-test-key-of-32-bytes"), PasswordCost: bcrypt.MinCost}, store)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK") //nolint:errcheck
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/token", strings.NewReader(`{"username":"admin","password":"wrong-password-here"}`))
	req.Header.Set("Content-Type", "application/json")
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("got %d (Retry-After %q) %s, want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
}

// TestEmptyDatabaseURLIsRefused: an empty URL is a clear error, not a
// SQLite file named after the connection parameters.
func TestEmptyDatabaseURLIsRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := repository.Open(" "); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("got %v, want an error saying the URL is empty", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("got %d files created, want none", len(entries))
	}
}

// TestSQLiteReadsDoNotWaitForTheWriter: while a long transaction holds
// SQLite's one writer (an import, say), reads and the readiness ping are
// answered from the read pool and see what was committed before it; the
// transaction's own writes appear once it commits.
func TestSQLiteReadsDoNotWaitForTheWriter(t *testing.T) {
	s := repotest.SQLite(t)
	tk := openTicket(t, s, time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC))
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- s.InTx(ctx, func(ctx context.Context) error {
			if _, _, err := s.UpdateTicket(ctx, tk.ID, func(t *domain.Ticket) (domain.Event, error) {
				t.Subject = "Stampante guasta"
				t.Version++
				return domain.Event{TicketID: t.ID, Action: domain.ActionNote, At: time.Now(), Body: "nota"}, nil
			}); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	quick, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.Ping(quick); err != nil {
		t.Errorf("ping while the writer is held: %v", err)
	}
	got, err := s.GetTicket(quick, tk.ID)
	if err != nil || got.Subject != "Stampante" {
		t.Errorf("read while the writer is held: %q, %v; want the committed subject at once", got.Subject, err)
	}
	if _, err := s.ListTickets(quick, domain.TicketFilter{Limit: 10}); err != nil {
		t.Errorf("list while the writer is held: %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetTicket(ctx, tk.ID); err != nil || got.Subject != "Stampante guasta" {
		t.Errorf("after commit: %q, %v", got.Subject, err)
	}
}
