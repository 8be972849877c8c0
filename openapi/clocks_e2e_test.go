package openapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// romeAt is a wall-clock instant in Rome.
func romeAt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, rptRome)
}

// crew is a set of users whose tokens are renewed when a test jumps its
// clock further than a token lives.
type crew struct {
	op, firenze, dicomano, tech string
	names                       map[*string]string
}

func newCrew(t *testing.T, e *env) *crew {
	t.Helper()
	c := &crew{names: map[*string]string{}}
	var n string
	n, c.op = e.user(t, domain.RoleOperator, 2, "")
	c.names[&c.op] = n
	n, c.firenze = e.user(t, domain.RoleEnte, 0, "firenze")
	c.names[&c.firenze] = n
	n, c.dicomano = e.user(t, domain.RoleEnte, 0, "dicomano")
	c.names[&c.dicomano] = n
	n, c.tech = e.user(t, domain.RoleTechnician, 0, "")
	c.names[&c.tech] = n
	return c
}

// jump sets the env's clock to at and signs everyone in again there.
func (c *crew) jump(t *testing.T, e *env, at time.Time) {
	t.Helper()
	e.clock.Set(at)
	e.admin = e.login(t, "admin", testPassword)
	for tok, name := range c.names {
		*tok = e.login(t, name, testPassword)
	}
}

// startAt moves a fresh env's clock (which may be backwards: nobody holds
// a token yet but admin, who signs in again) and builds the crew there.
func startAt(t *testing.T, e *env, at time.Time) *crew {
	t.Helper()
	e.clock.Set(at)
	e.admin = e.login(t, "admin", testPassword)
	return newCrew(t, e)
}

func rfc(t time.Time) string { return t.Format(time.RFC3339) }

// wantInstant fails unless the JSON value at path is the instant want.
func wantInstant(t *testing.T, r *resp, want time.Time, path ...any) {
	t.Helper()
	got, err := time.Parse(time.RFC3339Nano, r.str(t, path...))
	if err != nil || !got.Equal(want) {
		t.Errorf("%v: got %s, want %s", path, r.str(t, path...), rfc(want.In(rptRome)))
	}
}

// slaOf returns the index of a clock in a ticket's sla array.
func slaOf(t *testing.T, r *resp, code domain.SLACode) int {
	t.Helper()
	for i, c := range r.get(t, "sla").([]any) {
		if c.(map[string]any)["code"] == string(code) {
			return i
		}
	}
	t.Fatalf("no clock %s in %s", code, r.Body)
	return -1
}

