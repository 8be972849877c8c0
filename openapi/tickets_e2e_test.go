package openapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// ticketBody is a valid ticket to open, with fields replaced by over.
func ticketBody(over map[string]any) map[string]any {
	b := map[string]any{
		"ente": "firenze", "subject": "Il portale non risponde", "description": "Da stamattina errore 502.",
		"service": "portale_servizi", "channel": "phone",
	}
	maps.Copy(b, over)
	return b
}

// openTicket opens a ticket and returns its id.
func (e *env) openTicket(t *testing.T, token string, over map[string]any) int64 {
	t.Helper()
	return e.do(t, http.MethodPost, "/api/v1/tickets", token, ticketBody(over)).want(t, http.StatusCreated).id(t, "id")
}

// act applies an action (its URL segment) to a ticket; body "" sends no
// request body at all.
func (e *env) act(t *testing.T, token string, id int64, action, body string, headers ...string) *resp {
	t.Helper()
	var v any
	if body != "" {
		v = map[string]string{"body": body}
	}
	return e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/%s", id, action), token, v, headers...)
}

// same fails unless got and want encode to the same JSON, so that numbers
// decoded as float64 compare equal to the ints a test writes.
func same(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: got %s, want %s", what, g, w)
	}
}

// clocks returns a ticket's SLA clocks keyed by code.
func clocks(t *testing.T, r *resp) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, c := range r.get(t, "sla").([]any) {
		m := c.(map[string]any)
		out[m["code"].(string)] = m
	}
	return out
}

// ids returns the ids of a list answer's items, in order.
func ids(t *testing.T, r *resp) []int64 {
	t.Helper()
	out := []int64{}
	for i := range r.items(t) {
		out = append(out, r.id(t, "items", i, "id"))
	}
	return out
}

