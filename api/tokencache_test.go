package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestVerifiedTokenEndsAtItsExpiry: an access token used once (and so
// cached as verified) still stops working at expiry + leeway, exactly as
// an uncached one would, and still ends at once on logout.
func TestVerifiedTokenEndsAtItsExpiry(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		s := e.session(t, string(wOperator1))
		e.wantAlive(t, "fresh", s)
		e.clock.Advance(15*time.Minute + 29*time.Second)
		e.wantAlive(t, "within the leeway", s)
		e.clock.Advance(time.Second)
		if msg := e.do(t, http.MethodGet, "/api/v1/me", s.access, nil).problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
			t.Errorf("at expiry + 30 s: %s", msg)
		}
		s = e.session(t, string(wOperator1))
		e.wantAlive(t, "second login", s)
		e.do(t, http.MethodPost, "/api/v1/auth/logout", s.access, nil).want(t, http.StatusNoContent)
		e.wantEnded(t, "after logout", s)
	})
}
