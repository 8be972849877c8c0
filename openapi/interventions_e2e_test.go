package openapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// ivCrew is who takes part in an intervention: an operator, a technician
// (with their user id), and ente users of Dicomano and Londa, both covered
// by CED Multiente.
type ivCrew struct {
	op, tech, dicomano, londa string
	techID                    int64
	techName, dicomanoName    string
}

func newIvCrew(t *testing.T, e *env) ivCrew {
	t.Helper()
	var c ivCrew
	_, c.op = e.user(t, domain.RoleOperator, 1, "")
	c.techName, c.tech = e.user(t, domain.RoleTechnician, 0, "")
	c.techID = e.do(t, http.MethodGet, "/api/v1/me", c.tech, nil).want(t, http.StatusOK).id(t, "id")
	c.dicomanoName, c.dicomano = e.user(t, domain.RoleEnte, 0, "dicomano")
	_, c.londa = e.user(t, domain.RoleEnte, 0, "londa")
	return c
}

// requestIv requests an intervention and returns its id.
func (e *env) requestIv(t *testing.T, token string, body map[string]any) int64 {
	t.Helper()
	return e.do(t, http.MethodPost, "/api/v1/interventions", token, body).want(t, http.StatusCreated).id(t, "id")
}

// ivAct posts an action with a body (nil sends none).
func (e *env) ivAct(t *testing.T, token string, id int64, action string, body any, headers ...string) *resp {
	t.Helper()
	return e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/interventions/%d/%s", id, action), token, body, headers...)
}

// TestInterventionTour is the README's tour: an ente user requests a 4h
// intervention, a technician schedules it for themselves, starts and
// completes it, and the ente user reads the result and its history.
func TestInterventionTour(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		// Tuesday 10 March 2026, 09:00 in Rome: the 4h tier is due at 13:00.
		r := e.do(t, http.MethodPost, "/api/v1/interventions", c.dicomano,
			map[string]any{"tier": "4h", "description": "Installare il nuovo scanner all'anagrafe"}).want(t, http.StatusCreated)
		id := r.id(t, "id")
		self := fmt.Sprintf("/api/v1/interventions/%d", id)
		same(t, "Location", r.Header.Get("Location"), self)
		for k, want := range map[string]any{
			"ente": "dicomano", "tier": "4h", "status": "requested", "technician": nil, "planned_at": nil,
			"requested_at": "2026-03-10T09:00:00+01:00", "deadline": "2026-03-10T13:00:00+01:00",
			"overdue": false, "on_time": nil, "working_minutes": nil, "ticket_id": nil, "version": 1,
			"links": map[string]any{"self": self, "history": self + "/events"},
		} {
			same(t, k, r.get(t, k), want)
		}

		e.clock.Advance(15 * time.Minute)
		r = e.ivAct(t, c.tech, id, "schedule", map[string]any{"planned_at": "2026-03-10T10:30:00+01:00"}, "If-Match", `"1"`).want(t, http.StatusOK)
		same(t, "status", r.get(t, "status"), "scheduled")
		same(t, "technician", r.get(t, "technician"), map[string]any{"id": c.techID, "username": c.techName})
		same(t, "planned_at", r.get(t, "planned_at"), "2026-03-10T10:30:00+01:00")
		same(t, "ETag", r.Header.Get("ETag"), `"2"`)

		e.clock.Advance(75 * time.Minute) // 10:30
		e.ivAct(t, c.tech, id, "start", nil, "If-Match", `"2"`).want(t, http.StatusOK)
		e.clock.Advance(150 * time.Minute) // 13:00, the deadline itself
		r = e.ivAct(t, c.tech, id, "complete", map[string]any{"outcome": "Scanner installato, driver aggiornati"}, "If-Match", `"3"`).want(t, http.StatusOK)
		for k, want := range map[string]any{
			"status": "completed", "completed_at": "2026-03-10T13:00:00+01:00", "started_at": "2026-03-10T10:30:00+01:00",
			"on_time": true, "overdue": false, "working_minutes": 240, "outcome": "Scanner installato, driver aggiornati", "version": 4,
		} {
			same(t, k, r.get(t, k), want)
		}

		e.clock.Advance(24 * time.Hour)
		r = e.do(t, http.MethodGet, self, c.dicomano, nil).want(t, http.StatusOK)
		same(t, "status seen by the ente", r.get(t, "status"), "completed")
		same(t, "technician seen by the ente", r.get(t, "technician", "username"), c.techName)
		same(t, "overdue a day later", r.get(t, "overdue"), false)

		h := e.do(t, http.MethodGet, self+"/events", c.dicomano, nil).want(t, http.StatusOK)
		var steps []string
		for _, it := range h.items(t) {
			ev := it.(map[string]any)
			steps = append(steps, fmt.Sprintf("%s %v->%v by %v at %v", ev["action"], ev["from_status"], ev["to_status"], ev["actor"], ev["at"]))
		}
		want := []string{
			"request <nil>->requested by " + c.dicomanoName + " at 2026-03-10T09:00:00+01:00",
			"schedule requested->scheduled by " + c.techName + " at 2026-03-10T09:15:00+01:00",
			"start scheduled->in_progress by " + c.techName + " at 2026-03-10T10:30:00+01:00",
			"complete in_progress->completed by " + c.techName + " at 2026-03-10T13:00:00+01:00",
		}
		same(t, "history", steps, want)
		same(t, "scheduled technician", h.get(t, "items", 1, "technician_id"), c.techID)
		same(t, "outcome in the history", h.get(t, "items", 3, "note"), "Scanner installato, driver aggiornati")
	})
}

