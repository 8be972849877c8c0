package api_test

import (
	"net/http"
	"testing"

	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestSecurityHeaders: every response, problems and unknown routes
// included, has X-Content-Type-Options: nosniff; every response under
// /api/ (ticket, user and report data, and their problems) has
// Cache-Control: no-store; /metrics is not on the API's listener.
func TestSecurityHeaders(t *testing.T) {
	e := newSecEnv(t, repotest.SQLite(t))
	for _, c := range []struct {
		method, path, token string
		noStore             bool
	}{
		{"GET", "/healthz", "", false},
		{"GET", "/openapi.yaml", "", false},
		{"GET", "/nowhere", "", false},
		{"GET", "/api/v1/me", e.tokens[wEnteA], true},
		{"GET", "/api/v1/tickets", e.tokens[wOperator1], true},
		{"GET", "/api/v1/users", e.tokens[wAdmin], true},
		{"GET", "/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01", e.tokens[wReporter], true},
		{"GET", "/api/v1/tickets", "", true},
		{"DELETE", "/api/v1/me", e.tokens[wAdmin], true},
	} {
		r := e.do(t, c.method, c.path, c.token, nil)
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): got X-Content-Type-Options %q, want nosniff", c.method, c.path, r.Status, got)
		}
		if got := r.Header.Get("Cache-Control"); c.noStore && got != "no-store" {
			t.Errorf("%s %s (%d): got Cache-Control %q, want no-store", c.method, c.path, r.Status, got)
		}
	}
	e.do(t, "GET", "/metrics", "", nil).want(t, http.StatusNotFound)
}
