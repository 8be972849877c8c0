package openapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// asOfRoutes are the reports that take as_of.
var asOfRoutes = []string{
	"/api/v1/reports/tickets?", "/api/v1/reports/tickets/yoy?years=2025,2026&", "/api/v1/reports/sla?",
	"/api/v1/reports/interventions?", "/api/v1/reports/annual/2026?",
}

func TestAsOfIsReadOnceForEveryReport(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		e.openTicket(t, op, nil) // 10 March 2026, 09:00
		now := e.clock.Now()
		for _, route := range asOfRoutes {
			for _, v := range []string{now.Add(time.Hour).Format(time.RFC3339), "2026-03-11", "2099-01-01"} {
				r := e.do(t, http.MethodGet, route+"as_of="+url.QueryEscape(v), e.admin, nil)
				p := r.problem(t, http.StatusBadRequest, domain.CodeInvalid, "as_of")
				if !strings.Contains(fmt.Sprint(p["errors"]), "future") {
					t.Errorf("%s as_of=%s: got %v, want a detail that says the future", route, v, p["errors"])
				}
			}
			e.do(t, http.MethodGet, route+"as_of=31/12/2025", e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "as_of")
			// Today's date is now: the day is not over.
			r := e.do(t, http.MethodGet, route+"as_of=2026-03-10", e.admin, nil).want(t, http.StatusOK)
			same(t, route+" as_of today", r.get(t, "as_of"), "2026-03-10T09:00:00+01:00")
			// An explicit now is the plain report.
			plain := e.do(t, http.MethodGet, strings.TrimRight(route, "?&"), e.admin, nil).want(t, http.StatusOK)
			delete(r.JSON.(map[string]any), "as_of")
			same(t, route+" as_of now is the plain report", r.JSON, plain.JSON)
		}
		// Before the first ticket: zeroes.
		r := e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01&as_of=2026-03-09", e.admin, nil).want(t, http.StatusOK)
		same(t, "tickets before the first", r.get(t, "total"), counts(0, 0, 0, 0, nil, nil))
		plain := e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01", e.admin, nil).want(t, http.StatusOK)
		same(t, "tickets now", plain.get(t, "total"), counts(1, 0, 0, 0, 0, 0))
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets/yoy?years=2025,2026&as_of=2026-03-10T08:59:59%2B01:00", e.admin, nil).want(t, http.StatusOK)
		same(t, "yoy before the first", r.get(t, "total", 1, "gestiti"), 0)
		r = e.do(t, http.MethodGet, "/api/v1/reports/sla?from=2026-01-01&to=2027-01-01&as_of=2026-03-09", e.admin, nil).want(t, http.StatusOK)
		same(t, "SLA rows before the first", len(r.get(t, "rows").([]any)), 3)
		for i := range 3 {
			row := r.get(t, "rows", i).(map[string]any)
			same(t, "SLA before the first", []any{row["met"], row["breached"], row["running"]}, []any{0, 0, 0})
		}
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2026?as_of=1990-01-01", e.admin, nil).want(t, http.StatusOK)
		same(t, "annual before the first", r.get(t, "help_desk", "total", "current", "gestiti"), 0)
	})
}

func TestInterventionReportAsOf(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		a := e.requestIv(t, c.dicomano, map[string]any{"tier": "4h", "description": "Scanner"}) // 09:00, due 13:00
		e.ivAct(t, c.tech, a, "schedule", map[string]any{"planned_at": "2026-03-10T09:00:00+01:00"}).want(t, http.StatusOK)
		e.ivAct(t, c.tech, a, "start", nil).want(t, http.StatusOK)
		e.clock.Advance(time.Hour)
		e.ivAct(t, c.tech, a, "complete", map[string]any{"outcome": "Driver"}).want(t, http.StatusOK) // 10:00
		e.clock.Advance(time.Hour)
		e.requestIv(t, c.dicomano, map[string]any{"tier": "30m", "description": "Mouse"}) // 11:00

		byTier := func(asOf string) []any {
			q := "/api/v1/reports/interventions?from=2026-03-01&to=2026-04-01&group_by=tier"
			if asOf != "" {
				q += "&as_of=" + url.QueryEscape(asOf)
			}
			var out []any
			for _, row := range e.do(t, http.MethodGet, q, c.op, nil).want(t, http.StatusOK).get(t, "rows").([]any) {
				m := row.(map[string]any)
				out = append(out, []any{m["tier"], m["count"], m["completed"], m["completed_on_time"], m["median_working_seconds"]})
			}
			return out
		}
		same(t, "now", byTier(""), []any{[]any{"30m", 1, 0, 0, nil}, []any{"4h", 1, 1, 1, 3600}})
		same(t, "before the completion", byTier("2026-03-10T09:59:59+01:00"), []any{[]any{"4h", 1, 0, 0, nil}})
		same(t, "at the completion", byTier("2026-03-10T10:00:00+01:00"), []any{[]any{"4h", 1, 1, 1, 3600}})
		same(t, "before the first request", byTier("2026-03-10T08:59:00+01:00"), []any(nil))
		r := e.do(t, http.MethodGet, "/api/v1/reports/annual/2026?as_of=2026-03-10T09:30:00%2B01:00", c.op, nil).want(t, http.StatusOK)
		same(t, "annual interventions as of 09:30", r.get(t, "interventions", 1), map[string]any{"tier": "4h", "count": 1, "completed": 0,
			"completed_on_time": 0, "on_time_share": nil, "median_working_seconds": nil, "p90_working_seconds": nil})
	})
}

