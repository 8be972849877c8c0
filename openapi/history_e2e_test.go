package openapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// ev is one event of an imported history.
func ev(action, at string, more ...any) map[string]any {
	e := map[string]any{"action": action, "at": at, "actor": "operatore.storico"}
	for i := 0; i+1 < len(more); i += 2 {
		e[more[i].(string)] = more[i+1]
	}
	return e
}

// historyRows are tickets of 2024 that move on during 2025 (escalated,
// resolved, reopened), a plain row without history, and a ticket of 2025.
// All are of Firenze. Their state at the two year ends:
//
//	ticket  level/status at 31.12.2024   at 31.12.2025 (and now)
//	A       1 aperto                     2 risolto (escalated 15.1, resolved 1.2)
//	B       1 risolto                    1 aperto (reopened 3.3)
//	C       1 nuovo                      1 risolto (resolved 8.1)
//	D       2 risolto (no events)        2 risolto
//	F       1 aperto                     1 non_di_competenza (closed 5.2)
//	G       1 nuovo                      1 aperto (taken in charge 2.1)
//	E       - (opened 10.1.2025)         1 non_di_competenza
func historyRows() []map[string]any {
	row := func(id string, level int, status, channel, opened string, closed any, events ...map[string]any) map[string]any {
		r := map[string]any{"external_id": id, "ente": "firenze", "level": level, "status": status, "service": "sito_web",
			"channel": channel, "subject": "Storico " + id, "opened_at": opened}
		if closed != nil {
			r["closed_at"] = closed
		}
		if len(events) > 0 {
			r["events"] = events
		}
		return r
	}
	return []map[string]any{
		row("H-A", 2, "risolto", "email", "2024-11-04T10:00:00+01:00", "2025-02-01T12:00:00+01:00",
			ev("take_in_charge", "2024-11-04T10:30:00+01:00", "to_status", "aperto"),
			ev("escalate", "2025-01-15T09:00:00+01:00", "from_level", 1, "to_level", 2),
			ev("resolve", "2025-02-01T12:00:00+01:00", "from_status", "aperto", "to_status", "risolto")),
		row("H-B", 1, "aperto", "email", "2024-12-02T10:00:00+01:00", nil,
			ev("open", "2024-12-02T10:00:00+01:00", "to_status", "nuovo", "to_level", 1),
			ev("take_in_charge", "2024-12-02T10:20:00+01:00"),
			ev("resolve", "2024-12-10T15:00:00+01:00"),
			ev("reopen", "2025-03-03T09:00:00+01:00", "from_status", "risolto", "to_status", "aperto")),
		row("H-C", 1, "risolto", "portal", "2024-12-20T10:00:00+01:00", nil,
			ev("resolve", "2025-01-08T11:00:00+01:00")),
		row("H-D", 2, "risolto", "email", "2024-06-03T10:00:00+02:00", "2024-06-05T10:00:00+02:00"),
		row("H-E", 1, "non_di_competenza", "email", "2025-01-10T10:00:00+01:00", nil,
			ev("close_not_competent", "2025-01-11T10:00:00+01:00", "body", "Di competenza del gestore della rete")),
		// Called in at 09:40, typed in at 10:00: the clocks start at the call.
		func() map[string]any {
			r := row("H-F", 1, "non_di_competenza", "phone", "2024-12-30T10:00:00+01:00", nil,
				ev("take_in_charge", "2024-12-30T10:05:00+01:00"),
				ev("reply", "2024-12-30T10:30:00+01:00", "body", "Verifichiamo con il fornitore"),
				ev("close_not_competent", "2025-02-05T10:00:00+01:00", "body", "Di competenza del fornitore"))
			r["received_at"] = "2024-12-30T09:40:00+01:00"
			return r
		}(),
		// Opened half an hour before the counter closes on 31 December:
		// its SLA.6 deadline falls on 2 January, so at the year end it runs.
		row("H-G", 1, "aperto", "email", "2024-12-31T17:30:00+01:00", nil,
			ev("take_in_charge", "2025-01-02T08:10:00+01:00")),
	}
}