func TestInterventionRoleRules(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		_, reporter := e.user(t, domain.RoleReporter, 0, "")
		id := e.requestIv(t, c.op, map[string]any{"ente": "dicomano", "tier": "8h", "description": "Rete dell'ufficio tecnico"})
		own := e.requestIv(t, c.londa, map[string]any{"tier": "30m", "description": "Stampante"})
		path := fmt.Sprintf("/api/v1/interventions/%d", id)

		// Another ente's intervention does not exist for an ente user.
		e.do(t, http.MethodGet, path, c.londa, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodGet, path+"/events", c.londa, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodGet, path, c.dicomano, nil).want(t, http.StatusOK)
		same(t, "londa's list", ids(t, e.do(t, http.MethodGet, "/api/v1/interventions", c.londa, nil).want(t, http.StatusOK)), []int64{own})
		e.do(t, http.MethodGet, "/api/v1/interventions?ente=dicomano", c.londa, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		same(t, "the technician's list", ids(t, e.do(t, http.MethodGet, "/api/v1/interventions", c.tech, nil).want(t, http.StatusOK)), []int64{own, id})

		tests := []struct {
			name   string
			token  string
			method string
			path   string
			body   any
		}{
			{"an ente user requests for another ente", c.londa, http.MethodPost, "/api/v1/interventions", map[string]any{"ente": "dicomano", "tier": "4h", "description": "x"}},
			{"a technician requests", c.tech, http.MethodPost, "/api/v1/interventions", map[string]any{"ente": "dicomano", "tier": "4h", "description": "x"}},
			{"an ente user schedules", c.dicomano, http.MethodPost, path + "/schedule", map[string]any{"technician_id": c.techID, "planned_at": "2026-03-10T10:00:00+01:00"}},
			{"an ente user cancels", c.dicomano, http.MethodPost, path + "/cancel", map[string]any{"reason": "non serve più"}},
			{"an operator starts", c.op, http.MethodPost, path + "/start", nil},
			{"an operator completes", c.op, http.MethodPost, path + "/complete", map[string]any{"outcome": "fatto"}},
			{"a technician cancels", c.tech, http.MethodPost, path + "/cancel", map[string]any{"reason": "non serve più"}},
			{"a reporter lists", reporter, http.MethodGet, "/api/v1/interventions", nil},
			{"a technician reads the statistics", c.tech, http.MethodGet, "/api/v1/reports/interventions", nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e.do(t, tc.method, tc.path, tc.token, tc.body).problem(t, http.StatusForbidden, domain.CodeForbidden)
			})
		}
		same(t, "version after the refusals", e.do(t, http.MethodGet, path, c.op, nil).want(t, http.StatusOK).get(t, "version"), 1)
		e.do(t, http.MethodGet, path, "", nil).problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	})
}