// TestReceivedAtAndRequestedAtOnTheCalendar: back-dated tickets and
// interventions start their clocks when the report arrived, on the ente's
// calendar, across a law's new holiday (before and after it), a patron
// saint, both DST weekends and a weekend; the window, the skew and the
// ente users' 403.
func TestReceivedAtAndRequestedAtOnTheCalendar(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		// Before Law 151/2025: Friday 4 October 2024 is a working day.
		c := startAt(t, e, romeAt(2024, time.October, 7, 9, 0))
		received := romeAt(2024, time.October, 3, 15, 0)
		r := e.do(t, http.MethodPost, "/api/v1/tickets", c.op, ticketBody(map[string]any{"ente": "dicomano", "received_at": rfc(received)})).want(t, http.StatusCreated)
		wantInstant(t, r, romeAt(2024, time.October, 4, 11, 0), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
		wantInstant(t, r, received, "received_at")
		wantInstant(t, r, e.clock.Now(), "entered_at")
		iv := e.do(t, http.MethodPost, "/api/v1/interventions", c.op, map[string]any{"ente": "dicomano", "tier": "nbd",
			"description": "Server", "requested_at": rfc(received)}).want(t, http.StatusCreated)
		wantInstant(t, iv, romeAt(2024, time.October, 4, 18, 0), "deadline")
		wantInstant(t, iv, received, "requested_at")

		// Both DST weekends of 2026, received on a Friday: SLA.7 has 1 h
		// on Friday and 5 h on Monday; SLA.8 (calendar) 2 h; a 4h
		// intervention ends Monday 11:00.
		for _, fri := range []time.Time{romeAt(2026, time.March, 27, 17, 0), romeAt(2026, time.October, 23, 17, 0)} {
			c.jump(t, e, fri.AddDate(0, 0, 3).Add(-8*time.Hour)) // Monday 09:00
			r := e.do(t, http.MethodPost, "/api/v1/tickets", c.op, ticketBody(map[string]any{"received_at": rfc(fri)})).want(t, http.StatusCreated)
			mon := func(h int) time.Time { return romeAt(fri.Year(), fri.Month(), fri.Day()+3, h, 0) }
			wantInstant(t, r, mon(13), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
			wantInstant(t, r, fri.Add(time.Hour), "sla", slaOf(t, r, domain.SLATakeInCharge), "deadline")
			wantInstant(t, r, fri.Add(2*time.Hour), "sla", slaOf(t, r, domain.SLAPhoneIntervention), "deadline")
			id := r.id(t, "id")
			ev := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/events", id), c.op, nil).want(t, http.StatusOK)
			wantInstant(t, ev, fri, "items", 0, "at")
			wantInstant(t, ev, e.clock.Now(), "items", 0, "entered_at")
			iv := e.do(t, http.MethodPost, "/api/v1/interventions", c.op, map[string]any{"ente": "dicomano", "tier": "4h",
				"description": "Stampante", "requested_at": rfc(fri)}).want(t, http.StatusCreated)
			wantInstant(t, iv, mon(11), "deadline")
		}

		// San Giovanni closes Firenze on Thursday 24 June 2027, not Fiesole.
		c.jump(t, e, romeAt(2027, time.June, 25, 9, 0))
		wed := romeAt(2027, time.June, 23, 15, 0)
		r = e.do(t, http.MethodPost, "/api/v1/tickets", c.op, ticketBody(map[string]any{"ente": "firenze", "received_at": rfc(wed)})).want(t, http.StatusCreated)
		wantInstant(t, r, romeAt(2027, time.June, 25, 11, 0), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
		r = e.do(t, http.MethodPost, "/api/v1/tickets", c.op, ticketBody(map[string]any{"ente": "fiesole", "received_at": rfc(wed)})).want(t, http.StatusCreated)
		wantInstant(t, r, romeAt(2027, time.June, 24, 11, 0), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
		// The same for interventions: Dicomano closes on its patron's day
		// (added here), its neighbour Londa does not.
		e.do(t, http.MethodPost, "/api/v1/enti/dicomano/closures", e.admin, map[string]any{"month": 6, "day": 24, "reason": "Santo patrono"}).want(t, http.StatusCreated)
		for ente, due := range map[string]time.Time{"dicomano": romeAt(2027, time.June, 25, 9, 0), "londa": romeAt(2027, time.June, 24, 9, 0)} {
			iv := e.do(t, http.MethodPost, "/api/v1/interventions", c.op, map[string]any{"ente": ente, "tier": "4h",
				"description": "Stampante", "requested_at": rfc(wed)}).want(t, http.StatusCreated)
			wantInstant(t, iv, due, "deadline")
		}

		// After the law: Monday 4 October 2027 is San Francesco.
		c.jump(t, e, romeAt(2027, time.October, 5, 9, 0))
		fri := romeAt(2027, time.October, 1, 15, 0)
		r = e.do(t, http.MethodPost, "/api/v1/tickets", c.op, ticketBody(map[string]any{"ente": "dicomano", "received_at": rfc(fri)})).want(t, http.StatusCreated)
		wantInstant(t, r, romeAt(2027, time.October, 5, 11, 0), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
		iv = e.do(t, http.MethodPost, "/api/v1/interventions", c.op, map[string]any{"ente": "dicomano", "tier": "4h",
			"description": "Rete", "requested_at": rfc(fri.Add(time.Hour))}).want(t, http.StatusCreated)
		wantInstant(t, iv, romeAt(2027, time.October, 5, 10, 0), "deadline")

		// The window (7 days) and the skew (5 s), to the second.
		now := e.clock.Now()
		for _, w := range []struct {
			at     time.Time
			status int
		}{
			{now.Add(-7 * 24 * time.Hour), http.StatusCreated},
			{now.Add(-7*24*time.Hour - time.Second), http.StatusBadRequest},
			{now.Add(5 * time.Second), http.StatusCreated},
			{now.Add(6 * time.Second), http.StatusBadRequest},
		} {
			r := e.do(t, http.MethodPost, "/api/v1/tickets", c.op, ticketBody(map[string]any{"received_at": rfc(w.at)}))
			iv := e.do(t, http.MethodPost, "/api/v1/interventions", c.op, map[string]any{"ente": "dicomano", "tier": "30m", "description": "x", "requested_at": rfc(w.at)})
			if w.status == http.StatusCreated {
				r.want(t, w.status)
				iv.want(t, w.status)
				continue
			}
			r.problem(t, w.status, domain.CodeInvalid, "received_at")
			iv.problem(t, w.status, domain.CodeInvalid, "requested_at")
		}
		e.doRaw(t, http.MethodPost, "/api/v1/tickets", c.op, []byte(`{"ente":"firenze","subject":"x","service":"app","channel":"email","received_at":"ieri"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "received_at")

		// Ente users cannot back-date, even by a minute.
		e.do(t, http.MethodPost, "/api/v1/tickets", c.firenze, ticketBody(map[string]any{"received_at": rfc(now.Add(-time.Minute))})).
			problem(t, http.StatusForbidden, domain.CodeForbidden, "received_at")
		e.do(t, http.MethodPost, "/api/v1/interventions", c.dicomano, map[string]any{"tier": "4h", "description": "x", "requested_at": rfc(now.Add(-time.Minute))}).
			problem(t, http.StatusForbidden, domain.CodeForbidden, "requested_at")
		e.do(t, http.MethodPost, "/api/v1/tickets", c.firenze, ticketBody(nil)).want(t, http.StatusCreated)
	})
}

// deadline asks the preview.
func (e *env) deadline(t *testing.T, token string, q url.Values) *resp {
	t.Helper()
	return e.doRaw(t, http.MethodGet, "/api/v1/calendar/deadline?"+q.Encode(), token, nil)
}

// TestDeadlinePreview: the preview answers the same deadlines as the
// clocks, for any instant, with the days it skipped and why.
func TestDeadlinePreview(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, ente := e.user(t, domain.RoleEnte, 0, "firenze")
		q := func(kv ...string) url.Values {
			v := url.Values{}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		wed := rfc(romeAt(2027, time.June, 23, 15, 0))
		r := e.deadline(t, ente, q("ente", "firenze", "from", wed, "sla", "SLA.7")).want(t, http.StatusOK)
		wantInstant(t, r, romeAt(2027, time.June, 25, 11, 0), "deadline")
		same(t, "Firenze's rule", r.get(t, "rule"), map[string]any{"kind": "sla", "name": "SLA.7", "basis": "working", "minutes": 360,
			"starts": "2027-06-23T15:00:00+02:00", "text": "SLA.7: 360 working minutes from the first opening at or after the report",
			"skipped": []any{map[string]any{"date": "2027-06-24", "why": "closure", "detail": "San Giovanni"}}})
		r = e.deadline(t, ente, q("ente", "fiesole", "from", wed, "sla", "SLA.7")).want(t, http.StatusOK)
		wantInstant(t, r, romeAt(2027, time.June, 24, 11, 0), "deadline")
		same(t, "Fiesole skips", r.get(t, "rule", "skipped"), []any{})

		// SLA.8 counts calendar time by default.
		r = e.deadline(t, ente, q("ente", "firenze", "from", rfc(romeAt(2027, time.June, 23, 17, 30)), "sla", "SLA.8")).want(t, http.StatusOK)
		wantInstant(t, r, romeAt(2027, time.June, 23, 19, 30), "deadline")
		same(t, "SLA.8 basis", r.get(t, "rule", "basis"), "calendar")

		// 4 October: working in 2024, San Francesco from 2026.
		r = e.deadline(t, ente, q("ente", "dicomano", "from", rfc(romeAt(2024, time.October, 3, 10, 0)), "tier", "nbd")).want(t, http.StatusOK)
		wantInstant(t, r, romeAt(2024, time.October, 4, 18, 0), "deadline")
		r = e.deadline(t, ente, q("ente", "dicomano", "from", rfc(romeAt(2027, time.October, 1, 10, 0)), "tier", "nbd")).want(t, http.StatusOK)
		wantInstant(t, r, romeAt(2027, time.October, 5, 18, 0), "deadline")
		same(t, "2027 skips", r.get(t, "rule", "skipped"), []any{
			map[string]any{"date": "2027-10-02", "why": "weekend", "detail": "Saturday"},
			map[string]any{"date": "2027-10-03", "why": "weekend", "detail": "Sunday"},
			map[string]any{"date": "2027-10-04", "why": "national_holiday", "detail": "San Francesco d'Assisi"},
		})

		// Both DST weekends: Friday 17:00 + 120 working minutes is Monday 09:00.
		for _, fri := range []time.Time{romeAt(2026, time.March, 27, 17, 0), romeAt(2026, time.October, 23, 17, 0)} {
			r := e.deadline(t, ente, q("ente", "fiesole", "from", rfc(fri), "working_minutes", "120")).want(t, http.StatusOK)
			wantInstant(t, r, romeAt(fri.Year(), fri.Month(), fri.Day()+3, 9, 0), "deadline")
			same(t, "weekend days", len(r.get(t, "rule", "skipped").([]any)), 2)
		}
		// A date means midnight in Rome: counting starts at 08:00.
		r = e.deadline(t, ente, q("ente", "fiesole", "from", "2026-03-10", "tier", "30m")).want(t, http.StatusOK)
		wantInstant(t, r, romeAt(2026, time.March, 10, 8, 30), "deadline")

		for name, c := range map[string]struct {
			q     url.Values
			field string
		}{
			"none of the three":    {q("ente", "firenze", "from", wed), "working_minutes"},
			"two of them":          {q("ente", "firenze", "from", wed, "tier", "4h", "sla", "SLA.7"), "working_minutes"},
			"bad tier":             {q("ente", "firenze", "from", wed, "tier", "5h"), "tier"},
			"bad sla":              {q("ente", "firenze", "from", wed, "sla", "SLA.9"), "sla"},
			"minutes not a number": {q("ente", "firenze", "from", wed, "working_minutes", "tanti"), "working_minutes"},
			"minutes zero":         {q("ente", "firenze", "from", wed, "working_minutes", "0"), "working_minutes"},
			"no from":              {q("ente", "firenze", "tier", "4h"), "from"},
			"bad from":             {q("ente", "firenze", "from", "domani", "tier", "4h"), "from"},
			"from before 1977":     {q("ente", "firenze", "from", "1900-01-01", "tier", "4h"), "from"},
			"no ente":              {q("from", wed, "tier", "4h"), "ente"},
			"unknown ente":         {q("ente", "atlantide", "from", wed, "tier", "4h"), "ente"},
			"unknown parameter":    {q("ente", "firenze", "from", wed, "tier", "4h", "at", wed), "at"},
		} {
			t.Run(name, func(t *testing.T) {
				e.deadline(t, ente, c.q).problem(t, http.StatusBadRequest, domain.CodeInvalid, c.field)
			})
		}
	})
}

// TestWaitAndResume: waiting stops the reply clock and an intervention's
// tier clock; a resume, the ente's reply or until restart them, and the
// deadline moves by exactly the paused working time, here across the
// weekend and the holiday of Monday 4 October 2027. Lists filter by
// waiting; the 409s say why.
func TestWaitAndResume(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		thu := romeAt(2027, time.September, 30, 10, 0)
		c := startAt(t, e, thu)
		open := func() int64 {
			id := e.openTicket(t, c.op, map[string]any{"channel": "email"})
			e.act(t, c.op, id, "take-in-charge", "").want(t, http.StatusOK)
			return id
		}
		a, b, u := open(), open(), open()
		nuovo := e.openTicket(t, c.op, nil)
		path := func(id int64, action string) string { return fmt.Sprintf("/api/v1/tickets/%d/%s", id, action) }
		wait := func(id int64, body map[string]any, headers ...string) *resp {
			return e.do(t, http.MethodPost, path(id, "wait"), c.op, body, headers...)
		}
		get := func(id int64) *resp {
			return e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", id), c.op, nil).want(t, http.StatusOK)
		}
		sla7 := func(r *resp, key string) any { return r.get(t, "sla", slaOf(t, r, domain.SLAFirstReply), key) }

		wait(nuovo, map[string]any{"reason": "x", "waiting_on": "ente"}).problem(t, http.StatusConflict, domain.CodeConflict)
		e.act(t, c.op, a, "resume", "").problem(t, http.StatusConflict, domain.CodeConflict)
		e.doRaw(t, http.MethodPost, path(a, "wait"), c.op, []byte(`{"waiting_on":"ente"}`)).problem(t, http.StatusBadRequest, domain.CodeInvalid, "reason")
		e.doRaw(t, http.MethodPost, path(a, "wait"), c.op, []byte(`{"reason":"x","waiting_on":"nessuno"}`)).problem(t, http.StatusBadRequest, domain.CodeInvalid, "waiting_on")
		e.doRaw(t, http.MethodPost, path(a, "wait"), c.op, []byte(`{"reason":"x","waiting_on":"ente","until":"2027-09-30T09:00:00+02:00"}`)).problem(t, http.StatusBadRequest, domain.CodeInvalid, "until")
		e.do(t, http.MethodPost, path(a, "wait"), c.firenze, map[string]any{"reason": "x", "waiting_on": "ente"}).problem(t, http.StatusForbidden, domain.CodeForbidden)

		e.clock.Set(romeAt(2027, time.September, 30, 12, 0))
		wait(a, map[string]any{"reason": "x", "waiting_on": "ente"}, "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		r := wait(a, map[string]any{"reason": "Attendiamo i log del server", "waiting_on": "ente"}, "If-Match", `"2"`).want(t, http.StatusOK)
		same(t, "waiting", r.get(t, "waiting"), true)
		same(t, "status", r.get(t, "status"), "aperto")
		same(t, "waiting_on", r.get(t, "waiting_on"), "ente")
		wantInstant(t, r, e.clock.Now(), "paused_since")
		wantInstant(t, r, e.clock.Now(), "sla", slaOf(t, r, domain.SLAFirstReply), "paused_since")
		if r.Header.Get("ETag") != `"3"` {
			t.Errorf("ETag after the wait: got %s, want \"3\"", r.Header.Get("ETag"))
		}
		wait(a, map[string]any{"reason": "ancora", "waiting_on": "ente"}).problem(t, http.StatusConflict, domain.CodeConflict)
		until := romeAt(2027, time.October, 1, 12, 0)
		wait(u, map[string]any{"reason": "Fornitore", "waiting_on": "third_party", "until": rfc(until)}).want(t, http.StatusOK)
		wait(b, map[string]any{"reason": "Serve il protocollo", "waiting_on": "ente"}).want(t, http.StatusOK)

		// The ente answers an hour later: the wait is over, and the desk's
		// clock is not stopped by it; its deadline moved by that hour.
		e.clock.Set(romeAt(2027, time.September, 30, 13, 0))
		r = e.do(t, http.MethodPost, path(b, "replies"), c.firenze, map[string]string{"body": "Protocollo 123"}).want(t, http.StatusOK)
		same(t, "b waiting", r.get(t, "waiting"), false)
		same(t, "b SLA.7 stopped", sla7(r, "stopped_at"), nil)
		wantInstant(t, r, romeAt(2027, time.September, 30, 17, 0), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
		same(t, "b paused minutes", sla7(r, "paused_minutes"), 60)

		listed := func(q string) []int64 {
			return ids(t, e.do(t, http.MethodGet, "/api/v1/tickets?"+q, c.op, nil).want(t, http.StatusOK))
		}
		same(t, "waiting=true", listed("waiting=true&sort=opened_at"), []int64{a, u})
		same(t, "waiting=false", listed("waiting=false&sort=opened_at"), []int64{b, nuovo})

		// until passes on Friday 12:00: 10 working hours paused, so SLA.7
		// of u is due Friday 16:00 and breaches just after.
		e.clock.Set(until)
		r = get(u)
		same(t, "u waiting after until", r.get(t, "waiting"), false)
		wantInstant(t, r, romeAt(2027, time.October, 1, 16, 0), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
		same(t, "u paused minutes", sla7(r, "paused_minutes"), 600)
		same(t, "waiting=true at until", listed("waiting=true"), []int64{a})
		e.clock.Set(romeAt(2027, time.October, 1, 16, 0).Add(time.Second))
		same(t, "u state", sla7(get(u), "state"), "breached")
		same(t, "breached SLA.7", listed("sla=SLA.7&sla_state=breached&sort=opened_at"), []int64{b, u, nuovo})
		e.act(t, c.op, u, "resume", "").problem(t, http.StatusConflict, domain.CodeConflict)

		// a has waited across the weekend and San Francesco: still running.
		e.clock.Set(romeAt(2027, time.October, 5, 10, 0))
		same(t, "a state while paused", sla7(get(a), "state"), "running")
		same(t, "running SLA.7", listed("sla=SLA.7&sla_state=running"), []int64{a})
		// The SLA report counts the paused clock as running, whether it
		// reads the yearly rollup or the clocks of a shorter period.
		sla7Counts := func(when string) {
			for _, q := range []string{"from=2027-01-01&to=2028-01-01", "from=2027-09-01&to=2027-11-01"} {
				r := e.do(t, http.MethodGet, "/api/v1/reports/sla?"+q, c.op, nil).want(t, http.StatusOK)
				for _, row := range r.get(t, "rows").([]any) {
					if m := row.(map[string]any); m["code"] == "SLA.7" {
						same(t, when+" SLA.7 met, breached, running ("+q+")", []any{m["met"], m["breached"], m["running"]}, map[string][]any{
							"paused": {0, 3, 1}, "resolved": {1, 3, 0}}[when])
					}
				}
			}
		}
		sla7Counts("paused")
		r = e.act(t, c.op, a, "resume", "").want(t, http.StatusOK)
		wantInstant(t, r, romeAt(2027, time.October, 5, 14, 0), "sla", slaOf(t, r, domain.SLAFirstReply), "deadline")
		same(t, "a paused minutes", sla7(r, "paused_minutes"), 18*60)
		same(t, "a waiting", r.get(t, "waiting"), false)
		e.act(t, c.op, a, "resume", "").problem(t, http.StatusConflict, domain.CodeConflict)
		ev := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/events", a), c.firenze, nil).want(t, http.StatusOK)
		same(t, "wait event", []any{ev.get(t, "items", 2, "action"), ev.get(t, "items", 2, "body"), ev.get(t, "items", 2, "waiting_on")},
			[]any{"wait", "Attendiamo i log del server", "ente"})
		same(t, "resume event", ev.get(t, "items", 3, "action"), "resume")

		// A closed ticket cannot wait.
		e.act(t, c.op, a, "resolve", "Fatto").want(t, http.StatusOK)
		sla7Counts("resolved")
		wait(a, map[string]any{"reason": "x", "waiting_on": "ente"}).problem(t, http.StatusConflict, domain.CodeConflict)
	})
}

// TestInterventionWaitAndResume: an intervention's tier clock pauses and
// its deadline moves by the paused working time; never overdue while
// paused; ente users may not pause; closed interventions cannot.
func TestInterventionWaitAndResume(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		c := startAt(t, e, romeAt(2027, time.September, 30, 10, 0))
		id := e.requestIv(t, c.op, map[string]any{"ente": "dicomano", "tier": "8h", "description": "Server"})
		other := e.requestIv(t, c.op, map[string]any{"ente": "dicomano", "tier": "30m", "description": "Mouse"})
		e.ivAct(t, c.dicomano, id, "wait", map[string]any{"reason": "x", "waiting_on": "ente"}).problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.ivAct(t, c.tech, id, "resume", nil).problem(t, http.StatusConflict, domain.CodeConflict)
		e.doRaw(t, http.MethodPost, fmt.Sprintf("/api/v1/interventions/%d/wait", id), c.tech, []byte(`{"reason":"x","waiting_on":"ente","outcome":"no"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "outcome")

		e.clock.Set(romeAt(2027, time.September, 30, 12, 0))
		r := e.ivAct(t, c.tech, id, "wait", map[string]any{"reason": "Manca il disco", "waiting_on": "third_party"}, "If-Match", `"1"`).want(t, http.StatusOK)
		same(t, "waiting", r.get(t, "waiting"), true)
		same(t, "status", r.get(t, "status"), "requested")
		e.ivAct(t, c.tech, id, "wait", map[string]any{"reason": "x", "waiting_on": "ente"}).problem(t, http.StatusConflict, domain.CodeConflict)

		e.clock.Set(romeAt(2027, time.October, 5, 10, 0))
		list := func(q string) []int64 {
			return ids(t, e.do(t, http.MethodGet, "/api/v1/interventions?"+q, c.op, nil).want(t, http.StatusOK))
		}
		same(t, "overdue while paused", list("overdue=true"), []int64{other})
		same(t, "waiting", list("waiting=true"), []int64{id})
		same(t, "not waiting", list("waiting=false"), []int64{other})
		r = e.ivAct(t, c.op, id, "resume", nil).want(t, http.StatusOK)
		// 6 h Thursday, 10 h Friday, 2 h Tuesday paused: Thursday 18:00 moves to Tuesday 16:00.
		wantInstant(t, r, romeAt(2027, time.October, 5, 16, 0), "deadline")
		same(t, "paused minutes", r.get(t, "paused_minutes"), 18*60)
		same(t, "overdue", r.get(t, "overdue"), false)
		ev := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/interventions/%d/events", id), c.op, nil).want(t, http.StatusOK)
		same(t, "events", []any{ev.get(t, "items", 1, "action"), ev.get(t, "items", 1, "waiting_on"), ev.get(t, "items", 2, "action")},
			[]any{"wait", "third_party", "resume"})

		e.ivAct(t, c.op, other, "cancel", map[string]any{"reason": "Doppione"}).want(t, http.StatusOK)
		e.ivAct(t, c.op, other, "wait", map[string]any{"reason": "x", "waiting_on": "ente"}).problem(t, http.StatusConflict, domain.CodeConflict)
	})
}
