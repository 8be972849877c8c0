package repository_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestSessionVersionCache: two processes (stores) on one PostgreSQL
// database. A process answers from its cache within the TTL (so the hot
// path costs no query), drops the entry at once when it changes the user
// itself, and sees another process's change once the TTL has passed.
func TestSessionVersionCache(t *testing.T) {
	url := repotest.PostgresURL(t)
	a := repotest.Open(t, url)
	ctx := context.Background()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := repotest.Open(t, url)
	u, err := api.NewUser("operatore", "a-long-enough-password", domain.RoleOperator, 1, "", bcrypt.MinCost, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if u, err = a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	version := func(s interface {
		SessionVersion(context.Context, int64) (int, error)
	}) int {
		t.Helper()
		v, err := s.SessionVersion(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := version(a); got != 1 {
		t.Fatalf("new user: got session version %d, want 1", got)
	}
	start := time.Now()
	if err := b.RevokeSessions(ctx, u.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := version(b); got != 2 {
		t.Errorf("the revoking process: got %d, want 2 at once", got)
	}
	if got := version(a); got != 1 && time.Since(start) < domain.SessionCacheTTL {
		t.Errorf("the other process within the TTL: got %d, want the cached 1 (no query)", got)
	}
	time.Sleep(domain.SessionCacheTTL)
	if got := version(a); got != 2 {
		t.Errorf("the other process after the TTL: got %d, want 2", got)
	}
	if _, err := a.SessionVersion(ctx, 999999); err == nil || domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("a missing user: got %v, want not found", err)
	}
}
