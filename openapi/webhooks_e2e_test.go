package openapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// notifyEnv is an env whose changes enqueue notices to a running queue.
// allowPrivate is HELPDESK_WEBHOOK_ALLOW_PRIVATE: the receivers of these
// tests listen on 127.0.0.1.
func notifyEnv(t *testing.T, store *repository.Store, allowPrivate bool) *env {
	t.Helper()
	guard := &jobs.Guard{AllowPrivate: allowPrivate}
	q := jobstest.Start(t, store, jobs.Config{Guard: guard,
		Retry: domain.WebhookRetry{First: 100 * time.Millisecond, Max: time.Second, GiveUp: time.Hour}})
	return newEnvWith(t, store, func(c *api.Config) {
		c.Webhooks = app.NewWebhooks(store, guard, q, app.Clock(c.Now))
		c.Jobs = q
		mailing := app.NewMailing(store, app.Clock(c.Now))
		mailing.SetQueue(q)
		c.Mail = mailing
	})
}

func TestWebhooksOverTheAPI(t *testing.T) {
	t.Parallel()
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		e := notifyEnv(t, s, true)
		rcv := jobstest.NewReceiver(t)
		r := e.do(t, http.MethodPost, "/api/v1/webhooks", e.admin, map[string]any{"url": rcv.URL, "event_types": []string{"ticket.*"}}).
			want(t, http.StatusCreated)
		id, secret := r.id(t, "id"), r.str(t, "secret")
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("secret %q", secret)
		}
		same(t, "Location", r.Header.Get("Location"), fmt.Sprintf("/api/v1/webhooks/%d", id))
		rcv.SetSecret(secret)
		list := e.do(t, http.MethodGet, "/api/v1/webhooks", e.admin, nil).want(t, http.StatusOK)
		if _, shown := list.get(t, "items", 0).(map[string]any)["secret"]; shown {
			t.Error("the list shows a secret")
		}

		e.do(t, http.MethodPost, "/api/v1/webhooks", e.admin, map[string]any{"url": "ftp://example.org/x", "event_types": []string{"nope"}}).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "url", "event_types")
		e.do(t, http.MethodPost, "/api/v1/webhooks", e.admin, map[string]any{"url": "https://u:p@example.org/x", "event_types": []string{"*"}}).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "url")
		e.doRaw(t, http.MethodPost, "/api/v1/webhooks", e.admin, []byte(`{"url":"https://example.org","event_types":["*"],"secret":"mine"}`)).
			problem(t, http.StatusBadRequest, domain.CodeInvalid)
		_, op := e.user(t, domain.RoleOperator, 1, "")
		e.do(t, http.MethodGet, "/api/v1/webhooks", op, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.do(t, http.MethodGet, "/api/v1/jobs", op, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)

		ticket := e.openTicket(t, op, nil)
		jobstest.WaitFor(t, "ticket.created", func() bool { return len(rcv.Messages()) == 1 })
		m := rcv.Messages()[0]
		same(t, "type", m.Type, "ticket.created")
		same(t, "ticket id", m.Data["id"], float64(ticket))

		var deliveries *resp
		jobstest.WaitFor(t, "the logged delivery", func() bool {
			deliveries = e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%d/deliveries", id), e.admin, nil).want(t, http.StatusOK)
			return len(deliveries.items(t)) == 1
		})
		same(t, "logged status", deliveries.get(t, "items", 0, "status_code"), 204)
		same(t, "logged id", deliveries.get(t, "items", 0, "message_id"), m.ID)
		did := deliveries.id(t, "items", 0, "id")
		e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/webhooks/%d/deliveries/%d/redeliver", id, did), e.admin, nil).want(t, http.StatusAccepted)
		jobstest.WaitFor(t, "the redelivery", func() bool { return len(rcv.Messages()) == 2 })
		same(t, "redelivered id", rcv.Messages()[1].ID, m.ID)
		e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/webhooks/%d/deliveries/999/redeliver", id), e.admin, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodGet, "/api/v1/webhooks/999/deliveries", e.admin, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.doRaw(t, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%d/deliveries?limit=0", id), e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "limit")

		// The fan-out, the delivery and the redelivery; River records
		// completions a moment after the work.
		var jobs *resp
		jobstest.WaitFor(t, "three completed jobs", func() bool {
			jobs = e.do(t, http.MethodGet, "/api/v1/jobs?state=completed", e.admin, nil).want(t, http.StatusOK)
			return jobs.num(t, "counts", "completed") == 3
		})
		same(t, "completed jobs listed", len(jobs.items(t)), 3)
		same(t, "newest completed job", jobs.get(t, "items", 0, "kind"), "webhook_delivery")
		e.doRaw(t, http.MethodGet, "/api/v1/jobs?state=bogus", e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid)
		rec := httptest.NewRecorder()
		e.srv.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		metrics := rec.Body.String()
		if !strings.Contains(metrics, `helpdesk_jobs{state="completed"}`) {
			t.Error("/metrics has no helpdesk_jobs gauge by state")
		}
		for _, want := range []string{`helpdesk_job_runs_total{kind="notify_fanout",outcome="completed"} 1`,
			`helpdesk_job_runs_total{kind="webhook_delivery",outcome="completed"} 2`,
			`helpdesk_job_run_duration_seconds_count{kind="webhook_delivery"} 2`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}

		// This env's queue has no SMTP server: the mail log is there, and empty.
		same(t, "mail log", len(e.do(t, http.MethodGet, "/api/v1/mail", e.admin, nil).want(t, http.StatusOK).items(t)), 0)
		e.doRaw(t, http.MethodGet, "/api/v1/mail?limit=0", e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "limit")
		e.do(t, http.MethodGet, "/api/v1/mail", op, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)

		off := e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/webhooks/%d", id), e.admin, map[string]any{"enabled": false}).want(t, http.StatusOK)
		same(t, "enabled", off.get(t, "enabled"), false)
		e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/webhooks/%d/deliveries/%d/redeliver", id, did), e.admin, nil).problem(t, http.StatusConflict, domain.CodeConflict)
		e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/webhooks/%d", id), e.admin, map[string]any{"event_types": []string{}}).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "event_types")
		e.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", id), e.admin, nil).want(t, http.StatusNoContent)
		e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/webhooks/%d", id), e.admin, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodDelete, fmt.Sprintf("/api/v1/webhooks/%d", id), e.admin, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

