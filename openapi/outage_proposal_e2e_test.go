package openapi_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"sync"
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

// A log import proposes outages as live events do, in its transaction: the
// first new HARD down state of each customer-facing system proposes one
// unless one is open; importing the log again proposes nothing, even once
// the proposals are confirmed; a rejected import proposes nothing.
func TestLogImportProposesOutages(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		at := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
		line := func(min int, rec string) string {
			return fmt.Sprintf("[%d] %s\n", at.Add(time.Duration(min)*time.Minute).Unix(), rec)
		}
		log := line(0, "SERVICE ALERT: cscms;HTTP;CRITICAL;SOFT;1;timeout") + // SOFT: not yet down
			line(1, "SERVICE ALERT: csdb1;MySQL;CRITICAL;HARD;3;down") + // not customer-facing
			line(5, "SERVICE ALERT: cscms;HTTP;CRITICAL;HARD;3;timeout") + // proposes
			line(20, "SERVICE ALERT: cscms;HTTP;OK;HARD;1;ok") +
			line(40, "SERVICE ALERT: cscms;HTTP;CRITICAL;HARD;3;timeout") + // still open: nothing new
			line(50, "HOST ALERT: csicms;DOWN;HARD;5;PING CRITICAL") // another customer-facing system
		imp := func(body string, want int) *resp {
			t.Helper()
			return e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(body), "Content-Type", "text/plain").want(t, want)
		}
		outages := func(query string) *resp {
			t.Helper()
			return e.do(t, http.MethodGet, "/api/v1/outages?from=2026-03-01&"+query, op, nil).want(t, http.StatusOK)
		}
		imp(log, http.StatusOK)
		all := outages("proposed=true")
		if n := len(all.items(t)); n != 2 {
			t.Fatalf("got %d proposals, want CSCMS and CSICMS: %s", n, all.Body)
		}
		if all.get(t, "items", 1, "systems").([]any)[0] != "CSCMS" || all.get(t, "items", 1, "started_at") != "2026-03-09T03:05:00+01:00" {
			t.Errorf("the CSCMS proposal: got %s", all.Body)
		}
		if all.get(t, "items", 0, "systems").([]any)[0] != "CSICMS" || all.get(t, "items", 0, "started_at") != "2026-03-09T03:50:00+01:00" {
			t.Errorf("the CSICMS proposal: got %s", all.Body)
		}
		// Confirmed, CSCMS has no open proposal: the same log again must
		// still propose nothing, as its down states are not new.
		e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/outages/%d", all.id(t, "items", 1, "id")), op, map[string]any{"proposed": false}).want(t, http.StatusOK)
		if r := imp(log, http.StatusOK); r.num(t, "stored") != 0 {
			t.Errorf("second import stored %v, want 0", r.num(t, "stored"))
		}
		if n, m := len(outages("proposed=true").items(t)), len(outages("proposed=false").items(t)); n != 1 || m != 1 {
			t.Errorf("after importing again: got %d proposed and %d confirmed, want 1 and 1", n, m)
		}
		// A new down state with a bad line: nothing is stored or proposed.
		next := line(80, "SERVICE ALERT: cscms;HTTP;OK;HARD;1;ok") + line(90, "SERVICE ALERT: cscms;HTTP;CRITICAL;HARD;3;timeout")
		imp(next+"not a log line\n", http.StatusUnprocessableEntity)
		if n := len(outages("proposed=true").items(t)); n != 1 {
			t.Errorf("after a rejected import: got %d proposals, want 1", n)
		}
		imp(next, http.StatusOK)
		if n := len(outages("proposed=true").items(t)); n != 2 {
			t.Errorf("after a new down state: got %d proposals, want 2", n)
		}
	})
}

// The malfunction report as CSV: one row per outage, with the Italian
// conventions under locale=it and formula cells neutralised.
func TestOutagesReportAsCSV(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		start := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
		ts := func(d time.Duration) string { return start.Add(d).Format(time.RFC3339) }
		e.do(t, http.MethodPost, "/api/v1/outages", op, map[string]any{"started_at": ts(0), "intervention_started_at": ts(10 * time.Minute),
			"ended_at": ts(100*time.Minute + 30*time.Second), "systems": []string{"CSCMS", "CSICMS"}, "enti": []string{"firenze"},
			"cause": "=HYPERLINK(\"http://x\")", "offices_notice_at": ts(20 * time.Minute)}).want(t, http.StatusCreated)

		it := e.do(t, http.MethodGet, "/api/v1/reports/outages?from=2026-03-01&locale=it", op, nil, "Accept", "text/csv").want(t, http.StatusOK)
		same(t, "Content-Type", it.Header.Get("Content-Type"), "text/csv; charset=utf-8")
		body, ok := strings.CutPrefix(string(it.Body), "\ufeff")
		if !ok {
			t.Fatalf("no byte order mark under locale=it: %q", it.Body)
		}
		rd := csv.NewReader(strings.NewReader(body))
		rd.Comma = ';'
		rows, err := rd.ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("got %d rows (%v): %q", len(rows), err, body)
		}
		if rows[0][1] != "inizio" || rows[0][4] != "durata (minuti)" || rows[0][13] != "SLA.9" {
			t.Errorf("Italian header: got %q", rows[0])
		}
		row := rows[1]
		for i, want := range map[int]string{1: "09/03/2026 03:00:00", 3: "09/03/2026 04:40:30", 4: "100,5", 5: "false", 6: "false",
			7: "CSCMS, CSICMS", 8: "firenze", 9: "'=HYPERLINK(\"http://x\")", 12: "", 13: "met", 14: "missed"} {
			same(t, rows[0][i], row[i], want)
		}

		en := e.do(t, http.MethodGet, "/api/v1/reports/outages?from=2026-03-01", op, nil, "Accept", "text/csv").want(t, http.StatusOK)
		rows, err = csv.NewReader(strings.NewReader(string(en.Body))).ReadAll()
		if err != nil || len(rows) != 2 || rows[0][4] != "duration_minutes" || rows[1][1] != "2026-03-09T03:00:00+01:00" || rows[1][4] != "100.5" {
			t.Errorf("English CSV (%v): %q", err, en.Body)
		}
		e.do(t, http.MethodGet, "/api/v1/reports/outages", op, nil, "Accept", "image/png").problem(t, http.StatusNotAcceptable, "not_acceptable")
	})
}

// Down states of one system arriving at once still propose one outage
// (the system is locked while its proposals are looked up).
func TestConcurrentDownStatesProposeOneOutage(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, mon := e.user(t, domain.RoleMonitor, 0, "")
		at := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		codes := make([]int, 8)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := mustJSON(t, map[string]any{"host": "cscms", "service": "HTTP", "state": "CRITICAL", "state_type": "HARD", "attempt": 3,
					"time": at.Add(time.Duration(i) * time.Second).Format(time.RFC3339), "output": "CRITICAL"})
				codes[i] = e.doRaw(t, http.MethodPost, "/api/v1/monitoring/events", mon, body).Status
			}()
		}
		wg.Wait()
		for i, c := range codes {
			if c != http.StatusCreated {
				t.Errorf("event %d: got %d, want 201", i, c)
			}
		}
		list := e.do(t, http.MethodGet, "/api/v1/outages?from=2026-03-01&proposed=true", e.admin, nil).want(t, http.StatusOK)
		if n := len(list.items(t)); n != 1 {
			t.Errorf("got %d proposals, want 1: %s", n, list.Body)
		}
	})
}
