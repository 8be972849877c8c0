package openapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// A HARD down state of a customer-facing system proposes one outage, which
// stays proposed through further down states and a recovery until an
// operator confirms it; other systems and SOFT states propose nothing.
func TestMonitoringProposesOneOutagePerCustomerFacingSystem(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, mon := e.user(t, domain.RoleMonitor, 0, "")
		_, op := e.user(t, domain.RoleOperator, 1, "")
		at := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
		post := func(host, service, state, kind string, min int, want int) {
			t.Helper()
			ev := map[string]any{"host": host, "service": service, "state": state, "state_type": kind, "attempt": 3,
				"time": at.Add(time.Duration(min) * time.Minute).Format(time.RFC3339), "output": state}
			e.do(t, http.MethodPost, "/api/v1/monitoring/events", mon, ev).want(t, want)
		}
		proposals := func(query string) *resp {
			t.Helper()
			return e.do(t, http.MethodGet, "/api/v1/outages?from=2026-03-01&"+query, op, nil).want(t, http.StatusOK)
		}
		post("cscms", "HTTP", "CRITICAL", "SOFT", 0, http.StatusCreated)  // SOFT: not yet down
		post("csdb1", "MySQL", "CRITICAL", "HARD", 1, http.StatusCreated) // not customer-facing
		post("cscms", "HTTP", "WARNING", "HARD", 2, http.StatusCreated)   // not down
		post("cscms", "HTTP", "CRITICAL", "HARD", 5, http.StatusCreated)  // proposes
		post("cscms", "HTTP", "CRITICAL", "HARD", 5, http.StatusOK)       // a repeat
		post("cscms", "", "DOWN", "HARD", 6, http.StatusCreated)          // already proposed
		post("cscms", "HTTP", "OK", "HARD", 30, http.StatusCreated)       // a recovery does not close it
		post("csicms", "", "UNREACHABLE", "HARD", 40, http.StatusCreated) // another customer-facing system
		post("cscms", "HTTP", "CRITICAL", "HARD", 50, http.StatusCreated) // still open: nothing new

		all := proposals("proposed=true")
		if n := len(all.items(t)); n != 2 {
			t.Fatalf("got %d proposals, want CSCMS and CSICMS: %s", n, all.Body)
		}
		// Newest first: CSICMS, then CSCMS at the first HARD CRITICAL.
		if all.get(t, "items", 1, "systems").([]any)[0] != "CSCMS" || all.get(t, "items", 1, "started_at") != "2026-03-09T03:05:00+01:00" ||
			all.get(t, "items", 1, "planned") != false || all.get(t, "items", 1, "ended_at") != nil {
			t.Errorf("the CSCMS proposal: got %s", all.Body)
		}
		if all.get(t, "items", 0, "systems").([]any)[0] != "CSICMS" {
			t.Errorf("the CSICMS proposal: got %s", all.Body)
		}
		if n := len(proposals("proposed=false").items(t)); n != 0 {
			t.Errorf("got %d confirmed outages, want none", n)
		}
		e.doRaw(t, http.MethodGet, "/api/v1/outages?proposed=maybe", op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "proposed")

		// The operator confirms and edits the CSCMS one; a new CRITICAL then proposes again.
		id := all.id(t, "items", 1, "id")
		p := e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/outages/%d", id), op, map[string]any{"proposed": false,
			"enti": []string{"firenze"}, "intervention_started_at": at.Add(10 * time.Minute).Format(time.RFC3339)}).want(t, http.StatusOK)
		if p.get(t, "proposed") != false || p.num(t, "version") != 2 {
			t.Errorf("after confirming: got %s", p.Body)
		}
		e.doRaw(t, http.MethodPatch, fmt.Sprintf("/api/v1/outages/%d", id), op, mustJSON(t, map[string]any{"proposed": true})).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "proposed")
		if n := len(proposals("proposed=false").items(t)); n != 1 {
			t.Errorf("got %d confirmed outages, want the CSCMS one", n)
		}
		post("cscms", "", "DOWN", "HARD", 60, http.StatusCreated)
		if n := len(proposals("proposed=true").items(t)); n != 2 {
			t.Errorf("after confirming, a new down state: got %d proposals, want 2", n)
		}
	})
}