func TestWebhookToAPrivateAddressIsRefused(t *testing.T) {
	t.Parallel()
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		e := notifyEnv(t, s, false)
		for _, u := range []string{"http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.0.0.8/x", "http://[fe80::1]/x"} {
			e.do(t, http.MethodPost, "/api/v1/webhooks", e.admin, map[string]any{"url": u, "event_types": []string{"*"}}).
				problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "url")
		}
	})
}

func TestUsersEmailAndOptOut(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		r := e.do(t, http.MethodPost, "/api/v1/users", e.admin, map[string]any{"username": "ufficio", "password": testPassword,
			"role": "ente", "ente": "firenze", "email": "ufficio@comune.fi.example"}).want(t, http.StatusCreated)
		same(t, "email", r.get(t, "email"), "ufficio@comune.fi.example")
		if _, shown := r.obj(t)["email_opt_out"]; shown {
			t.Error("email_opt_out is shown while false")
		}
		id := r.id(t, "id")
		p := e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", id), e.admin, map[string]any{"email_opt_out": true}).want(t, http.StatusOK)
		same(t, "opt-out after PATCH", p.get(t, "email_opt_out"), true)
		for _, bad := range []string{"non-un-indirizzo", "Nome <a@b.it>", "a b@c.it"} {
			e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", id), e.admin, map[string]any{"email": bad}).
				problem(t, http.StatusBadRequest, domain.CodeInvalid, "email")
		}
	})
}
