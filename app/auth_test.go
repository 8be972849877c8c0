package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// authMem is an in-memory AuthStore: storage only, as the repository is,
// so these tests show that the session rules are app.Auth's.
type authMem struct {
	users     map[int64]domain.User
	tokens    map[string]*domain.RefreshToken // by hash
	throttles map[string]domain.LoginThrottle
	nextID    int64
}

func newAuthMem(users ...domain.User) *authMem {
	m := &authMem{users: map[int64]domain.User{}, tokens: map[string]*domain.RefreshToken{}, throttles: map[string]domain.LoginThrottle{}}
	for _, u := range users {
		m.users[u.ID] = u
	}
	return m
}

func (m *authMem) InTx(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }
func (m *authMem) UserByUsername(_ context.Context, name string) (domain.User, error) {
	for _, u := range m.users {
		if u.Username == name {
			return u, nil
		}
	}
	return domain.User{}, domain.ErrNotFound
}
func (m *authMem) GetUser(_ context.Context, id int64) (domain.User, error) {
	if u, ok := m.users[id]; ok {
		return u, nil
	}
	return domain.User{}, domain.ErrNotFound
}
func (m *authMem) CreateRefreshToken(_ context.Context, userID int64, family string, hash []byte, _, expires time.Time) error {
	m.nextID++
	m.tokens[string(hash)] = &domain.RefreshToken{ID: m.nextID, UserID: userID, Family: family, ExpiresAt: expires}
	return nil
}
func (m *authMem) RefreshToken(_ context.Context, hash []byte, _ bool) (domain.RefreshToken, error) {
	if t, ok := m.tokens[string(hash)]; ok {
		return *t, nil
	}
	return domain.RefreshToken{}, domain.ErrNotFound
}
func (m *authMem) SpendRefreshToken(_ context.Context, id int64, now time.Time) error {
	for _, t := range m.tokens {
		if t.ID == id {
			t.UsedAt = &now
		}
	}
	return nil
}
func (m *authMem) RevokeRefreshFamily(_ context.Context, family string, now time.Time) error {
	for _, t := range m.tokens {
		if t.Family == family && t.RevokedAt == nil {
			t.RevokedAt = &now
		}
	}
	return nil
}
func (m *authMem) RevokeSessions(_ context.Context, userID int64, now time.Time) error {
	for _, t := range m.tokens {
		if t.UserID == userID && t.RevokedAt == nil {
			t.RevokedAt = &now
		}
	}
	return nil
}
func (m *authMem) LoginThrottles(_ context.Context, keys ...string) ([]domain.LoginThrottle, error) {
	var out []domain.LoginThrottle
	for _, k := range keys {
		if t, ok := m.throttles[k]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}
func (m *authMem) UpdateLoginThrottle(_ context.Context, key string, _ time.Time, fn func(*domain.LoginThrottle)) error {
	t, ok := m.throttles[key]
	if !ok {
		t = domain.LoginThrottle{Key: key}
	}
	fn(&t)
	m.throttles[key] = t
	return nil
}
func (m *authMem) ClearLoginThrottle(_ context.Context, key string) error {
	delete(m.throttles, key)
	return nil
}

type authFixture struct {
	store *authMem
	auth  *app.Auth
	now   time.Time
}

func newAuthFixture() *authFixture {
	f := &authFixture{now: time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)}
	f.store = newAuthMem(domain.User{ID: 1, Username: "rossi", PasswordHash: "pw-ok", Active: true})
	f.auth = app.NewAuth(f.store, func() time.Time { return f.now }, app.AuthConfig{
		RefreshTTL: time.Hour, DummyHash: "dummy", SessionKey: []byte("0123456789abcdef0123456789abcdef"),
		Check: func(hash, pw string) bool { return hash == "pw-"+pw },
	})
	return f
}

func wantUnauthenticated(t *testing.T, what string, err error) {
	t.Helper()
	if domain.ErrorCode(err) != domain.CodeUnauthenticated {
		t.Errorf("%s: got %v, want unauthenticated", what, err)
	}
}