// TestTicketTour is the README's curl tour: token, open a ticket, take it
// in charge, escalate, resolve, read the history; with exact SLA clocks.
func TestTicketTour(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		tok := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "admin", "password": testPassword}).
			want(t, http.StatusOK).str(t, "access_token")

		// Tuesday 10 March 2026, 09:00 in Rome.
		r := e.do(t, http.MethodPost, "/api/v1/tickets", tok, ticketBody(nil)).want(t, http.StatusCreated)
		id := r.id(t, "id")
		if got, want := r.Header.Get("Location"), fmt.Sprintf("/api/v1/tickets/%d", id); got != want {
			t.Errorf("Location: got %q, want %q", got, want)
		}
		for k, want := range map[string]any{
			"ente": "firenze", "status": "nuovo", "level": 1, "assignee_id": nil, "opened_by": 1,
			"opened_at": "2026-03-10T09:00:00+01:00", "closed_at": nil, "version": 1, "channel": "phone",
		} {
			same(t, k, r.get(t, k), want)
		}
		// SLA.6 and SLA.7 count counter hours; SLA.8 two hours of calendar time.
		cl := clocks(t, r)
		for code, want := range map[string]map[string]any{
			"SLA.6": {"target_minutes": 60, "basis": "working", "deadline": "2026-03-10T10:00:00+01:00", "state": "running", "stopped_at": nil, "elapsed_minutes": nil},
			"SLA.7": {"target_minutes": 360, "basis": "working", "deadline": "2026-03-10T15:00:00+01:00", "state": "running", "stopped_at": nil, "elapsed_minutes": nil},
			"SLA.8": {"target_minutes": 120, "basis": "calendar", "deadline": "2026-03-10T11:00:00+01:00", "state": "running", "stopped_at": nil, "elapsed_minutes": nil},
		} {
			for k, w := range want {
				same(t, code+" "+k, cl[code][k], w)
			}
		}
		if len(cl) != 3 {
			t.Errorf("got %d SLA clocks, want 3", len(cl))
		}

		e.clock.Advance(20 * time.Minute)
		r = e.act(t, tok, id, "take-in-charge", "").want(t, http.StatusOK)
		same(t, "status", r.get(t, "status"), "aperto")
		same(t, "assignee_id", r.get(t, "assignee_id"), 1)
		same(t, "SLA.6 after take in charge", clocks(t, r)["SLA.6"], map[string]any{
			"basis": "working", "code": "SLA.6", "deadline": "2026-03-10T10:00:00+01:00",
			"description": "Presa in carico della segnalazione", "elapsed_minutes": 20, "paused_minutes": 0, "paused_since": nil,
			"started_at": "2026-03-10T09:00:00+01:00", "state": "met", "stopped_at": "2026-03-10T09:20:00+01:00",
			"target_minutes": 60,
		})

		e.clock.Advance(10 * time.Minute)
		r = e.act(t, tok, id, "escalate", "").want(t, http.StatusOK)
		same(t, "level", r.get(t, "level"), 2)
		same(t, "assignee_id after escalation", r.get(t, "assignee_id"), nil)

		e.clock.Advance(150 * time.Minute) // 12:00
		r = e.act(t, tok, id, "resolve", "Riavviato il server applicativo.").want(t, http.StatusOK)
		same(t, "status", r.get(t, "status"), "risolto")
		same(t, "closed_at", r.get(t, "closed_at"), "2026-03-10T12:00:00+01:00")
		cl = clocks(t, r)
		same(t, "SLA.7 state", cl["SLA.7"]["state"], "met")
		same(t, "SLA.7 elapsed", cl["SLA.7"]["elapsed_minutes"], 180)
		same(t, "SLA.8 state", cl["SLA.8"]["state"], "breached")
		same(t, "SLA.8 elapsed", cl["SLA.8"]["elapsed_minutes"], 180)

		r = e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/events", id), tok, nil).want(t, http.StatusOK)
		var got []string
		for _, ev := range r.items(t) {
			m := ev.(map[string]any)
			got = append(got, fmt.Sprintf("%s %v %s %v->%v L%v->%v", m["at"], m["actor"], m["action"], m["from_status"], m["to_status"], m["from_level"], m["to_level"]))
		}
		same(t, "history", got, []string{
			"2026-03-10T09:00:00+01:00 admin open <nil>->nuovo L<nil>->1",
			"2026-03-10T09:20:00+01:00 admin take_in_charge nuovo->aperto L1->1",
			"2026-03-10T09:30:00+01:00 admin escalate aperto->aperto L1->2",
			"2026-03-10T12:00:00+01:00 admin resolve aperto->risolto L2->2",
		})
		same(t, "resolution text", r.get(t, "items", 3, "body"), "Riavviato il server applicativo.")
	})
}

func TestLevelOneOperatorMayOnlyAddNotesToLevelTwoTickets(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op1 := e.user(t, domain.RoleOperator, 1, "")
		_, op2 := e.user(t, domain.RoleOperator, 2, "")
		id := e.openTicket(t, op1, nil)
		e.act(t, op1, id, "take-in-charge", "").want(t, http.StatusOK)
		e.act(t, op1, id, "escalate", "Serve il secondo livello.").want(t, http.StatusOK)
		e.act(t, op1, id, "resolve", "").problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.act(t, op1, id, "notes", "Il cliente ha richiamato.").want(t, http.StatusOK)
		r := e.act(t, op2, id, "resolve", "").want(t, http.StatusOK)
		same(t, "status", r.get(t, "status"), "risolto")
		same(t, "version", r.get(t, "version"), 5)
	})
}