func TestInterventionBadRequestsGetAProblem(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		firenzeTicket := e.openTicket(t, c.op, nil)
		tests := []struct {
			name   string
			body   map[string]any
			status int
			code   domain.Code
			fields []string
			detail string
		}{
			{"Firenze is not covered", map[string]any{"ente": "firenze", "tier": "4h", "description": "PC"}, http.StatusUnprocessableEntity, domain.CodeUnprocessable, []string{"ente"},
				"Firenze is not covered by CED Multiente: interventions can only be requested for the comuni it serves"},
			{"Sesto Fiorentino is online, not covered", map[string]any{"ente": "sesto-fiorentino", "tier": "nbd", "description": "PC"}, http.StatusUnprocessableEntity, domain.CodeUnprocessable, []string{"ente"},
				"Sesto Fiorentino is not covered by CED Multiente: interventions can only be requested for the comuni it serves"},
			{"unknown ente", map[string]any{"ente": "atlantide", "tier": "4h", "description": "PC"}, http.StatusUnprocessableEntity, domain.CodeUnprocessable, []string{"ente"},
				`there is no ente with code "atlantide"`},
			{"a ticket of another ente", map[string]any{"ente": "dicomano", "ticket_id": firenzeTicket, "tier": "4h", "description": "PC"}, http.StatusUnprocessableEntity, domain.CodeUnprocessable, []string{"ticket_id"},
				fmt.Sprintf(`there is no ticket %d of ente "dicomano"`, firenzeTicket)},
			{"no ente, tier or description", map[string]any{}, http.StatusBadRequest, domain.CodeInvalid, []string{"ente", "tier", "description"}, "the intervention is not valid"},
			{"unknown tier", map[string]any{"ente": "dicomano", "tier": "2h", "description": "PC"}, http.StatusBadRequest, domain.CodeInvalid, []string{"tier"}, "the intervention is not valid"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p := e.doRaw(t, http.MethodPost, "/api/v1/interventions", c.op, mustJSON(t, tc.body)).problem(t, tc.status, tc.code, tc.fields...)
				same(t, "detail", p["detail"], tc.detail)
			})
		}
		e.doRaw(t, http.MethodPost, "/api/v1/interventions", c.op, []byte(`{"ente":"dicomano","tier":"4h","description":"x","priority":1}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "priority")
		e.doRaw(t, http.MethodPost, "/api/v1/interventions", c.op, []byte(`{"ente":"dicomano","tier":4}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "tier")
		e.doRaw(t, http.MethodPost, "/api/v1/interventions", c.op, []byte(strings.Repeat(" ", 2<<20))).
			problem(t, http.StatusRequestEntityTooLarge, "too_large")
		e.doRaw(t, http.MethodGet, "/api/v1/interventions/abc", c.op, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.doRaw(t, http.MethodGet, "/api/v1/interventions/999", c.op, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.doRaw(t, http.MethodGet, "/api/v1/interventions?status=open&overdue=yes&colour=red", c.op, nil).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "status", "overdue", "colour")
		e.doRaw(t, http.MethodGet, "/api/v1/interventions?cursor=bm9wZQ", c.op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "cursor")
	})
}