func TestRefreshReuseAndGrace(t *testing.T) {
	f := newAuthFixture()
	ctx := context.Background()
	_, first, err := f.auth.Login(ctx, "rossi", "ok", "192.0.2.1")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	_, second, err := f.auth.Refresh(ctx, first)
	if err != nil || second == first {
		t.Fatalf("refresh: got %q, %v; want a new token", second, err)
	}
	f.now = f.now.Add(domain.RefreshGrace)
	if _, again, err := f.auth.Refresh(ctx, first); err != nil || again != second {
		t.Errorf("the predecessor within the grace: got %q, %v; want the same successor %q", again, err, second)
	}
	f.now = f.now.Add(time.Microsecond)
	_, _, err = f.auth.Refresh(ctx, first)
	wantUnauthenticated(t, "the predecessor after the grace", err)
	_, _, err = f.auth.Refresh(ctx, second)
	wantUnauthenticated(t, "the successor once the family is revoked for reuse", err)
	_, _, err = f.auth.Refresh(ctx, "rt_never-issued")
	wantUnauthenticated(t, "a token never issued", err)
}

// Within the grace, a predecessor whose successor was itself rotated is
// reuse, not a second tab.
func TestRefreshPredecessorOfASpentSuccessorIsReuse(t *testing.T) {
	f := newAuthFixture()
	ctx := context.Background()
	_, first, _ := f.auth.Login(ctx, "rossi", "ok", "192.0.2.1")
	_, second, _ := f.auth.Refresh(ctx, first)
	if _, _, err := f.auth.Refresh(ctx, second); err != nil {
		t.Fatalf("rotate the successor: %v", err)
	}
	_, _, err := f.auth.Refresh(ctx, first)
	wantUnauthenticated(t, "the predecessor of a spent successor", err)
	for h, tok := range f.store.tokens {
		if tok.RevokedAt == nil {
			t.Errorf("token %x of the reused family is not revoked", h)
		}
	}
}

func TestRefreshOfADisabledUser(t *testing.T) {
	f := newAuthFixture()
	ctx := context.Background()
	_, tok, _ := f.auth.Login(ctx, "rossi", "ok", "192.0.2.1")
	u := f.store.users[1]
	u.Active = false
	f.store.users[1] = u
	_, _, err := f.auth.Refresh(ctx, tok)
	wantUnauthenticated(t, "a disabled user's refresh", err)
	if _, _, err := f.auth.Login(ctx, "rossi", "ok", "192.0.2.1"); !errors.Is(err, app.ErrWrongCredentials) {
		t.Errorf("a disabled user's login: got %v, want %v", err, app.ErrWrongCredentials)
	}
}

func TestLoginThrottleIsAuths(t *testing.T) {
	f := newAuthFixture()
	ctx := context.Background()
	for i := 0; i <= domain.PairFreeFailures; i++ { // the free failures, then one that sets a delay
		if _, _, err := f.auth.Login(ctx, "rossi", "wrong", "192.0.2.1"); !errors.Is(err, app.ErrWrongCredentials) {
			t.Fatalf("failure %d: got %v, want %v", i+1, err, app.ErrWrongCredentials)
		}
	}
	_, _, err := f.auth.Login(ctx, "Rossi", "ok", "192.0.2.1")
	var delayed *app.LoginDelayed
	if !errors.As(err, &delayed) || delayed.Seconds < 1 || domain.ErrorCode(err) != domain.CodeTooManyRequests {
		t.Fatalf("the right password while delayed: got %v, want a LoginDelayed of at least 1 s", err)
	}
	if _, _, err := f.auth.Login(ctx, "rossi", "ok", "198.51.100.7"); err != nil {
		t.Errorf("the owner from another address: got %v, want a login", err)
	}
	f.now = f.now.Add(time.Duration(delayed.Seconds) * time.Second)
	if _, _, err := f.auth.Login(ctx, "rossi", "ok", "192.0.2.1"); err != nil {
		t.Errorf("after the wait: got %v, want a login", err)
	}
	if len(f.store.throttles) != 1 {
		t.Errorf("after a login: got throttles %v, want only the address's left", f.store.throttles)
	}
}