// TestForbiddenActionsAnswer409WithTheReason walks each status and tries
// the actions it refuses; the ticket is left unchanged.
func TestForbiddenActionsAnswer409WithTheReason(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 2, "")
		for _, c := range []struct {
			name   string
			before []string // actions applied first
			action string
			body   string
			detail string
		}{
			{"reopen nuovo", nil, "reopen", "", "cannot reopen: the ticket is not closed"},
			{"take aperto", []string{"take-in-charge"}, "take-in-charge", "", "cannot take in charge: the ticket has already been taken in charge"},
			{"reopen aperto", []string{"take-in-charge"}, "reopen", "", "cannot reopen: the ticket is not closed"},
			{"escalate twice", []string{"escalate"}, "escalate", "", "cannot escalate: the ticket is already at level 2"},
			{"resolve risolto", []string{"resolve"}, "resolve", "", "cannot resolve: the ticket is already resolved"},
			{"reply risolto", []string{"resolve"}, "replies", "Grazie", "cannot reply: the ticket is resolved; reopen it first"},
			{"take risolto", []string{"resolve"}, "take-in-charge", "", "cannot take in charge: the ticket is resolved; reopen it first"},
			{"escalate risolto", []string{"resolve"}, "escalate", "", "cannot escalate: the ticket is resolved; reopen it first"},
			{"close risolto", []string{"resolve"}, "close-not-competent", "Altro ente", "cannot close not competent: the ticket is resolved; reopen it first"},
			{"close twice", []string{"close-not-competent"}, "close-not-competent", "Altro ente", "cannot close not competent: the ticket is already closed as not our responsibility"},
			{"resolve non_di_competenza", []string{"close-not-competent"}, "resolve", "", "cannot resolve: the ticket is closed as not our responsibility; reopen it first"},
			{"reply non_di_competenza", []string{"close-not-competent"}, "replies", "Grazie", "cannot reply: the ticket is closed as not our responsibility; reopen it first"},
		} {
			t.Run(c.name, func(t *testing.T) {
				id := e.openTicket(t, op, nil)
				for _, a := range c.before {
					body := ""
					if a == "close-not-competent" {
						body = "Competenza del gestore di rete."
					}
					e.act(t, op, id, a, body).want(t, http.StatusOK)
				}
				before := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", id), op, nil).want(t, http.StatusOK)
				p := e.act(t, op, id, c.action, c.body).problem(t, http.StatusConflict, domain.CodeConflict)
				same(t, "detail", p["detail"], c.detail)
				after := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", id), op, nil).want(t, http.StatusOK)
				same(t, "ticket after a refused action", after.JSON, before.JSON)
			})
		}
	})
}