func TestInterventionActionsAnswer409412And422(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		id := e.requestIv(t, c.op, map[string]any{"ente": "londa", "tier": "nbd", "description": "Server di posta"})

		p := e.ivAct(t, c.tech, id, "start", nil).problem(t, http.StatusConflict, domain.CodeConflict)
		same(t, "detail", p["detail"], "cannot start: the intervention has not been scheduled yet; schedule it first")
		p = e.ivAct(t, c.tech, id, "complete", map[string]any{"outcome": "ok"}).problem(t, http.StatusConflict, domain.CodeConflict)
		same(t, "detail", p["detail"], "cannot complete: the intervention has not been started yet")

		_, other := e.user(t, domain.RoleOperator, 1, "")
		otherID := e.do(t, http.MethodGet, "/api/v1/me", other, nil).want(t, http.StatusOK).id(t, "id")
		e.ivAct(t, c.op, id, "schedule", map[string]any{"technician_id": otherID, "planned_at": "2026-03-11T09:00:00+01:00"}).
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "technician_id")
		e.ivAct(t, c.op, id, "schedule", map[string]any{"technician_id": 99999, "planned_at": "2026-03-11T09:00:00+01:00"}).
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "technician_id")
		e.ivAct(t, c.op, id, "schedule", map[string]any{"planned_at": "2026-03-11T09:00:00+01:00"}).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "technician_id")
		e.ivAct(t, c.op, id, "schedule", map[string]any{"technician_id": c.techID, "planned_at": "2026-03-09T09:00:00+01:00"}).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "planned_at")
		e.doRaw(t, http.MethodPost, fmt.Sprintf("/api/v1/interventions/%d/schedule", id), c.op, []byte(`{"technician_id":1,"planned_at":"domani"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "planned_at")
		e.doRaw(t, http.MethodPost, fmt.Sprintf("/api/v1/interventions/%d/schedule", id), c.op, []byte(`{"technician_id":1,"outcome":"x"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "outcome")

		e.ivAct(t, c.op, id, "schedule", map[string]any{"technician_id": c.techID, "planned_at": "2026-03-11T09:00:00+01:00"}, "If-Match", `"1"`).want(t, http.StatusOK)
		// The technician read version 1; the operator's schedule made it 2.
		p = e.ivAct(t, c.tech, id, "start", nil, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		same(t, "detail", p["detail"], fmt.Sprintf("intervention %d has changed since you read it (you have version 1, it is at 2); read it again", id))
		e.ivAct(t, c.tech, id, "start", nil, "If-Match", "garbage").problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)

		path := fmt.Sprintf("/api/v1/interventions/%d", id)
		r := e.do(t, http.MethodGet, path, c.tech, nil).want(t, http.StatusOK)
		same(t, "ETag", r.Header.Get("ETag"), `"2"`)
		e.do(t, http.MethodGet, path, c.tech, nil, "If-None-Match", `"2"`).want(t, http.StatusNotModified)

		e.ivAct(t, c.tech, id, "start", map[string]any{}, "If-Match", `"2"`).want(t, http.StatusOK)
		p = e.ivAct(t, c.op, id, "schedule", map[string]any{"technician_id": c.techID, "planned_at": "2026-03-11T09:00:00+01:00"}).problem(t, http.StatusConflict, domain.CodeConflict)
		same(t, "detail", p["detail"], "cannot schedule: the intervention is already in progress")
		e.ivAct(t, c.tech, id, "complete", map[string]any{"outcome": "  "}).problem(t, http.StatusBadRequest, domain.CodeInvalid, "outcome")
		e.doRaw(t, http.MethodPost, path+"/cancel", c.op, []byte(`{}`)).problem(t, http.StatusBadRequest, domain.CodeInvalid, "reason")
		r = e.ivAct(t, c.op, id, "cancel", map[string]any{"reason": "Il comune ha sostituito il server"}).want(t, http.StatusOK)
		for k, want := range map[string]any{"status": "cancelled", "cancel_reason": "Il comune ha sostituito il server", "on_time": nil, "cancelled_at": "2026-03-10T09:00:00+01:00"} {
			same(t, k, r.get(t, k), want)
		}
		p = e.ivAct(t, c.op, id, "cancel", map[string]any{"reason": "di nuovo"}).problem(t, http.StatusConflict, domain.CodeConflict)
		same(t, "detail", p["detail"], "cannot cancel: the intervention was already cancelled")
	})
}

func TestInterventionIdempotentRequestReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		body := map[string]any{"tier": "30m", "description": "Il PC del sindaco non si accende"}
		const key = "req-2026-03-10-sindaco"
		first := e.do(t, http.MethodPost, "/api/v1/interventions", c.dicomano, body, "Idempotency-Key", key).want(t, http.StatusCreated)
		e.clock.Advance(time.Minute)
		again := e.do(t, http.MethodPost, "/api/v1/interventions", c.dicomano, body, "Idempotency-Key", key).want(t, http.StatusCreated)
		same(t, "replayed body", string(again.Body), string(first.Body))
		same(t, "replayed Location", again.Header.Get("Location"), first.Header.Get("Location"))
		same(t, "Idempotent-Replayed", again.Header.Get("Idempotent-Replayed"), "true")
		same(t, "interventions", len(e.do(t, http.MethodGet, "/api/v1/interventions", c.op, nil).want(t, http.StatusOK).items(t)), 1)

		body["tier"] = "4h"
		e.do(t, http.MethodPost, "/api/v1/interventions", c.dicomano, body, "Idempotency-Key", key).problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable)
		same(t, "interventions after a reused key", len(e.do(t, http.MethodGet, "/api/v1/interventions", c.op, nil).want(t, http.StatusOK).items(t)), 1)
	})
}

func TestInterventionOverdueShowsOnReadAndInLists(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		quick := e.requestIv(t, c.dicomano, map[string]any{"tier": "30m", "description": "Mouse"}) // due 09:30
		e.clock.Advance(10 * time.Minute)
		slow := e.requestIv(t, c.dicomano, map[string]any{"tier": "8h", "description": "Server"}) // due 17:10
		e.clock.Advance(21 * time.Minute)                                                         // 09:31

		r := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/interventions/%d", quick), c.dicomano, nil).want(t, http.StatusOK)
		same(t, "overdue", r.get(t, "overdue"), true)
		same(t, "overdue list", ids(t, e.do(t, http.MethodGet, "/api/v1/interventions?overdue=true", c.op, nil).want(t, http.StatusOK)), []int64{quick})
		same(t, "not overdue list", ids(t, e.do(t, http.MethodGet, "/api/v1/interventions?overdue=false", c.op, nil).want(t, http.StatusOK)), []int64{slow})
		same(t, "tier and status", ids(t, e.do(t, http.MethodGet, "/api/v1/interventions?tier=8h,nbd&status=requested&ente=dicomano", c.op, nil).want(t, http.StatusOK)), []int64{slow})
		same(t, "oldest first", ids(t, e.do(t, http.MethodGet, "/api/v1/interventions?sort=requested_at", c.op, nil).want(t, http.StatusOK)), []int64{quick, slow})

		e.ivAct(t, c.tech, slow, "schedule", map[string]any{"planned_at": "2026-03-10T10:00:00+01:00"}).want(t, http.StatusOK)
		same(t, "my interventions", ids(t, e.do(t, http.MethodGet, "/api/v1/interventions?technician=me", c.tech, nil).want(t, http.StatusOK)), []int64{slow})

		first := e.do(t, http.MethodGet, "/api/v1/interventions?limit=1", c.op, nil).want(t, http.StatusOK)
		same(t, "first page", ids(t, first), []int64{slow})
		next := first.str(t, "next_cursor")
		last := e.do(t, http.MethodGet, "/api/v1/interventions?limit=1&cursor="+next, c.op, nil).want(t, http.StatusOK)
		same(t, "second page", ids(t, last), []int64{quick})
		same(t, "end", last.get(t, "next_cursor"), nil)
	})
}