func TestImportedHistoryIsReplayedAndRejectedWithEveryError(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		row := func(id, status string, closed any, events ...map[string]any) map[string]any {
			r := map[string]any{"external_id": id, "ente": "firenze", "level": 1, "status": status, "service": "suap",
				"channel": "email", "subject": "Storico " + id, "opened_at": "2025-05-05T10:00:00+02:00", "events": events}
			if closed != nil {
				r["closed_at"] = closed
			}
			return r
		}
		rows := []map[string]any{
			row("R-ok", "risolto", nil, ev("take_in_charge", "2025-05-05T10:10:00+02:00"), ev("resolve", "2025-05-06T10:00:00+02:00")),
			row("R-twice", "risolto", nil, ev("resolve", "2025-05-05T11:00:00+02:00"), ev("resolve", "2025-05-05T12:00:00+02:00")),
			row("R-order", "aperto", nil, ev("take_in_charge", "2025-05-05T11:00:00+02:00"), ev("reply", "2025-05-05T10:30:00+02:00", "body", "Ok")),
			row("R-declared", "aperto", nil, ev("take_in_charge", "2025-05-05T11:00:00+02:00", "to_status", "risolto")),
			row("R-final", "risolto", "2025-05-06T10:00:00+02:00", ev("take_in_charge", "2025-05-05T11:00:00+02:00")),
			row("R-unknown", "aperto", nil, ev("archive", "2025-05-05T11:00:00+02:00")),
			row("R-open", "aperto", nil, ev("open", "2025-05-05T09:00:00+02:00"), ev("take_in_charge", "2025-05-05T11:00:00+02:00")),
			row("R-noreply", "nuovo", nil, ev("reply", "2025-05-05T11:00:00+02:00")),
		}
		r := e.importRows(t, e.admin, "application/x-ndjson", ndjson(t, rows))
		p := r.problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable)
		var got []string
		for _, fe := range p["errors"].([]any) {
			m := fe.(map[string]any)
			got = append(got, fmt.Sprintf("%v %v", m["line"], m["field"]))
		}
		same(t, "every error, by line and event", got, []string{
			"2 events[1].action", "3 events[1].at", "4 events[0].to_status", "5 status", "5 closed_at", "6 events[0].action",
			"7 events[0].at", "8 events[0].action"})
		same(t, "all or nothing", len(e.do(t, http.MethodGet, "/api/v1/tickets?external_id=R-ok", e.admin, nil).want(t, http.StatusOK).items(t)), 0)

		// The good row alone, and a history in an Italian CSV's events cell.
		e.importRows(t, e.admin, "application/x-ndjson", ndjson(t, rows[:1])).want(t, http.StatusOK)
		csv := "external_id;ente;level;status;service;channel;subject;opened_at;received_at;events\n" +
			`R-csv;fiesole;2;risolto;sito_web;phone;Dal foglio;2025-05-05T10:00:00+02:00;2025-05-05T09:50:00+02:00;"[{""action"":""escalate"",""at"":""2025-05-05T10:05:00+02:00""},{""action"":""resolve"",""at"":""2025-05-05T11:00:00+02:00""}]"` + "\n"
		r = e.importRows(t, e.admin, "text/csv", []byte(csv)).want(t, http.StatusOK)
		same(t, "CSV import", r.JSON, map[string]any{"received": 1, "created": 1, "unchanged": 0})
		items := e.do(t, http.MethodGet, "/api/v1/tickets?external_id=R-csv", e.admin, nil).want(t, http.StatusOK).items(t)
		if len(items) != 1 {
			t.Fatalf("got %d tickets R-csv, want 1", len(items))
		}
		tk := items[0].(map[string]any)
		same(t, "CSV ticket", []any{tk["level"], tk["status"], tk["closed_at"]}, []any{2, "risolto", "2025-05-05T11:00:00+02:00"})
		var events []any
		id := int64(tk["id"].(float64))
		for _, it := range e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/events", id), e.admin, nil).want(t, http.StatusOK).items(t) {
			m := it.(map[string]any)
			events = append(events, []any{m["action"], m["from_level"], m["to_level"], m["to_status"]})
		}
		same(t, "CSV history: opened at level 1, escalated", events, []any{
			[]any{"open", nil, 1, "nuovo"}, []any{"escalate", 1, 2, "nuovo"}, []any{"resolve", 2, 2, "risolto"}})
		// As at the hour between escalation and resolution: level 2, nuovo.
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2025-01-01&to=2026-01-01&group_by=level,status&ente=fiesole&as_of=2025-05-05T10:30:00%2B02:00", e.admin, nil).want(t, http.StatusOK)
		same(t, "as of the hour between", len(r.get(t, "rows").([]any)), 1)
		same(t, "as of the hour between: level", r.get(t, "rows", 0, "level"), 2)
		same(t, "as of the hour between: status", r.get(t, "rows", 0, "status"), "nuovo")
	})
}