func TestActionsThatNeedATextSay400WithTheField(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		id := e.openTicket(t, op, nil)
		for _, a := range []string{"replies", "notes", "close-not-competent"} {
			e.act(t, op, id, a, "").problem(t, http.StatusBadRequest, domain.CodeInvalid, "body")
			e.act(t, op, id, a, "   ").problem(t, http.StatusBadRequest, domain.CodeInvalid, "body")
		}
		e.act(t, op, 999999, "take-in-charge", "").problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.doRaw(t, http.MethodPost, "/api/v1/tickets/abc/take-in-charge", op, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

func TestIfMatchAndETags(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		id := e.openTicket(t, op, nil)
		path := fmt.Sprintf("/api/v1/tickets/%d", id)
		r := e.do(t, http.MethodGet, path, op, nil).want(t, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `"1"` {
			t.Fatalf(`ETag of a new ticket: got %s, want "1"`, got)
		}
		e.do(t, http.MethodGet, path, op, nil, "If-None-Match", `"1"`).want(t, http.StatusNotModified)

		r = e.act(t, op, id, "take-in-charge", "", "If-Match", `"1"`).want(t, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `"2"` {
			t.Errorf(`ETag after a change: got %s, want "2"`, got)
		}
		p := e.act(t, op, id, "notes", "Nota", "If-Match", `"1"`).problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		same(t, "detail", p["detail"], fmt.Sprintf("ticket %d has changed since you read it (you have version 1, it is at 2); read it again", id))
		e.act(t, op, id, "notes", "Nota", "If-Match", "garbage").problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		e.act(t, op, id, "notes", "Nota", "If-Match", `"2"`).want(t, http.StatusOK)
		e.act(t, op, id, "notes", "Nota", "If-Match", "*").want(t, http.StatusOK)

		r = e.do(t, http.MethodGet, path, op, nil, "If-None-Match", `"1"`).want(t, http.StatusOK)
		if got := r.Header.Get("ETag"); got != `"4"` {
			t.Errorf(`ETag after three changes: got %s, want "4"`, got)
		}
		same(t, "version", r.get(t, "version"), 4)
	})
}

// total returns the total of the first page of a ticket list.
func (e *env) total(t *testing.T, token, query string) int {
	t.Helper()
	return int(e.do(t, http.MethodGet, "/api/v1/tickets?"+query, token, nil).want(t, http.StatusOK).num(t, "total"))
}

func TestIdempotencyKeyReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		_, other := e.user(t, domain.RoleOperator, 1, "")
		const key = "6b1e-retry-of-the-same-call"
		first := e.do(t, http.MethodPost, "/api/v1/tickets", op, ticketBody(nil), "Idempotency-Key", key).want(t, http.StatusCreated)
		if got := first.Header.Get("Idempotent-Replayed"); got != "" {
			t.Errorf("Idempotent-Replayed on the first call: got %q, want none", got)
		}
		e.clock.Advance(time.Minute)
		again := e.do(t, http.MethodPost, "/api/v1/tickets", op, ticketBody(nil), "Idempotency-Key", key).want(t, http.StatusCreated)
		if string(again.Body) != string(first.Body) {
			t.Errorf("replayed body:\n got %s\nwant %s", again.Body, first.Body)
		}
		if got, want := again.Header.Get("Location"), first.Header.Get("Location"); got != want {
			t.Errorf("replayed Location: got %q, want %q", got, want)
		}
		if got := again.Header.Get("Idempotent-Replayed"); got != "true" {
			t.Errorf("Idempotent-Replayed on the retry: got %q, want true", got)
		}
		if got := e.total(t, op, ""); got != 1 {
			t.Errorf("tickets after a retried create: got %d, want 1", got)
		}

		p := e.do(t, http.MethodPost, "/api/v1/tickets", op, ticketBody(map[string]any{"subject": "Altro"}), "Idempotency-Key", key).
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable)
		same(t, "detail", p["detail"], `the Idempotency-Key "`+key+`" was already used with a different request`)

		// Keys are per user: another user's key is another request.
		e.do(t, http.MethodPost, "/api/v1/tickets", other, ticketBody(nil), "Idempotency-Key", key).want(t, http.StatusCreated)
		if got := e.total(t, op, ""); got != 2 {
			t.Errorf("tickets after another user's create: got %d, want 2", got)
		}
		e.doRaw(t, http.MethodPost, "/api/v1/tickets", op, mustJSON(t, ticketBody(nil)), "Idempotency-Key", "has space").
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "Idempotency-Key")
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBadTicketInputGetsAProblemNamingTheField(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		for _, c := range []struct {
			name   string
			body   string
			ctype  string
			status int
			code   domain.Code
			fields []string
		}{
			{"unknown field", `{"ente":"firenze","subject":"x","service":"app","channel":"email","priority":"high"}`, "", 400, domain.CodeInvalid, []string{"priority"}},
			{"wrong type", `{"ente":"firenze","subject":"x","service":"app","channel":"email","level":"two"}`, "", 400, domain.CodeInvalid, []string{"level"}},
			{"not JSON", `{"ente":`, "", 400, domain.CodeInvalid, nil},
			{"empty", ``, "", 400, domain.CodeInvalid, nil},
			{"an array", `[]`, "", 400, domain.CodeInvalid, nil},
			{"trailing data", `{"ente":"firenze"} {}`, "", 400, domain.CodeInvalid, nil},
			{"rules", `{"ente":"firenze","subject":" ","service":"fax","channel":"pigeon","level":3}`, "", 400, domain.CodeInvalid, []string{"subject", "service", "channel", "level"}},
			{"no ente", `{"subject":"x","service":"app","channel":"email"}`, "", 400, domain.CodeInvalid, []string{"ente"}},
			{"unknown ente", `{"ente":"atlantide","subject":"x","service":"app","channel":"email"}`, "", 422, domain.CodeUnprocessable, []string{"ente"}},
			{"form body", `ente=firenze`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				var h []string
				if c.ctype != "" {
					h = []string{"Content-Type", c.ctype}
				}
				body := []byte(c.body)
				if c.body == "" {
					body = []byte{}
				}
				e.doRaw(t, http.MethodPost, "/api/v1/tickets", op, body, h...).problem(t, c.status, c.code, c.fields...)
			})
		}
		big := ticketBody(map[string]any{"description": strings.Repeat("x", 1<<20)})
		e.doRaw(t, http.MethodPost, "/api/v1/tickets", op, mustJSON(t, big)).problem(t, http.StatusRequestEntityTooLarge, "too_large")
		e.doRaw(t, http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/notes", e.openTicket(t, op, nil)), op,
			mustJSON(t, map[string]string{"body": strings.Repeat("x", 1<<20)})).problem(t, http.StatusRequestEntityTooLarge, "too_large")
		if got := e.total(t, op, ""); got != 1 {
			t.Errorf("tickets after bad input: got %d, want 1", got)
		}
	})
}

