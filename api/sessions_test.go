package api_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// secSession is one login: its access and refresh tokens.
type secSession struct{ access, refresh string }

func (e *secEnv) session(tb testing.TB, username string) secSession {
	tb.Helper()
	r := e.do(tb, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": username, "password": secPassword}).want(tb, http.StatusOK)
	return secSession{access: r.str(tb, "access_token"), refresh: r.str(tb, "refresh_token")}
}

// wantEnded checks that neither token of the session works any more.
func (e *secEnv) wantEnded(tb testing.TB, what string, s secSession) {
	tb.Helper()
	for _, path := range []string{"/api/v1/me", "/api/v1/tickets", "/api/v1/enti"} {
		if msg := e.do(tb, http.MethodGet, path, s.access, nil).problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
			tb.Errorf("%s: old access token on %s: %s", what, path, msg)
		}
	}
	if msg := e.do(tb, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": s.refresh}).problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
		tb.Errorf("%s: old refresh token: %s", what, msg)
	}
}

func (e *secEnv) wantAlive(tb testing.TB, what string, s secSession) {
	tb.Helper()
	if r := e.do(tb, http.MethodGet, "/api/v1/me", s.access, nil); r.Status != http.StatusOK {
		tb.Errorf("%s: access token: got %s, want 200", what, r)
	}
}

// TestSessionsEndOnUserChange: a password change, a deactivation, and a
// change of role, ente or level end every access and refresh token of the
// user at once; a change that grants nothing new (re-activating an active
// user) leaves them working, and so does a change to another user.
func TestSessionsEndOnUserChange(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		cases := []struct {
			name  string
			role  domain.Role
			level domain.Level
			ente  string
			patch map[string]any
			ends  bool
		}{
			{"password", domain.RoleOperator, 1, "", map[string]any{"password": "a-brand-new-password"}, true},
			{"deactivation", domain.RoleOperator, 1, "", map[string]any{"active": false}, true},
			{"role", domain.RoleOperator, 1, "", map[string]any{"role": "technician", "level": 0}, true},
			{"level", domain.RoleOperator, 1, "", map[string]any{"level": 2}, true},
			{"ente", domain.RoleEnte, 0, secEnteA, map[string]any{"ente": secEnteB}, true},
			{"nothing new", domain.RoleOperator, 1, "", map[string]any{"active": true}, false},
		}
		for i, c := range cases {
			name := "victim" + strconv.Itoa(i)
			id := e.createUser(t, name, c.role, c.level, c.ente)
			s1, s2 := e.session(t, name), e.session(t, name)
			e.wantAlive(t, c.name+" before", s1)
			e.do(t, http.MethodPatch, "/api/v1/users/"+strconv.FormatInt(id, 10), e.tokens[wAdmin], c.patch).want(t, http.StatusOK)
			if c.ends {
				e.wantEnded(t, c.name, s1)
				e.wantEnded(t, c.name+" (second login)", s2)
			} else {
				e.wantAlive(t, c.name, s1)
			}
		}
		// Nobody else's session ended.
		e.do(t, http.MethodGet, "/api/v1/me", e.tokens[wOperator1], nil).want(t, http.StatusOK)
		e.do(t, http.MethodGet, "/api/v1/me", e.tokens[wAdmin], nil).want(t, http.StatusOK)
	})
}

// TestLogoutAndRevokeSessions: logout ends the caller's sessions; an admin's
// revoke-sessions ends another user's; a new login works afterwards.
func TestLogoutAndRevokeSessions(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		s := e.session(t, string(wTech))
		e.do(t, http.MethodPost, "/api/v1/auth/logout", s.access, nil).want(t, http.StatusNoContent)
		e.wantEnded(t, "logout", s)
		e.do(t, http.MethodPost, "/api/v1/auth/logout", s.access, nil).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)

		s = e.session(t, string(wTech))
		e.wantAlive(t, "login after logout", s)
		path := "/api/v1/users/" + strconv.FormatInt(e.ids[wTech], 10) + "/revoke-sessions"
		e.do(t, http.MethodPost, path, s.access, nil).wantProblem(t, http.StatusForbidden, domain.CodeForbidden)
		e.do(t, http.MethodPost, path, e.tokens[wAdmin], nil).want(t, http.StatusNoContent)
		e.wantEnded(t, "revoke-sessions", s)
		e.do(t, http.MethodPost, "/api/v1/users/999999/revoke-sessions", e.tokens[wAdmin], nil).wantProblem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodPost, path, e.tokens[wAdmin], `{"x":1}`).wantProblem(t, http.StatusBadRequest, domain.CodeInvalid)
		// The admin's own session is untouched.
		e.do(t, http.MethodGet, "/api/v1/me", e.tokens[wAdmin], nil).want(t, http.StatusOK)
	})
}

