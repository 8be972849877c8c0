package api_test

import (
	"net/http"
	"testing"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestHTTPDetails: If-Match compares strongly (W/"1" never matches), the
// Bearer scheme is case-insensitive, a JSON body may say application/JSON,
// and an Accept header that allows nothing a route serves is a 406.
func TestHTTPDetails(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		admin := e.tokens[wAdmin]
		ente := "/api/v1/enti/" + secEnteA
		etag := e.do(t, http.MethodGet, ente, admin, nil).want(t, http.StatusOK).Header.Get("ETag")
		if etag == "" || etag[0] != '"' {
			t.Fatalf("got ETag %q, want a strong tag", etag)
		}
		for _, weak := range []string{"W/" + etag, "w/" + etag, etag[1 : len(etag)-1]} {
			e.do(t, http.MethodPatch, ente, admin, map[string]any{"name": "Comune di Firenze"}, "If-Match", weak).
				wantProblem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		}
		e.do(t, http.MethodPatch, ente, admin, map[string]any{"name": "Comune di Firenze"}, "If-Match", etag).want(t, http.StatusOK)

		for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
			if r := e.do(t, http.MethodGet, "/api/v1/me", "", nil, "Authorization", scheme+" "+admin); r.Status != http.StatusOK {
				t.Errorf("scheme %q: got %s, want 200", scheme, r)
			}
		}
		e.do(t, http.MethodGet, "/api/v1/me", "", nil, "Authorization", "Basic "+admin).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)

		for _, ct := range []string{"application/JSON", "Application/Json; charset=UTF-8"} {
			e.do(t, http.MethodPost, "/api/v1/tickets", e.tokens[wOperator1], map[string]any{
				"ente": secEnteA, "subject": "Posta", "service": "portale_servizi", "channel": "email",
			}, "Content-Type", ct).want(t, http.StatusCreated)
		}

		for _, c := range []struct {
			path, accept string
			want         int
		}{
			{"/api/v1/me", "application/JSON", http.StatusOK},
			{"/api/v1/me", "*/*", http.StatusOK},
			{"/api/v1/me", "application/*;q=0.5, text/html", http.StatusOK},
			{"/api/v1/me", "application/problem+json", http.StatusOK},
			{"/api/v1/me", "text/html", http.StatusNotAcceptable},
			{"/api/v1/tickets", "text/csv", http.StatusNotAcceptable},
			{"/api/v1/me", "application/json;q=0", http.StatusNotAcceptable},
			{"/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01", "text/csv", http.StatusOK},
			{"/api/v1/reports/tickets?year=2026", "application/xml", http.StatusNotAcceptable},
			{"/openapi.yaml", "application/json", http.StatusNotAcceptable},
			{"/healthz", "text/plain", http.StatusNotAcceptable},
		} {
			r := e.do(t, http.MethodGet, c.path, admin, nil, "Accept", c.accept)
			if c.want == http.StatusNotAcceptable {
				if msg := r.problemError(http.StatusNotAcceptable, "not_acceptable"); msg != "" {
					t.Errorf("GET %s Accept %q: %s", c.path, c.accept, msg)
				}
			} else if r.Status != c.want {
				t.Errorf("GET %s Accept %q: got %s, want %d", c.path, c.accept, r, c.want)
			}
		}
	})
}