func TestEnteUsersSeeOnlyTheirOwnEnte(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		_, fiesole := e.user(t, domain.RoleEnte, 0, "fiesole")
		own := e.openTicket(t, op, map[string]any{"ente": "fiesole"})
		foreign := e.openTicket(t, op, map[string]any{"ente": "firenze"})

		e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", own), fiesole, nil).want(t, http.StatusOK)
		e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", foreign), fiesole, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/events", foreign), fiesole, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)

		r := e.do(t, http.MethodGet, "/api/v1/tickets", fiesole, nil).want(t, http.StatusOK)
		same(t, "ente user's list", ids(t, r), []int64{own})
		same(t, "ente user's total", r.get(t, "total"), 1)
		e.do(t, http.MethodGet, "/api/v1/tickets?ente=firenze", fiesole, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		r = e.do(t, http.MethodGet, "/api/v1/tickets", op, nil).want(t, http.StatusOK)
		same(t, "operator's list", ids(t, r), []int64{foreign, own})

		// An ente user opens for their own ente by default, never another's,
		// and cannot choose the level.
		body := ticketBody(nil)
		delete(body, "ente")
		body["channel"] = "portal"
		r = e.do(t, http.MethodPost, "/api/v1/tickets", fiesole, body).want(t, http.StatusCreated)
		same(t, "ente of an ente user's ticket", r.get(t, "ente"), "fiesole")
		same(t, "clocks of a portal ticket", len(r.get(t, "sla").([]any)), 2)
		e.do(t, http.MethodPost, "/api/v1/tickets", fiesole, ticketBody(nil)).problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.do(t, http.MethodPost, "/api/v1/tickets", fiesole, ticketBody(map[string]any{"ente": "fiesole", "level": 2})).
			problem(t, http.StatusForbidden, domain.CodeForbidden, "level")
		// Ente users do not act on tickets.
		e.act(t, fiesole, own, "take-in-charge", "").problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}

func TestInternalNotesAreHiddenFromEnteUsers(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		_, ente := e.user(t, domain.RoleEnte, 0, "firenze")
		id := e.openTicket(t, ente, map[string]any{"channel": "portal"})
		e.act(t, op, id, "notes", "Il referente è scortese.").want(t, http.StatusOK)
		e.act(t, op, id, "replies", "Stiamo verificando.").want(t, http.StatusOK)

		actions := func(r *resp) []string {
			var out []string
			for i := range r.items(t) {
				out = append(out, fmt.Sprintf("%s internal=%v", r.str(t, "items", i, "action"), r.get(t, "items", i, "internal")))
			}
			return out
		}
		path := fmt.Sprintf("/api/v1/tickets/%d/events", id)
		same(t, "operator's history", actions(e.do(t, http.MethodGet, path, op, nil).want(t, http.StatusOK)),
			[]string{"open internal=false", "note internal=true", "reply internal=false"})
		r := e.do(t, http.MethodGet, path, ente, nil).want(t, http.StatusOK)
		same(t, "ente user's history", actions(r), []string{"open internal=false", "reply internal=false"})
		if strings.Contains(string(r.Body), "scortese") {
			t.Errorf("the ente user's history contains the internal note: %s", r.Body)
		}
	})
}