// TestTokenOfMissingUserIs401: a well-signed access token whose user does
// not exist is a 401 on every route, not a 404 on /me and a 200 elsewhere.
func TestTokenOfMissingUserIs401(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		tok := sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) {
			c["sub"], c["role"], c["lvl"], c["name"] = "999999", "admin", 0, "ghost"
		}))
		for _, path := range []string{"/api/v1/me", "/api/v1/tickets", "/api/v1/users", "/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01"} {
			if msg := e.do(t, http.MethodGet, path, tok, nil).problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
				t.Errorf("GET %s: %s", path, msg)
			}
		}
	})
}

// TestSessionRevokedByAnotherProcess: two server processes on one
// PostgreSQL database; a revoke through one ends the token on the other
// within domain.SessionCacheTTL, even though the other had just cached it.
func TestSessionRevokedByAnotherProcess(t *testing.T) {
	url := repotest.PostgresURL(t)
	a := repotest.Open(t, url)
	if _, err := a.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	e := newSecEnv(t, a)
	other, err := api.New(api.Config{JWTSecret: secKey, PasswordCost: bcrypt.MinCost, Now: e.clock.Now}, repotest.Open(t, url))
	if err != nil {
		t.Fatal(err)
	}
	b := &secEnv{srv: other, store: a, clock: e.clock}
	s := e.session(t, string(wOperator2))
	b.do(t, http.MethodGet, "/api/v1/me", s.access, nil).want(t, http.StatusOK) // cached by b now
	e.do(t, http.MethodPost, "/api/v1/users/"+strconv.FormatInt(e.ids[wOperator2], 10)+"/revoke-sessions", e.tokens[wAdmin], nil).want(t, http.StatusNoContent)
	e.do(t, http.MethodGet, "/api/v1/me", s.access, nil).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	deadline := time.Now().Add(domain.SessionCacheTTL + time.Second)
	for {
		r := b.do(t, http.MethodGet, "/api/v1/me", s.access, nil)
		if r.Status == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other process still accepts the revoked token after %v: %s", domain.SessionCacheTTL+time.Second, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRefreshGraceForTwoTabs: two tabs refreshing with the same token at
// once both succeed with the same successor; after the grace, or for an
// older token, reuse still revokes the family.
func TestRefreshGraceForTwoTabs(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		refresh := func(tok string) *secResp {
			return e.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
		}
		s := e.session(t, string(wOperator1))
		tabA := refresh(s.refresh).want(t, http.StatusOK)
		e.clock.Advance(domain.RefreshGrace / 2)
		tabB := refresh(s.refresh).want(t, http.StatusOK)
		next := tabA.str(t, "refresh_token")
		if got := tabB.str(t, "refresh_token"); got != next {
			t.Fatalf("second tab: got successor %q, want the first tab's %q", got, next)
		}
		e.do(t, http.MethodGet, "/api/v1/me", tabB.str(t, "access_token"), nil).want(t, http.StatusOK)

		// The successor rotates; now the first token is two behind: reuse
		// revokes the family, within the grace or not.
		third := refresh(next).want(t, http.StatusOK).str(t, "refresh_token")
		refresh(s.refresh).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		refresh(third).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)

		// Past the grace, even the immediate predecessor is a reuse.
		s = e.session(t, string(wOperator1))
		next = refresh(s.refresh).want(t, http.StatusOK).str(t, "refresh_token")
		e.clock.Advance(domain.RefreshGrace + time.Second)
		refresh(s.refresh).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		refresh(next).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	})
}

// BenchmarkAuthenticatedRequest measures GET /api/v1/me with an access
// token, session check included (cached for domain.SessionCacheTTL).
func BenchmarkAuthenticatedRequest(b *testing.B) {
	e := newSecEnv(b, repotest.SQLite(b))
	tok := e.tokens[wOperator1]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.do(b, http.MethodGet, "/api/v1/me", tok, nil); r.Status != http.StatusOK {
			b.Fatal(r)
		}
	}
}
