package openapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		same(t, "healthz", e.do(t, http.MethodGet, "/healthz", "", nil).want(t, http.StatusOK).JSON, map[string]any{"status": "ok"})
		same(t, "readyz", e.do(t, http.MethodGet, "/readyz", "", nil).want(t, http.StatusOK).JSON, map[string]any{"status": "ready"})
		// Metrics are not on the API's listener; cmd serves srv.Metrics()
		// on HELPDESK_METRICS_ADDR.
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET /metrics on the API: got %d, want 404", rec.Code)
		}
		rec = httptest.NewRecorder()
		e.srv.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		metrics := rec.Body.String()
		for _, want := range []string{
			`helpdesk_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
			`helpdesk_http_requests_total{method="POST",route="/api/v1/auth/token",status="200"} 1`,
			`helpdesk_http_request_duration_seconds_bucket{method="GET",route="/readyz",le="+Inf"} 1`,
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		r := e.do(t, http.MethodGet, "/healthz", "", nil)
		if rid := r.Header.Get("X-Request-Id"); len(rid) != 24 {
			t.Errorf("X-Request-Id: got %q, want 24 hex digits", rid)
		}
		r = e.do(t, http.MethodGet, "/healthz", "", nil, "X-Request-Id", "ticket-4711-retry")
		if got := r.Header.Get("X-Request-Id"); got != "ticket-4711-retry" {
			t.Errorf("echoed X-Request-Id: got %q, want ticket-4711-retry", got)
		}
	})
}

func TestReadyzIs503WhenTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		if err := e.store.Close(); err != nil {
			t.Fatal(err)
		}
		r := e.do(t, http.MethodGet, "/readyz", "", nil).problem(t, http.StatusServiceUnavailable, domain.CodeUnavailable)
		if got := r["detail"]; got != "the database is not reachable" {
			t.Errorf("detail: got %v", got)
		}
		same(t, "healthz without a database", e.do(t, http.MethodGet, "/healthz", "", nil).want(t, http.StatusOK).JSON, map[string]any{"status": "ok"})
	})
}

func TestDrainingFailsReadyzAndClosesConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, repotest.SQLite(t))
	if got := e.do(t, http.MethodGet, "/api/v1/me", e.admin, nil).want(t, http.StatusOK).Header.Get("Connection"); got != "" {
		t.Errorf("before draining: Connection %q, want none", got)
	}
	e.srv.Drain()
	e.do(t, http.MethodGet, "/readyz", "", nil).problem(t, http.StatusServiceUnavailable, domain.CodeUnavailable)
	r := e.do(t, http.MethodGet, "/api/v1/me", e.admin, nil).want(t, http.StatusOK)
	if got := r.Header.Get("Connection"); got != "close" {
		t.Errorf("while draining: Connection %q, want close", got)
	}
}

func TestLoginAndCredentials(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		r := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "admin", "password": testPassword}).want(t, http.StatusOK)
		same(t, "token_type", r.get(t, "token_type"), "Bearer")
		same(t, "expires_in", r.get(t, "expires_in"), int(accessTTL.Seconds()))
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control: got %q, want no-store", got)
		}
		if rt := r.str(t, "refresh_token"); !strings.HasPrefix(rt, "rt_") {
			t.Errorf("refresh token %q does not start with rt_", rt)
		}
		same(t, "me", e.do(t, http.MethodGet, "/api/v1/me", r.str(t, "access_token"), nil).want(t, http.StatusOK).get(t, "role"), "admin")

		e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "admin", "password": "not the password"}).
			problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "nobody", "password": testPassword}).
			problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		e.doRaw(t, http.MethodPost, "/api/v1/auth/token", "", []byte(`{"username":""}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "username", "password")
		e.doRaw(t, http.MethodPost, "/api/v1/auth/token", "", []byte(`{"username":"admin","password":"x","otp":"1"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "otp")

		for _, bad := range []string{"", "Bearer", "Bearer not-a-jwt", "Basic YWRtaW46eA==", "Bearer hd_unknown"} {
			var h []string
			if bad != "" {
				h = []string{"Authorization", bad}
			}
			r := e.doRaw(t, http.MethodGet, "/api/v1/me", "", nil, h...).want(t, http.StatusUnauthorized)
			if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="helpdesk"` {
				t.Errorf("WWW-Authenticate for %q: got %q", bad, got)
			}
		}
		// An access token expires; the clock is the server's.
		e.clock.Advance(accessTTL + time.Minute)
		p := e.doRaw(t, http.MethodGet, "/api/v1/me", e.admin, nil).problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		same(t, "detail", p["detail"], "the access token is not valid: expired")
	})
}