// An ente user adds public replies to their own ente's open tickets: the
// operator reads them in the history; they neither change the status nor
// stop the desk's reply clock, and are refused on a closed ticket.
func TestEnteUsersReplyToTheirOwnOpenTickets(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		_, ente := e.user(t, domain.RoleEnte, 0, "firenze")
		_, other := e.user(t, domain.RoleEnte, 0, "fiesole")
		id := e.openTicket(t, ente, map[string]any{"channel": "portal"})
		r := e.act(t, ente, id, "replies", "Il problema riguarda anche la PEC.").want(t, http.StatusOK)
		same(t, "status after the ente's reply", r.get(t, "status"), "nuovo")
		same(t, "SLA.7 after the ente's reply", clocks(t, r)["SLA.7"]["state"], "running")
		e.act(t, ente, id, "notes", "nota").problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.act(t, other, id, "replies", "x").problem(t, http.StatusNotFound, domain.CodeNotFound)

		ev := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d/events", id), op, nil).want(t, http.StatusOK)
		same(t, "operator's last event", []any{ev.get(t, "items", 1, "action"), ev.get(t, "items", 1, "body"), ev.get(t, "items", 1, "internal")},
			[]any{"reply", "Il problema riguarda anche la PEC.", false})

		e.act(t, op, id, "resolve", "").want(t, http.StatusOK)
		e.act(t, ente, id, "replies", "ancora").problem(t, http.StatusConflict, domain.CodeConflict)
	})
}

// sort=sla_due orders the result by the nearest deadline of a clock not
// stopped, the tickets without one after, in keyset pages whose cursors
// are good for that sort only.
func TestListBySLADue(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		first := e.openTicket(t, op, map[string]any{"channel": "email"})
		e.clock.Advance(10 * time.Minute)
		second := e.openTicket(t, op, map[string]any{"channel": "email"})
		e.clock.Advance(10 * time.Minute)
		closed := e.openTicket(t, op, map[string]any{"channel": "email"})
		e.act(t, op, closed, "resolve", "").want(t, http.StatusOK)
		same(t, "newest first", ids(t, e.do(t, http.MethodGet, "/api/v1/tickets", op, nil).want(t, http.StatusOK)), []int64{closed, second, first})
		r := e.do(t, http.MethodGet, "/api/v1/tickets?sort=sla_due", op, nil).want(t, http.StatusOK)
		same(t, "by SLA due", ids(t, r), []int64{first, second, closed})
		same(t, "next cursor of the only page", r.get(t, "next_cursor"), nil)
		// Page by page, one ticket each: the same order, then the end.
		var paged []int64
		path := "/api/v1/tickets?sort=sla_due&limit=1"
		for range 4 {
			r := e.do(t, http.MethodGet, path, op, nil).want(t, http.StatusOK)
			paged = append(paged, ids(t, r)...)
			next := r.get(t, "next_cursor")
			if next == nil {
				break
			}
			path = "/api/v1/tickets?sort=sla_due&limit=1&cursor=" + url.QueryEscape(next.(string))
		}
		same(t, "by SLA due, a page each", paged, []int64{first, second, closed})
		// A cursor is good for its sort only, either way.
		cur := e.do(t, http.MethodGet, "/api/v1/tickets?limit=1", op, nil).want(t, http.StatusOK).str(t, "next_cursor")
		e.do(t, http.MethodGet, "/api/v1/tickets?sort=sla_due&cursor="+url.QueryEscape(cur), op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "cursor")
		due := e.do(t, http.MethodGet, "/api/v1/tickets?sort=sla_due&limit=1", op, nil).want(t, http.StatusOK).str(t, "next_cursor")
		e.do(t, http.MethodGet, "/api/v1/tickets?cursor="+url.QueryEscape(due), op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "cursor")
	})
}