// The DONE criterion of issue 9: one imported history, and both year-end
// views of its first year, as at its own 31 December and as at the next
// one, in JSON and Italian CSV.
func TestYearEndViewsOfOneHistory(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		r := e.importRows(t, e.admin, "application/x-ndjson", ndjson(t, historyRows())).want(t, http.StatusOK)
		same(t, "import", r.JSON, map[string]any{"received": 7, "created": 7, "unchanged": 0})
		reporter := e.reporterToken(t)

		at2024 := map[int]map[string]any{
			1: counts(2, 2, 1, 0, 1.0/5, 20.0), 2: counts(0, 0, 1, 0, 1, 100.0), 0: counts(2, 2, 2, 0, 2.0/6, 33.3)}
		at2025 := map[int]map[string]any{
			1: counts(0, 2, 1, 1, 2.0/4, 50.0), 2: counts(0, 0, 2, 0, 1, 100.0), 0: counts(0, 2, 3, 1, 4.0/6, 66.7)}
		helpDesk := func(r *resp) map[string]any {
			out := map[string]any{}
			for _, row := range r.get(t, "help_desk", "rows").([]any) {
				m := row.(map[string]any)
				out[fmt.Sprint(m["level"])] = m
			}
			out["total"] = r.get(t, "help_desk", "total")
			return out
		}
		// The report of 2024 as the desk read it at its year end.
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2024?as_of=2024-12-31", reporter, nil).want(t, http.StatusOK)
		same(t, "as_of echoed", r.get(t, "as_of"), "2024-12-31T23:59:59.999999+01:00")
		same(t, "at is as_of", r.get(t, "at"), "2024-12-31T23:59:59.999999+01:00")
		hd := helpDesk(r)
		same(t, "2024 at 31.12.2024, level 1", hd["1"].(map[string]any)["current"], at2024[1])
		same(t, "2024 at 31.12.2024, level 2", hd["2"].(map[string]any)["current"], at2024[2])
		same(t, "2024 at 31.12.2024, total", hd["total"].(map[string]any)["current"], at2024[0])
		// SLA.6 of 2024: A, B and F taken in charge in time, C past its
		// deadline untouched, G still running over the New Year.
		sla6 := r.get(t, "sla", 0)
		same(t, "SLA.6 at 31.12.2024", []any{sla6.(map[string]any)["met"], sla6.(map[string]any)["breached"], sla6.(map[string]any)["running"]}, []any{3, 1, 1})

		// The report of 2025 as at its year end: 2024 beside it as 2024
		// stood a year later, and E, which did not exist at the first view.
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2025?as_of=2025-12-31", reporter, nil).want(t, http.StatusOK)
		hd = helpDesk(r)
		same(t, "2024 at 31.12.2025, level 1", hd["1"].(map[string]any)["previous"], at2025[1])
		same(t, "2024 at 31.12.2025, level 2", hd["2"].(map[string]any)["previous"], at2025[2])
		same(t, "2024 at 31.12.2025, total", hd["total"].(map[string]any)["previous"], at2025[0])
		same(t, "2025 at 31.12.2025, level 1", hd["1"].(map[string]any)["current"], counts(0, 0, 0, 1, 1, 100.0))
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2024?as_of=2025-12-31", reporter, nil).want(t, http.StatusOK)
		sla6 = r.get(t, "sla", 0)
		same(t, "SLA.6 at 31.12.2025", []any{sla6.(map[string]any)["met"], sla6.(map[string]any)["breached"], sla6.(map[string]any)["running"]}, []any{4, 1, 0})

		// Nothing moved after 2025: now is the second view, and an explicit
		// as_of of now is the plain report.
		plain := e.do(t, http.MethodGet, "/api/v1/reports/annual/2024", reporter, nil).want(t, http.StatusOK)
		same(t, "2024 now, total", helpDesk(plain)["total"].(map[string]any)["current"], at2025[0])
		now := e.do(t, http.MethodGet, "/api/v1/reports/annual/2024?as_of="+url.QueryEscape(e.clock.Now().Format(time.RFC3339Nano)), reporter, nil).want(t, http.StatusOK)
		delete(now.JSON.(map[string]any), "as_of")
		same(t, "as_of now is the plain report", now.JSON, plain.JSON)

		// The same two views of 2024 from the period report, by level.
		for _, v := range []struct {
			asOf string
			want map[int]map[string]any
		}{{"2024-12-31", at2024}, {"2025-12-31", at2025}} {
			r = e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2024-01-01&to=2025-01-01&group_by=level&as_of="+v.asOf, reporter, nil).want(t, http.StatusOK)
			same(t, "tickets report total at "+v.asOf, r.get(t, "total"), v.want[0])
			// By month, not from a rollup: the other path gives the same.
			r = e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2024-01-01&to=2025-01-01&group_by=month&as_of="+v.asOf, reporter, nil).want(t, http.StatusOK)
			same(t, "tickets by month, total at "+v.asOf, r.get(t, "total"), v.want[0])
		}

		// Italian CSV of both views.
		italian := func(asOf, year string) string {
			r := e.do(t, http.MethodGet, "/api/v1/reports/annual/"+year+"?locale=it&as_of="+asOf, reporter, nil, "Accept", "text/csv").want(t, http.StatusOK)
			lines := strings.Split(strings.TrimSuffix(string(r.Body), "\n"), "\n")
			return strings.Join(lines[1:], "\n")
		}
		same(t, "2024 at 31.12.2024, Italian CSV", italian("2024-12-31", "2024"),
			"1;2024;2023;2;2;1;0;5;0,2000;20,0;0;0;0;0;0;;;\n"+
				"2;2024;2023;0;0;1;0;1;1,0000;100,0;0;0;0;0;0;;;\n"+
				"totale;2024;2023;2;2;2;0;6;0,3333;33,3;0;0;0;0;0;;;")
		same(t, "2025 at 31.12.2025 with 2024 beside it, Italian CSV", italian("2025-12-31", "2025"),
			"1;2025;2024;0;0;0;1;1;1,0000;100,0;0;2;1;1;4;0,5000;50,0;-75\n"+
				"2;2025;2024;0;0;0;0;0;;;0;0;2;0;2;1,0000;100,0;-100\n"+
				"totale;2025;2024;0;0;0;1;1;1,0000;100,0;0;2;3;1;6;0,6667;66,7;-83")

		// Year over year as at the first year end: 2025 had no tickets yet.
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets/yoy?years=2024,2025&as_of=2024-12-31", reporter, nil).want(t, http.StatusOK)
		same(t, "yoy total 2024 at 31.12.2024", r.get(t, "total", 0, "gestiti"), 6)
		same(t, "yoy total 2025 at 31.12.2024", r.get(t, "total", 1, "gestiti"), 0)
		same(t, "yoy as_of", r.get(t, "as_of"), "2024-12-31T23:59:59.999999+01:00")

		// The events and the clocks came in with the tickets.
		r = e.do(t, http.MethodGet, "/api/v1/tickets?external_id=H-F", e.admin, nil).want(t, http.StatusOK)
		items := r.items(t)
		if len(items) != 1 {
			t.Fatalf("external_id filter: got %d tickets, want 1", len(items))
		}
		id := int64(items[0].(map[string]any)["id"].(float64))
		r = e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/events", id), e.admin, nil).want(t, http.StatusOK)
		var actions []any
		for _, it := range r.items(t) {
			actions = append(actions, it.(map[string]any)["action"])
		}
		same(t, "H-F events", actions, []any{"open", "take_in_charge", "reply", "close_not_competent"})
		r = e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", id), e.admin, nil).want(t, http.StatusOK)
		clocks := map[string]any{}
		for _, c := range r.get(t, "sla").([]any) {
			m := c.(map[string]any)
			clocks[m["code"].(string)] = []any{m["started_at"], m["state"]}
		}
		same(t, "H-F clocks from the call", clocks, map[string]any{
			"SLA.6": []any{"2024-12-30T09:40:00+01:00", "met"},
			"SLA.7": []any{"2024-12-30T09:40:00+01:00", "met"},
			"SLA.8": []any{"2024-12-30T09:40:00+01:00", "breached"},
		})
		r = e.do(t, http.MethodGet, "/api/v1/tickets?external_id=nessuno", e.admin, nil).want(t, http.StatusOK)
		if n := len(r.items(t)); n != 0 {
			t.Errorf("external_id of nothing: got %d tickets, want 0", n)
		}

		// A second import of the same history changes nothing.
		r = e.importRows(t, e.admin, "application/x-ndjson", ndjson(t, historyRows())).want(t, http.StatusOK)
		same(t, "re-import", r.JSON, map[string]any{"received": 7, "created": 0, "unchanged": 7})
	})
}
