package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestControlCharactersAreRejected: NUL, other C0 controls and (in names
// and codes) bidirectional overrides are a 400 naming the field at every
// entry point that takes text, on both databases (PostgreSQL cannot store
// NUL, so a miss here is a 500 there); tabs and line breaks pass in free
// text, and so do bidi characters.
func TestControlCharactersAreRejected(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		admin, op := e.tokens[wAdmin], e.tokens[wOperator1]
		r := e.do(t, http.MethodPost, "/api/v1/interventions", op, map[string]any{"ente": "dicomano", "tier": "4h", "description": "stampante"}).want(t, http.StatusCreated)
		iv := strconv.Itoa(int(r.num(t, "id")))
		ticket := strconv.FormatInt(e.ticketA, 10)
		user := strconv.FormatInt(e.spare, 10)
		const nul, bell, rlo = "\x00", "\a", "\u202e"
		cases := []struct {
			name, method, path, token, field string
			body                             any
		}{
			{"login username", "POST", "/api/v1/auth/token", "", "username", map[string]string{"username": "admin" + nul, "password": secPassword}},
			{"login password", "POST", "/api/v1/auth/token", "", "password", map[string]string{"username": "admin", "password": "pw" + nul + "pwpwpwpwpwpw"}},
			{"refresh token", "POST", "/api/v1/auth/refresh", "", "refresh_token", map[string]string{"refresh_token": "rt_" + nul}},
			{"user name", "POST", "/api/v1/users", admin, "username", map[string]any{"username": "mario" + rlo + "gpj.exe", "password": secPassword, "role": "technician"}},
			{"user ente", "POST", "/api/v1/users", admin, "ente", map[string]any{"username": "mario", "password": secPassword, "role": "ente", "ente": "fi" + nul}},
			{"patch user ente", "PATCH", "/api/v1/users/" + user, admin, "ente", map[string]any{"ente": nul}},
			{"patch user password", "PATCH", "/api/v1/users/" + user, admin, "password", map[string]any{"password": "abcdefghijklm" + nul}},
			{"api token name", "POST", "/api/v1/api-tokens", admin, "name", map[string]any{"name": "ci" + nul, "user_id": e.ids[wReporter]}},
			{"ente code", "POST", "/api/v1/enti", admin, "code", map[string]any{"code": "x" + nul, "name": "X", "kind": "comune"}},
			{"ente name", "POST", "/api/v1/enti", admin, "name", map[string]any{"code": "xx", "name": "Comune di " + rlo + "X", "kind": "comune"}},
			{"patch ente name", "PATCH", "/api/v1/enti/" + secEnteA, admin, "name", map[string]any{"name": "Firenze" + bell}},
			{"closure reason", "POST", "/api/v1/enti/" + secEnteA + "/closures", admin, "reason", map[string]any{"month": 6, "day": 24, "reason": "San Giovanni" + nul}},
			{"calendar hours", "PUT", "/api/v1/calendar/hours", admin, "monday.0.open", map[string]any{"monday": []map[string]string{{"open": "08:00" + nul, "close": "18:00"}}}},
			{"sla code", "PUT", "/api/v1/settings/sla", admin, "items.0.code", map[string]any{"items": []map[string]any{{"code": "SLA.6" + nul, "target_minutes": 60, "basis": "working", "expected_share": 0.9}}}},
			{"ticket subject", "POST", "/api/v1/tickets", op, "subject", map[string]any{"ente": secEnteA, "subject": "Portale" + nul, "service": "portale_servizi", "channel": "phone"}},
			{"ticket description", "POST", "/api/v1/tickets", op, "description", map[string]any{"ente": secEnteA, "subject": "Portale", "description": "giù" + nul, "service": "portale_servizi", "channel": "phone"}},
			{"ticket ente", "POST", "/api/v1/tickets", op, "ente", map[string]any{"ente": secEnteA + nul, "subject": "Portale", "service": "portale_servizi", "channel": "phone"}},
			{"ticket service", "POST", "/api/v1/tickets", op, "service", map[string]any{"ente": secEnteA, "subject": "Portale", "service": "portale" + nul, "channel": "phone"}},
			{"reply body", "POST", "/api/v1/tickets/" + ticket + "/replies", op, "body", map[string]any{"body": "Gentile utente" + nul}},
			{"note body", "POST", "/api/v1/tickets/" + ticket + "/notes", op, "body", map[string]any{"body": "nota\x1b[31m"}},
			{"escalate body", "POST", "/api/v1/tickets/" + ticket + "/escalate", op, "body", map[string]any{"body": nul}},
			{"intervention description", "POST", "/api/v1/interventions", op, "description", map[string]any{"ente": secEnteA, "tier": "4h", "description": "pc" + nul}},
			{"intervention ente", "POST", "/api/v1/interventions", op, "ente", map[string]any{"ente": nul, "tier": "4h", "description": "pc"}},
			{"intervention schedule", "POST", "/api/v1/interventions/" + iv + "/schedule", op, "planned_at", map[string]any{"technician_id": e.ids[wTech], "planned_at": "2026-03-11T09:00:00+01:00" + nul}},
			{"intervention complete", "POST", "/api/v1/interventions/" + iv + "/complete", admin, "outcome", map[string]any{"outcome": "fatto" + nul}},
			{"intervention cancel", "POST", "/api/v1/interventions/" + iv + "/cancel", op, "reason", map[string]any{"reason": "annullato" + nul}},
			{"import ndjson", "POST", "/api/v1/import/tickets", admin, "subject", `{"external_id":"x1","ente":"firenze","level":1,"status":"nuovo","service":"suap","channel":"phone","subject":"a` + `\u0000","opened_at":"2026-03-10T09:00:00+01:00"}`},
			{"import csv", "POST", "/api/v1/import/tickets", admin, "description", "external_id;ente;level;status;service;channel;subject;description;opened_at\nx2;firenze;1;nuovo;suap;phone;ok;a\x00b;2026-03-10T09:00:00+01:00\n"},
			{"query ente", "GET", "/api/v1/tickets?ente=fi%00", op, "ente", nil},
			{"query report", "GET", "/api/v1/reports/tickets?year=2026&ente=%E2%80%AEfi", op, "ente", nil},
			{"path code", "GET", "/api/v1/enti/fi%00", op, "code", nil},
			{"path closures", "GET", "/api/v1/enti/fi%01/closures", op, "code", nil},
			{"query calendar", "GET", "/api/v1/calendar?ente=%00", op, "ente", nil},
		}
		for _, c := range cases {
			var hdr []string
			status, code := http.StatusBadRequest, domain.CodeInvalid
			switch c.name {
			case "import ndjson", "import csv": // an import reports bad rows by line, as 422
				hdr = []string{"Content-Type", map[string]string{"import ndjson": "application/x-ndjson", "import csv": "text/csv"}[c.name]}
				status, code = http.StatusUnprocessableEntity, domain.CodeUnprocessable
			}
			r := e.do(t, c.method, c.path, c.token, c.body, hdr...)
			if msg := r.problemError(status, code); msg != "" {
				t.Errorf("%s: %s", c.name, msg)
				continue
			}
			if got := r.fields(t); !containsField(got, c.field) {
				t.Errorf("%s: got fields %v, want %q among them", c.name, got, c.field)
			}
		}
		// Tabs and line breaks are fine in free text, and bidi characters too
		// (an Arabic or Hebrew name in a description is legitimate).
		e.do(t, http.MethodPost, "/api/v1/tickets", op, map[string]any{
			"ente": secEnteA, "subject": "Portale lento", "description": "riga 1\r\n\triga 2 \u202bשלום\u202c", "service": "portale_servizi", "channel": "phone",
		}).want(t, http.StatusCreated)
	})
}

func containsField(fields []string, want string) bool {
	for _, f := range fields {
		if f == want || strings.HasSuffix(f, "."+want) {
			return true
		}
	}
	return false
}