func TestKeysetPagination(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		var opened []int64
		for range 7 {
			opened = append(opened, e.openTicket(t, op, nil))
			e.clock.Advance(time.Minute)
		}
		// Two tickets at the same instant: the id breaks the tie.
		opened = append(opened, e.openTicket(t, op, nil), e.openTicket(t, op, nil))

		for _, c := range []struct {
			sort  string
			pages [][]int64
		}{
			{"", [][]int64{{opened[8], opened[7], opened[6], opened[5]}, {opened[4], opened[3], opened[2], opened[1]}, {opened[0]}}},
			{"opened_at", [][]int64{{opened[0], opened[1], opened[2], opened[3]}, {opened[4], opened[5], opened[6], opened[7]}, {opened[8]}}},
		} {
			t.Run("sort="+c.sort, func(t *testing.T) {
				q := url.Values{"limit": {"4"}}
				if c.sort != "" {
					q.Set("sort", c.sort)
				}
				for i, want := range c.pages {
					r := e.do(t, http.MethodGet, "/api/v1/tickets?"+q.Encode(), op, nil).want(t, http.StatusOK)
					same(t, fmt.Sprintf("page %d", i+1), ids(t, r), want)
					total, hasTotal := r.obj(t)["total"]
					switch {
					case i == 0 && total != float64(9):
						t.Errorf("total on the first page: got %v, want 9", total)
					case i > 0 && hasTotal:
						t.Errorf("page %d has a total (%v); only the first page counts", i+1, total)
					}
					next := r.get(t, "next_cursor")
					if i == len(c.pages)-1 {
						if next != nil {
							t.Errorf("next_cursor on the last page: got %v, want null", next)
						}
						break
					}
					q.Set("cursor", next.(string))
				}
			})
		}

		r := e.do(t, http.MethodGet, "/api/v1/tickets?limit=2", op, nil).want(t, http.StatusOK)
		newestFirst := r.str(t, "next_cursor")
		e.do(t, http.MethodGet, "/api/v1/tickets?sort=opened_at&cursor="+newestFirst, op, nil).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "cursor")
		for _, bad := range []string{"zzz", "e30", "!!", strings.Repeat("A", 201)} {
			e.doRaw(t, http.MethodGet, "/api/v1/tickets?cursor="+url.QueryEscape(bad), op, nil).
				problem(t, http.StatusBadRequest, domain.CodeInvalid, "cursor")
		}
	})
}

func TestListLimitIsCappedAt100(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		for range 101 {
			e.openTicket(t, op, map[string]any{"channel": "email"})
		}
		r := e.do(t, http.MethodGet, "/api/v1/tickets?limit=1000", op, nil).want(t, http.StatusOK)
		same(t, "items on a page asked for 1000", len(r.items(t)), 100)
		same(t, "total", r.get(t, "total"), 101)
		r = e.do(t, http.MethodGet, "/api/v1/tickets?limit=1000&cursor="+r.str(t, "next_cursor"), op, nil).want(t, http.StatusOK)
		same(t, "items on the second page", len(r.items(t)), 1)
		same(t, "default page size", len(e.do(t, http.MethodGet, "/api/v1/tickets", op, nil).want(t, http.StatusOK).items(t)), 25)
	})
}

func TestListFiltersAndBadParameters(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 2, "")
		a := e.openTicket(t, op, map[string]any{"subject": "Stampante guasta", "service": "ced_multiente", "ente": "dicomano", "channel": "email"})
		e.clock.Advance(24 * time.Hour) // Wednesday 11 March, 09:00
		b := e.openTicket(t, op, map[string]any{"subject": "SUAP lento", "service": "suap", "level": 2})
		c := e.openTicket(t, op, nil)
		e.act(t, op, c, "take-in-charge", "").want(t, http.StatusOK)
		e.act(t, op, b, "resolve", "").want(t, http.StatusOK)

		for _, q := range []struct {
			query string
			want  []int64
		}{
			{"status=nuovo", []int64{a}},
			{"status=aperto,risolto", []int64{c, b}},
			{"level=2", []int64{b}},
			{"service=suap", []int64{b}},
			{"ente=dicomano", []int64{a}},
			{"assignee=me", []int64{c}},
			{"q=STAMPANTE", []int64{a}},
			{"opened_from=2026-03-11", []int64{c, b}},
			{"opened_to=2026-03-11", []int64{a}},
			{"opened_from=2026-03-10T08:00:00Z&opened_to=2026-03-10T08:00:01Z", []int64{a}},
			{"status=risolto&service=portale_servizi", []int64{}},
		} {
			r := e.do(t, http.MethodGet, "/api/v1/tickets?"+q.query, op, nil).want(t, http.StatusOK)
			same(t, q.query, ids(t, r), q.want)
		}
		for _, q := range []struct {
			query  string
			fields []string
		}{
			{"status=chiuso", []string{"status"}},
			{"level=3", []string{"level"}},
			{"assignee=nobody", []string{"assignee"}},
			{"opened_from=ieri", []string{"opened_from"}},
			{"sla=SLA.9", []string{"sla"}},
			{"sla_state=late", []string{"sla_state"}},
			{"sla_due_within=soon", []string{"sla_due_within"}},
			{"sort=subject", []string{"sort"}},
			{"limit=0", []string{"limit"}},
			{"limit=many", []string{"limit"}},
			{"priority=high", []string{"priority"}},
			{"q=" + strings.Repeat("x", 201), []string{"q"}},
			{"level=3&sort=subject&limit=-1", []string{"level", "sort", "limit"}},
		} {
			e.doRaw(t, http.MethodGet, "/api/v1/tickets?"+q.query, op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, q.fields...)
		}
	})
}

