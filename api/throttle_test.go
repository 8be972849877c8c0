package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// loginFrom logs in from a client address, with a forged X-Forwarded-For
// that the server (trusting no proxy) must ignore.
func (e *secEnv) loginFrom(tb testing.TB, user, password, addr string) *secResp {
	tb.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": password})
	req := httptest.NewRequest(http.MethodPost, "http://helpdesk.test/api/v1/auth/token", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(int(time.Now().UnixNano()%250)))
	req.RemoteAddr = addr + ":40000"
	return e.serve(tb, req)
}

func retryAfter(tb testing.TB, r *secResp) int {
	tb.Helper()
	if msg := r.problemError(http.StatusTooManyRequests, domain.CodeTooManyRequests); msg != "" {
		tb.Fatalf("want a throttled login: %s", msg)
	}
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		tb.Fatalf("got Retry-After %q, want a number of seconds", r.Header.Get("Retry-After"))
	}
	return n
}

// TestLoginThrottlePerAccountAndAddress: failures are counted per
// (account, address), with a few free and then doubling delays; the owner
// with the right password from another address is not refused; a forged
// X-Forwarded-For changes nothing; the state is in the database, so a
// restarted server still delays; spraying many accounts from one address
// is delayed too.
func TestLoginThrottlePerAccountAndAddress(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		e.createUser(t, "alice", domain.RoleOperator, 1, "")
		const attacker, owner, sprayer = "198.51.100.7", "192.0.2.50", "198.51.100.9"
		for i := 1; i <= domain.PairFreeFailures+1; i++ {
			if msg := e.loginFrom(t, "alice", "wrong-"+strconv.Itoa(i), attacker).problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
				t.Fatalf("failure %d: %s", i, msg)
			}
		}
		// The guesser waits, even with the right password and another name case.
		first := retryAfter(t, e.loginFrom(t, "ALICE", secPassword, attacker))
		// The owner from another address is not refused.
		e.loginFrom(t, "alice", secPassword, owner).want(t, http.StatusOK)

		// Delays grow with each further failure.
		last := first
		for i := 0; i < 3; i++ {
			e.clock.Advance(time.Duration(last) * time.Second)
			e.loginFrom(t, "alice", "wrong-again", attacker).want(t, http.StatusUnauthorized)
			d := retryAfter(t, e.loginFrom(t, "alice", "wrong-again", attacker))
			if d <= last {
				t.Errorf("delay after failure %d: got %d s, want more than %d s", domain.PairFreeFailures+2+i, d, last)
			}
			last = d
		}

		// A restart keeps the state: it is in the database.
		restarted, err := api.New(api.Config{JWTSecret: secKey, PasswordCost: bcrypt.MinCost, Now: e.clock.Now}, store)
		if err != nil {
			t.Fatal(err)
		}
		again := &secEnv{srv: restarted, store: store, clock: e.clock}
		retryAfter(t, again.loginFrom(t, "alice", secPassword, attacker))

		// After the delay the right password works and clears the pair.
		e.clock.Advance(time.Duration(last) * time.Second)
		e.loginFrom(t, "alice", secPassword, attacker).want(t, http.StatusOK)
		e.loginFrom(t, "alice", "one-typo", attacker).want(t, http.StatusUnauthorized)

		// A spray: one guess for each of many accounts from one address.
		for i := 0; i <= domain.AddressFreeFailures; i++ {
			e.loginFrom(t, "user"+strconv.Itoa(i), "Password1!", sprayer).want(t, http.StatusUnauthorized)
		}
		retryAfter(t, e.loginFrom(t, "someone-else", "Password1!", sprayer))
		// ...which does not stop the owner elsewhere.
		e.loginFrom(t, "alice", secPassword, owner).want(t, http.StatusOK)
	})
}