func TestInterventionReportJSONAndCSV(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		// 09:00: a 4h for Dicomano (due 13:00), a 30m for Londa (due
		// 09:30), an NBD for Dicomano left open.
		a := e.requestIv(t, c.dicomano, map[string]any{"tier": "4h", "description": "Scanner"})
		b := e.requestIv(t, c.londa, map[string]any{"tier": "30m", "description": "Stampante"})
		e.requestIv(t, c.op, map[string]any{"ente": "dicomano", "tier": "nbd", "description": "Server"})
		for _, id := range []int64{a, b} {
			e.ivAct(t, c.tech, id, "schedule", map[string]any{"planned_at": "2026-03-10T09:00:00+01:00"}).want(t, http.StatusOK)
			e.ivAct(t, c.tech, id, "start", nil).want(t, http.StatusOK)
		}
		e.clock.Advance(time.Hour) // 10:00: Londa's is late, after an hour of work
		e.ivAct(t, c.tech, b, "complete", map[string]any{"outcome": "Toner"}).want(t, http.StatusOK)
		e.clock.Advance(time.Hour) // 11:00: Dicomano's is on time, after two
		e.ivAct(t, c.tech, a, "complete", map[string]any{"outcome": "Driver"}).want(t, http.StatusOK)

		row := func(tier, ente, month any, n, done, onTime int, share, median, p90 any) map[string]any {
			return map[string]any{"tier": tier, "ente": ente, "month": month, "count": n, "completed": done, "completed_on_time": onTime,
				"on_time_share": share, "median_working_seconds": median, "p90_working_seconds": p90}
		}
		r := e.do(t, http.MethodGet, "/api/v1/reports/interventions?from=2026-03-01&to=2026-04-01&group_by=tier", c.op, nil).want(t, http.StatusOK)
		same(t, "by tier", r.JSON, map[string]any{
			"from": "2026-03-01T00:00:00+01:00", "to": "2026-04-01T00:00:00+02:00", "ente": nil, "group_by": []string{"tier"},
			"percentile_method": "nearest-rank",
			"rows": []any{
				row("30m", nil, nil, 1, 1, 0, 0, 3600, 3600),
				row("4h", nil, nil, 1, 1, 1, 1, 7200, 7200),
				row("nbd", nil, nil, 1, 0, 0, nil, nil, nil),
			},
		})
		// Two completed: the median is rank ceil(1) = 1, the 90th
		// percentile rank ceil(1.8) = 2. The period defaults to this year.
		_, reporter := e.user(t, domain.RoleReporter, 0, "")
		r = e.do(t, http.MethodGet, "/api/v1/reports/interventions", reporter, nil).want(t, http.StatusOK)
		same(t, "overall", r.get(t, "rows"), []any{row(nil, nil, nil, 3, 2, 1, 0.5, 3600, 7200)})
		same(t, "default period", []any{r.get(t, "from"), r.get(t, "to")}, []string{"2026-01-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00"})

		// An ente user sees their own ente only.
		r = e.do(t, http.MethodGet, "/api/v1/reports/interventions?group_by=month", c.dicomano, nil).want(t, http.StatusOK)
		same(t, "dicomano's own", r.get(t, "rows"), []any{row(nil, nil, "2026-03", 2, 1, 1, 1, 7200, 7200)})
		same(t, "dicomano's ente", r.get(t, "ente"), "dicomano")
		e.do(t, http.MethodGet, "/api/v1/reports/interventions?ente=londa", c.dicomano, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)

		csvTests := []struct {
			name, query, want string
		}{
			{"plain", "group_by=tier,month", "tier,ente,month,count,completed,completed_on_time,on_time_share,median_working_seconds,p90_working_seconds\n" +
				"30m,,2026-03,1,1,0,0.0000,3600,3600\n4h,,2026-03,1,1,1,1.0000,7200,7200\nnbd,,2026-03,1,0,0,,,\n"},
			{"Italian", "group_by=ente&locale=it", "\ufefffascia;ente;mese;interventi;completati;completati in tempo;quota in tempo;mediana (secondi lavorativi);90° percentile (secondi lavorativi)\n" +
				";dicomano;;2;1;1;1,0000;7200;7200\n;londa;;1;1;0;0,0000;3600;3600\n"},
			{"Italian, overall", "locale=it", "\ufefffascia;ente;mese;interventi;completati;completati in tempo;quota in tempo;mediana (secondi lavorativi);90° percentile (secondi lavorativi)\n" +
				";;;3;2;1;0,5000;3600;7200\n"},
		}
		for _, tc := range csvTests {
			r := e.do(t, http.MethodGet, "/api/v1/reports/interventions?"+tc.query, c.op, nil, "Accept", "text/csv").want(t, http.StatusOK)
			same(t, tc.name+" Content-Type", r.Header.Get("Content-Type"), "text/csv; charset=utf-8")
			same(t, tc.name+" CSV", string(r.Body), tc.want)
		}
		r = e.do(t, http.MethodGet, "/api/v1/reports/interventions", c.op, nil, "Accept", "text/csv;q=0.5, application/json").want(t, http.StatusOK)
		same(t, "JSON preferred", r.Header.Get("Content-Type"), "application/json; charset=utf-8")
		e.do(t, http.MethodGet, "/api/v1/reports/interventions", c.op, nil, "Accept", "image/png").problem(t, http.StatusNotAcceptable, "not_acceptable")

		for _, tc := range []struct{ query, field string }{
			{"group_by=level", "group_by"}, {"group_by=tier,tier", "group_by"}, {"from=ieri", "from"},
			{"from=2026-04-01&to=2026-03-01", "to"}, {"locale=fr", "locale"}, {"year=2026", "year"},
			// An unknown ente is a 400, as on every other report (it was a
			// 200 with no rows).
			{"ente=nessuno", "ente"},
		} {
			e.doRaw(t, http.MethodGet, "/api/v1/reports/interventions?"+tc.query, c.op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, tc.field)
		}
	})
}