// TestSLAStateFilter judges clocks at the request's instant: a running
// clock past its deadline is already breached, with no background job.
func TestSLAStateFilter(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		late := e.openTicket(t, op, nil) // 09:00: SLA.6 due 10:00
		e.clock.Advance(30 * time.Minute)
		met := e.openTicket(t, op, nil) // 09:30: SLA.6 due 10:30
		e.act(t, op, met, "take-in-charge", "").want(t, http.StatusOK)
		e.clock.Advance(30 * time.Minute)
		running := e.openTicket(t, op, nil) // 10:00: SLA.6 due 11:00
		e.clock.Advance(15 * time.Minute)   // now 10:15

		for _, q := range []struct {
			query string
			want  []int64
		}{
			{"sla=SLA.6&sla_state=breached", []int64{late}},
			{"sla=SLA.6&sla_state=met", []int64{met}},
			{"sla=SLA.6&sla_state=running", []int64{running}},
			{"sla=SLA.8&sla_state=running", []int64{running, met, late}},
			{"sla_state=breached", []int64{late}},
			{"sla=SLA.6&sla_state=running&sla_due_within=50m", []int64{running}},
			{"sla=SLA.6&sla_state=running&sla_due_within=40m", []int64{}},
			{"sla=SLA.6&sla_due_within=20m", []int64{met, late}},
		} {
			r := e.do(t, http.MethodGet, "/api/v1/tickets?"+q.query, op, nil).want(t, http.StatusOK)
			same(t, q.query, ids(t, r), q.want)
		}
		r := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", late), op, nil).want(t, http.StatusOK)
		same(t, "state of an overdue SLA.6", clocks(t, r)["SLA.6"]["state"], "breached")
		same(t, "its deadline", clocks(t, r)["SLA.6"]["deadline"], "2026-03-10T10:00:00+01:00")
	})
}

// TestWorkingTimeSkipsEveningsAndTheEntesClosures opens tickets just
// before closing time: SLA.6 runs into the next working day.
func TestWorkingTimeSkipsEveningsAndTheEntesClosures(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		// Tuesday 23 June 2026, 17:30 in Rome (CEST); 24 June is San
		// Giovanni, Firenze's patron saint, but not Fiesole's.
		e.clock.Set(time.Date(2026, 6, 23, 15, 30, 0, 0, time.UTC))
		for ente, want := range map[string]string{
			"fiesole": "2026-06-24T08:30:00+02:00",
			"firenze": "2026-06-25T08:30:00+02:00",
		} {
			r := e.do(t, http.MethodPost, "/api/v1/tickets", op, ticketBody(map[string]any{"ente": ente})).want(t, http.StatusCreated)
			same(t, ente+" SLA.6 deadline", clocks(t, r)["SLA.6"]["deadline"], want)
			same(t, ente+" SLA.8 deadline", clocks(t, r)["SLA.8"]["deadline"], "2026-06-23T19:30:00+02:00")
		}
	})
}