func TestLoginThrottleAnswers429WithRetryAfter(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		wrong := map[string]string{"username": "admin", "password": "wrong password!"}
		for range domain.PairFreeFailures + 1 {
			e.do(t, http.MethodPost, "/api/v1/auth/token", "", wrong).want(t, http.StatusUnauthorized)
		}
		r := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "ADMIN", "password": testPassword})
		r.problem(t, http.StatusTooManyRequests, domain.CodeTooManyRequests)
		if got := r.Header.Get("Retry-After"); got != "1" {
			t.Errorf("Retry-After: got %q, want 1 (the first delay)", got)
		}
		e.clock.Advance(time.Second)
		e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "admin", "password": testPassword}).want(t, http.StatusOK)
	})
}

func TestRefreshTokenRotation(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		refresh := func(token string) *resp {
			return e.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": token})
		}
		first := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "admin", "password": testPassword}).
			want(t, http.StatusOK).str(t, "refresh_token")
		r := refresh(first).want(t, http.StatusOK)
		second := r.str(t, "refresh_token")
		if second == first {
			t.Fatal("the refresh token did not rotate")
		}
		same(t, "me with the refreshed access token", e.do(t, http.MethodGet, "/api/v1/me", r.str(t, "access_token"), nil).
			want(t, http.StatusOK).get(t, "username"), "admin")
		third := refresh(second).want(t, http.StatusOK).str(t, "refresh_token")

		// Replaying a spent token means it leaked: the whole family goes.
		p := refresh(first).problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		same(t, "detail of a reuse", p["detail"], "the refresh token was already used; its session is revoked")
		p = refresh(third).problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		same(t, "detail of the family's newest token", p["detail"], "the refresh token is expired or revoked")

		// Another login is another family and still works.
		other := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "admin", "password": testPassword}).
			want(t, http.StatusOK).str(t, "refresh_token")
		refresh(other).want(t, http.StatusOK)
		refresh("rt_made_up").problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		e.doRaw(t, http.MethodPost, "/api/v1/auth/refresh", "", []byte(`{}`)).problem(t, http.StatusBadRequest, domain.CodeInvalid, "refresh_token")
	})
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, reporterTok := e.user(t, domain.RoleReporter, 0, "")
		reporterID := e.do(t, http.MethodGet, "/api/v1/me", reporterTok, nil).want(t, http.StatusOK).id(t, "id")

		r := e.do(t, http.MethodPost, "/api/v1/api-tokens", e.admin, map[string]any{"name": "cruscotto", "user_id": reporterID}).
			want(t, http.StatusCreated)
		secret, id := r.str(t, "token"), r.id(t, "id")
		if !strings.HasPrefix(secret, "hd_") {
			t.Errorf("API token %q does not start with hd_", secret)
		}
		if got, want := r.Header.Get("Location"), fmt.Sprintf("/api/v1/api-tokens/%d", id); got != want {
			t.Errorf("Location: got %q, want %q", got, want)
		}
		me := e.do(t, http.MethodGet, "/api/v1/me", secret, nil).want(t, http.StatusOK)
		same(t, "API token's user", me.get(t, "id"), reporterID)
		same(t, "API token's role", me.get(t, "role"), "reporter")
		e.do(t, http.MethodGet, "/api/v1/tickets", secret, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)

		list := e.do(t, http.MethodGet, "/api/v1/api-tokens", e.admin, nil).want(t, http.StatusOK)
		same(t, "listed tokens", len(list.items(t)), 1)
		if _, shown := list.get(t, "items", 0).(map[string]any)["token"]; shown {
			t.Error("the list shows a token's secret")
		}

		e.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/api-tokens/%d", id), e.admin, nil).want(t, http.StatusNoContent)
		e.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/api-tokens/%d", id), e.admin, nil).want(t, http.StatusNoContent)
		e.do(t, http.MethodGet, "/api/v1/me", secret, nil).problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		if list := e.do(t, http.MethodGet, "/api/v1/api-tokens", e.admin, nil).want(t, http.StatusOK); list.get(t, "items", 0, "revoked_at") == nil {
			t.Error("a revoked token has no revoked_at")
		}
		e.do(t, http.MethodDelete, "/api/v1/api-tokens/999", e.admin, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)

		// An expiring token stops working at its expiry.
		exp := e.clock.Now().Add(time.Hour).Format(time.RFC3339)
		short := e.do(t, http.MethodPost, "/api/v1/api-tokens", e.admin, map[string]any{"name": "prova", "user_id": reporterID, "expires_at": exp}).
			want(t, http.StatusCreated).str(t, "token")
		e.do(t, http.MethodGet, "/api/v1/me", short, nil).want(t, http.StatusOK)
		e.clock.Advance(time.Hour)
		e.do(t, http.MethodGet, "/api/v1/me", short, nil).problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)

		e.do(t, http.MethodPost, "/api/v1/api-tokens", e.admin, map[string]any{"name": "x", "user_id": 999}).
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "user_id")
		e.doRaw(t, http.MethodPost, "/api/v1/api-tokens", e.admin, []byte(`{"name":"","user_id":0,"expires_at":"2000-01-01T00:00:00Z"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "name", "user_id", "expires_at")
		e.do(t, http.MethodGet, "/api/v1/api-tokens", reporterTok, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}

func TestAdminsManageUsers(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		r := e.do(t, http.MethodPost, "/api/v1/users", e.admin, map[string]any{"username": "mrossi", "password": testPassword, "role": "operator", "level": 1}).
			want(t, http.StatusCreated)
		id := r.id(t, "id")
		if got, want := r.Header.Get("Location"), fmt.Sprintf("/api/v1/users/%d", id); got != want {
			t.Errorf("Location: got %q, want %q", got, want)
		}
		same(t, "created user", r.JSON, map[string]any{"active": true, "created_at": "2026-03-10T09:00:00+01:00", "id": id,
			"level": 1, "role": "operator", "username": "mrossi", "version": 1})
		path := fmt.Sprintf("/api/v1/users/%d", id)
		if got := e.do(t, http.MethodGet, path, e.admin, nil).want(t, http.StatusOK).Header.Get("ETag"); got != `"1"` {
			t.Errorf(`ETag: got %s, want "1"`, got)
		}
		same(t, "users", len(e.do(t, http.MethodGet, "/api/v1/users", e.admin, nil).want(t, http.StatusOK).items(t)), 2)

		e.do(t, http.MethodPost, "/api/v1/users", e.admin, map[string]any{"username": "mrossi", "password": testPassword, "role": "reporter"}).
			problem(t, http.StatusConflict, domain.CodeConflict)
		e.do(t, http.MethodPost, "/api/v1/users", e.admin, map[string]any{"username": "ente1", "password": testPassword, "role": "ente", "ente": "atlantide"}).
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "ente")
		for _, c := range []struct {
			body   string
			fields []string
		}{
			{`{"username":"ab","password":"short","role":"boss"}`, []string{"username", "role"}},
			{`{"username":"abc","password":"short","role":"reporter"}`, []string{"password"}},
			{`{"username":"op2","password":"` + testPassword + `","role":"operator"}`, []string{"level"}},
			{`{"username":"tec","password":"` + testPassword + `","role":"technician","level":2,"ente":"firenze"}`, []string{"level", "ente"}},
			{`{"username":"ente2","password":"` + testPassword + `","role":"ente"}`, []string{"ente"}},
			{`{"username":"x y z","password":"` + testPassword + `","role":"admin","is_root":true}`, []string{"is_root"}},
		} {
			e.doRaw(t, http.MethodPost, "/api/v1/users", e.admin, []byte(c.body)).problem(t, http.StatusBadRequest, domain.CodeInvalid, c.fields...)
		}

		r = e.do(t, http.MethodPatch, path, e.admin, map[string]any{"level": 2}, "If-Match", `"1"`).want(t, http.StatusOK)
		same(t, "level after patch", r.get(t, "level"), 2)
		if got := r.Header.Get("ETag"); got != `"2"` {
			t.Errorf(`ETag after patch: got %s, want "2"`, got)
		}
		e.do(t, http.MethodPatch, path, e.admin, map[string]any{"active": false}, "If-Match", `"1"`).
			problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		e.do(t, http.MethodPatch, path, e.admin, map[string]any{"role": "ente"}).problem(t, http.StatusBadRequest, domain.CodeInvalid, "level", "ente")
		e.do(t, http.MethodPatch, path, e.admin, map[string]any{"role": "ente", "level": 0, "ente": "nowhere"}).
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "ente")
		r = e.do(t, http.MethodPatch, path, e.admin, map[string]any{"role": "ente", "level": 0, "ente": "vaglia"}).want(t, http.StatusOK)
		same(t, "user turned ente user", r.JSON, map[string]any{"active": true, "created_at": "2026-03-10T09:00:00+01:00", "ente": "vaglia",
			"id": id, "role": "ente", "username": "mrossi", "version": 3})

		e.login(t, "mrossi", testPassword)
		newPassword := "another-long-password"
		e.do(t, http.MethodPatch, path, e.admin, map[string]any{"password": newPassword, "active": false}).want(t, http.StatusOK)
		e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": "mrossi", "password": newPassword}).
			problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		e.do(t, http.MethodPatch, path, e.admin, map[string]any{"active": true}).want(t, http.StatusOK)
		e.login(t, "mrossi", newPassword)

		e.do(t, http.MethodGet, "/api/v1/users/999", e.admin, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodPatch, "/api/v1/users/999", e.admin, map[string]any{"active": false}).problem(t, http.StatusNotFound, domain.CodeNotFound)
		_, op := e.user(t, domain.RoleOperator, 2, "")
		e.do(t, http.MethodGet, "/api/v1/users", op, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.do(t, http.MethodPost, "/api/v1/users", op, map[string]any{"username": "sneaky", "password": testPassword, "role": "admin"}).
			problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}

func TestEnti(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		list := e.do(t, http.MethodGet, "/api/v1/enti", op, nil).want(t, http.StatusOK)
		// The 29 enti of shared/data/enti.csv.
		if n := len(list.items(t)); n != 29 {
			t.Errorf("got %d enti at the first start, want the 29 of the report", n)
		}
		same(t, "firenze", e.do(t, http.MethodGet, "/api/v1/enti/firenze", op, nil).want(t, http.StatusOK).JSON,
			map[string]any{"code": "firenze", "name": "Firenze", "kind": "comune", "contact_center": true, "ced_multiente": "not_applicable", "office_email": "", "version": 1})

		r := e.do(t, http.MethodPost, "/api/v1/enti", e.admin, map[string]any{"code": "montespertoli", "name": "Montespertoli", "kind": "comune"}).
			want(t, http.StatusCreated)
		if got := r.Header.Get("Location"); got != "/api/v1/enti/montespertoli" {
			t.Errorf("Location: got %q", got)
		}
		same(t, "created ente", r.JSON, map[string]any{"code": "montespertoli", "name": "Montespertoli", "kind": "comune",
			"contact_center": false, "ced_multiente": "", "office_email": "", "version": 1})
		e.do(t, http.MethodPost, "/api/v1/enti", e.admin, map[string]any{"code": "montespertoli", "name": "Doppio", "kind": "comune"}).
			problem(t, http.StatusConflict, domain.CodeConflict)
		e.doRaw(t, http.MethodPost, "/api/v1/enti", e.admin, []byte(`{"code":"Monte Spertoli","name":"","kind":"regione","ced_multiente":"maybe"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "code", "name", "kind", "ced_multiente")
		e.do(t, http.MethodPost, "/api/v1/enti", op, map[string]any{"code": "x1", "name": "X", "kind": "comune"}).
			problem(t, http.StatusForbidden, domain.CodeForbidden)

		r = e.do(t, http.MethodPatch, "/api/v1/enti/montespertoli", e.admin, map[string]any{"contact_center": true, "ced_multiente": "covered",
			"office_email": "protocollo@comune.montespertoli.example"}, "If-Match", `"1"`).
			want(t, http.StatusOK)
		same(t, "patched ente", r.JSON, map[string]any{"code": "montespertoli", "name": "Montespertoli", "kind": "comune",
			"contact_center": true, "ced_multiente": "covered", "office_email": "protocollo@comune.montespertoli.example", "version": 2})
		e.do(t, http.MethodPatch, "/api/v1/enti/montespertoli", e.admin, map[string]any{"office_email": "Protocollo <p@x.example>"}).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "office_email")
		if got := r.Header.Get("ETag"); got != `"2"` {
			t.Errorf(`ETag: got %s, want "2"`, got)
		}
		e.do(t, http.MethodPatch, "/api/v1/enti/montespertoli", e.admin, map[string]any{"name": "Stale"}, "If-Match", `"1"`).
			problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		e.doRaw(t, http.MethodPatch, "/api/v1/enti/montespertoli", e.admin, []byte(`{"kind":"regione"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "kind")
		e.doRaw(t, http.MethodPatch, "/api/v1/enti/montespertoli", e.admin, []byte(`{"code":"other"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "code")
		same(t, "version after refused patches", e.do(t, http.MethodGet, "/api/v1/enti/montespertoli", op, nil).want(t, http.StatusOK).get(t, "version"), 2)
		e.do(t, http.MethodGet, "/api/v1/enti/atlantide", op, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodPatch, "/api/v1/enti/atlantide", e.admin, map[string]any{"name": "A"}).problem(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

func TestClosuresAndCalendar(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, ente := e.user(t, domain.RoleEnte, 0, "firenze")
		r := e.do(t, http.MethodGet, "/api/v1/enti/firenze/closures", ente, nil).want(t, http.StatusOK)
		same(t, "Firenze's closures", len(r.items(t)), 1)
		same(t, "San Giovanni", []any{r.get(t, "items", 0, "month"), r.get(t, "items", 0, "day")}, []int{6, 24})

		r = e.do(t, http.MethodPost, "/api/v1/enti/firenze/closures", e.admin, map[string]any{"month": 11, "day": 2, "year": 2026, "reason": "Ponte"}).
			want(t, http.StatusCreated)
		cid := r.id(t, "id")
		if got, want := r.Header.Get("Location"), fmt.Sprintf("/api/v1/enti/firenze/closures/%d", cid); got != want {
			t.Errorf("Location: got %q, want %q", got, want)
		}
		same(t, "closure", r.JSON, map[string]any{"id": cid, "month": 11, "day": 2, "year": 2026, "reason": "Ponte"})
		e.doRaw(t, http.MethodPost, "/api/v1/enti/firenze/closures", e.admin, []byte(`{"month":2,"day":30}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "day")
		e.doRaw(t, http.MethodPost, "/api/v1/enti/firenze/closures", e.admin, []byte(`{"month":13,"day":1,"year":1900}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "month", "year")
		e.do(t, http.MethodPost, "/api/v1/enti/atlantide/closures", e.admin, map[string]any{"month": 1, "day": 2}).
			problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodPost, "/api/v1/enti/firenze/closures", ente, map[string]any{"month": 1, "day": 2}).
			problem(t, http.StatusForbidden, domain.CodeForbidden)

		r = e.do(t, http.MethodGet, "/api/v1/calendar?year=2026&ente=firenze", ente, nil).want(t, http.StatusOK)
		same(t, "calendar ente", r.get(t, "ente"), "firenze")
		same(t, "calendar closures", len(r.get(t, "closures").([]any)), 2)
		same(t, "time zone", r.get(t, "time_zone"), "Europe/Rome")
		same(t, "Monday hours", r.get(t, "hours", "monday"), []map[string]string{{"open": "08:00", "close": "18:00"}})
		same(t, "Sunday hours", r.get(t, "hours", "sunday"), []any{})

		e.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/enti/firenze/closures/%d", cid), e.admin, nil).want(t, http.StatusNoContent)
		e.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/enti/firenze/closures/%d", cid), e.admin, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/enti/fiesole/closures/%d", r.id(t, "closures", 0, "id")), e.admin, nil).
			problem(t, http.StatusNotFound, domain.CodeNotFound)
		same(t, "closures after delete", len(e.do(t, http.MethodGet, "/api/v1/enti/firenze/closures", ente, nil).want(t, http.StatusOK).items(t)), 1)
		e.do(t, http.MethodGet, "/api/v1/enti/atlantide/closures", ente, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

// holidays returns the dates of a calendar answer's holidays.
func holidays(t *testing.T, r *resp) []string {
	t.Helper()
	var out []string
	for i := range r.get(t, "holidays").([]any) {
		out = append(out, r.str(t, "holidays", i, "date"))
	}
	return out
}

func TestCalendarHolidaysFollowTheYearsRules(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		// San Francesco (4 October) is a national holiday from 2026 only.
		same(t, "2026", holidays(t, e.do(t, http.MethodGet, "/api/v1/calendar?year=2026", op, nil).want(t, http.StatusOK)), []string{
			"2026-01-01", "2026-01-06", "2026-04-06", "2026-04-25", "2026-05-01", "2026-06-02", "2026-08-15",
			"2026-10-04", "2026-11-01", "2026-12-08", "2026-12-25", "2026-12-26",
		})
		same(t, "2025", holidays(t, e.do(t, http.MethodGet, "/api/v1/calendar?year=2025", op, nil).want(t, http.StatusOK)), []string{
			"2025-01-01", "2025-01-06", "2025-04-21", "2025-04-25", "2025-05-01", "2025-06-02", "2025-08-15",
			"2025-11-01", "2025-12-08", "2025-12-25", "2025-12-26",
		})
		r := e.do(t, http.MethodGet, "/api/v1/calendar", op, nil).want(t, http.StatusOK)
		same(t, "default year", r.get(t, "year"), 2026)
		if _, has := r.obj(t)["closures"]; has {
			t.Error("a calendar without ente= has closures")
		}
		e.doRaw(t, http.MethodGet, "/api/v1/calendar?year=abc", op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "year")
		e.doRaw(t, http.MethodGet, "/api/v1/calendar?year=1900", op, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "year")
		e.do(t, http.MethodGet, "/api/v1/calendar?ente=atlantide", op, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

func TestPutHoursMovesLaterDeadlinesOnly(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		before := e.openTicket(t, op, map[string]any{"ente": "fiesole"}) // SLA.6 due 10:00
		weekdays := []map[string]string{{"open": "10:00", "close": "13:00"}, {"open": "14:00", "close": "18:00"}}
		hours := map[string]any{"monday": weekdays, "tuesday": weekdays, "wednesday": weekdays, "thursday": weekdays, "friday": weekdays}
		r := e.do(t, http.MethodPut, "/api/v1/calendar/hours", e.admin, hours).want(t, http.StatusOK)
		same(t, "Tuesday", r.get(t, "tuesday"), weekdays)
		same(t, "Saturday", r.get(t, "saturday"), []any{})
		same(t, "calendar hours", e.do(t, http.MethodGet, "/api/v1/calendar", op, nil).want(t, http.StatusOK).get(t, "hours"), r.JSON)

		after := e.do(t, http.MethodPost, "/api/v1/tickets", op, ticketBody(map[string]any{"ente": "fiesole"})).want(t, http.StatusCreated)
		same(t, "SLA.6 deadline under the new hours", clocks(t, after)["SLA.6"]["deadline"], "2026-03-10T11:00:00+01:00")
		same(t, "SLA.7 deadline under the new hours", clocks(t, after)["SLA.7"]["deadline"], "2026-03-10T17:00:00+01:00")
		old := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", before), op, nil).want(t, http.StatusOK)
		same(t, "SLA.6 deadline of an earlier ticket", clocks(t, old)["SLA.6"]["deadline"], "2026-03-10T10:00:00+01:00")

		for _, c := range []struct{ body, field string }{
			{`{"monday":[{"open":"25:00","close":"26:00"}]}`, "monday[0].open"},
			{`{"monday":[{"open":"09:00","close":"9"}]}`, "monday[0].close"},
			{`{"lunedi":[{"open":"09:00","close":"18:00"}]}`, "lunedi"},
		} {
			e.doRaw(t, http.MethodPut, "/api/v1/calendar/hours", e.admin, []byte(c.body)).problem(t, http.StatusBadRequest, domain.CodeInvalid, c.field)
		}
		for _, body := range []string{`{}`, `{"monday":[{"open":"12:00","close":"09:00"}]}`, `{"monday":[{"open":"09:00","close":"12:00"},{"open":"11:00","close":"13:00"}]}`} {
			e.doRaw(t, http.MethodPut, "/api/v1/calendar/hours", e.admin, []byte(body)).problem(t, http.StatusBadRequest, domain.CodeInvalid)
		}
		// The domain's rule names the interval it refuses, in the request's own terms.
		e.doRaw(t, http.MethodPut, "/api/v1/calendar/hours", e.admin, []byte(`{"monday":[{"open":"09:00","close":"12:00"},{"open":"11:00","close":"13:00"}]}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "monday[1].open")
		e.do(t, http.MethodPut, "/api/v1/calendar/hours", op, hours).problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}

func TestSLATargets(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		same(t, "default targets", e.do(t, http.MethodGet, "/api/v1/settings/sla", op, nil).want(t, http.StatusOK).JSON, map[string]any{"items": []map[string]any{
			{"code": "SLA.6", "description": "Presa in carico della segnalazione", "target_minutes": 60, "basis": "working", "expected_share": 100},
			{"code": "SLA.7", "description": "Risposta via mail o telefonica", "target_minutes": 360, "basis": "working", "expected_share": 100},
			{"code": "SLA.8", "description": "Intervento a seguito di segnalazione telefonica sulle cause del malfunzionamento", "target_minutes": 120, "basis": "calendar", "expected_share": 100},
		}})
		before := e.openTicket(t, op, nil)

		targets := map[string]any{"items": []map[string]any{
			{"code": "SLA.6", "target_minutes": 30, "basis": "working", "expected_share": 95},
			{"code": "SLA.7", "target_minutes": 240, "basis": "working", "expected_share": 100},
			{"code": "SLA.8", "target_minutes": 120, "basis": "working", "expected_share": 100},
		}}
		r := e.do(t, http.MethodPut, "/api/v1/settings/sla", e.admin, targets).want(t, http.StatusOK)
		same(t, "SLA.8 basis after the change", r.get(t, "items", 2, "basis"), "working")
		same(t, "targets read back", e.do(t, http.MethodGet, "/api/v1/settings/sla", op, nil).want(t, http.StatusOK).JSON, r.JSON)

		// A ticket keeps the targets it was opened with.
		old := clocks(t, e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", before), op, nil).want(t, http.StatusOK))
		same(t, "old SLA.6 target", old["SLA.6"]["target_minutes"], 60)
		same(t, "old SLA.6 deadline", old["SLA.6"]["deadline"], "2026-03-10T10:00:00+01:00")
		same(t, "old SLA.8 basis", old["SLA.8"]["basis"], "calendar")
		e.clock.Set(time.Date(2026, 3, 10, 16, 30, 0, 0, time.UTC)) // 17:30 in Rome
		cl := clocks(t, e.do(t, http.MethodPost, "/api/v1/tickets", op, ticketBody(nil)).want(t, http.StatusCreated))
		same(t, "new SLA.6 target", cl["SLA.6"]["target_minutes"], 30)
		same(t, "new SLA.6 deadline", cl["SLA.6"]["deadline"], "2026-03-10T18:00:00+01:00")
		same(t, "new SLA.8 deadline on working time", cl["SLA.8"]["deadline"], "2026-03-11T09:30:00+01:00")

		for _, c := range []struct {
			body   string
			fields []string
		}{
			{`{"items":[{"code":"SLA.6","target_minutes":0,"basis":"working"}]}`, []string{"SLA.6.target_minutes", "SLA.7", "SLA.8"}},
			{`{"items":[{"code":"SLA.9","target_minutes":10,"basis":"working"}]}`, []string{"SLA.9"}},
			{`{"items":[{"code":"SLA.6","target_minutes":10,"basis":"lunar"},{"code":"SLA.7","target_minutes":10,"basis":"working","expected_share":101},{"code":"SLA.8","target_minutes":10,"basis":"working"},{"code":"SLA.8","target_minutes":10,"basis":"working"}]}`,
				[]string{"SLA.6.basis", "SLA.7.expected_share", "SLA.8"}},
			{`{"items":[],"extra":1}`, []string{"extra"}},
		} {
			e.doRaw(t, http.MethodPut, "/api/v1/settings/sla", e.admin, []byte(c.body)).problem(t, http.StatusBadRequest, domain.CodeInvalid, c.fields...)
		}
		e.do(t, http.MethodPut, "/api/v1/settings/sla", op, targets).problem(t, http.StatusForbidden, domain.CodeForbidden)
		_, ente := e.user(t, domain.RoleEnte, 0, "firenze")
		e.do(t, http.MethodGet, "/api/v1/settings/sla", ente, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}