// TestOnlyTheScheduledTechnicianStartsOrCompletes: a colleague takes over
// only by being scheduled (an operator or admin reassigns); until then
// they may not start or complete someone else's intervention.
func TestOnlyTheScheduledTechnicianStartsOrCompletes(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := newIvCrew(t, e)
		_, other := e.user(t, domain.RoleTechnician, 0, "")
		otherID := e.do(t, http.MethodGet, "/api/v1/me", other, nil).want(t, http.StatusOK).id(t, "id")
		id := e.requestIv(t, c.op, map[string]any{"ente": "londa", "tier": "nbd", "description": "Stampante di rete"})
		e.ivAct(t, c.op, id, "schedule", map[string]any{"technician_id": c.techID, "planned_at": "2026-03-11T09:00:00+01:00"}).want(t, http.StatusOK)

		p := e.ivAct(t, other, id, "start", nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		same(t, "detail", p["detail"], fmt.Sprintf("only the technician scheduled for intervention %d may start it; ask to be scheduled first", id))

		// The operator reassigns it to the colleague, who may now start it;
		// the first technician may no longer.
		e.ivAct(t, c.op, id, "schedule", map[string]any{"technician_id": otherID, "planned_at": "2026-03-11T10:00:00+01:00"}).want(t, http.StatusOK)
		e.ivAct(t, c.tech, id, "start", nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.ivAct(t, other, id, "start", nil).want(t, http.StatusOK)
		e.ivAct(t, c.tech, id, "complete", map[string]any{"outcome": "fatto"}).problem(t, http.StatusForbidden, domain.CodeForbidden)
		r := e.ivAct(t, other, id, "complete", map[string]any{"outcome": "Toner sostituito"}).want(t, http.StatusOK)
		same(t, "status", r.obj(t)["status"], "completed")
	})
}
