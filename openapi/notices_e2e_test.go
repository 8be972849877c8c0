package openapi_test

import (
	"fmt"
	"net/http"
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

// TestOutageNoticeOverTheAPI: an operator mails an outage's notice to the
// affected enti's offices; the ente without an office address is named in
// the answer, the send's time (the env's clock) becomes offices_notice_at
// and SLA.9 reads met. Bad audiences, proposed outages and ente users are
// refused as problems.
func TestOutageNoticeOverTheAPI(t *testing.T) {
	t.Parallel()
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		sink := jobstest.NewSMTPSink(t)
		smtp := sink.Config(t)
		e := newEnvWith(t, s, func(c *api.Config) {
			mailing := app.NewMailing(s, app.Clock(c.Now))
			guard := &jobs.Guard{}
			q := jobstest.Start(t, s, jobs.Config{Guard: guard, Mailing: mailing, SMTP: smtp})
			c.Webhooks, c.Jobs, c.Mail = app.NewWebhooks(s, guard, q, app.Clock(c.Now)), q, mailing
		})
		_, op := e.user(t, domain.RoleOperator, 1, "")
		_, ente := e.user(t, domain.RoleEnte, 0, "firenze")
		e.do(t, http.MethodPatch, "/api/v1/enti/firenze", e.admin, map[string]any{"office_email": "protocollo@comune.fi.example"}).want(t, http.StatusOK)
		now := e.clock.Now()
		o := e.do(t, http.MethodPost, "/api/v1/outages", op, map[string]any{
			"started_at": now.Add(-20 * time.Minute).Format(time.RFC3339), "intervention_started_at": now.Add(-15 * time.Minute).Format(time.RFC3339),
			"systems": []string{"CSCMS"}, "enti": []string{"firenze", "fiesole"}, "public_text": "Portale dei servizi non disponibile.",
		}).want(t, http.StatusCreated)
		path := fmt.Sprintf("/api/v1/outages/%d/notices", o.id(t, "id"))

		e.do(t, http.MethodPost, path, ente, map[string]any{"audience": "offices"}).problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.doRaw(t, http.MethodPost, path, op, []byte(`{"audience":"everyone"}`)).problem(t, http.StatusBadRequest, domain.CodeInvalid, "audience")
		e.do(t, http.MethodPost, "/api/v1/outages/999999/notices", op, map[string]any{"audience": "offices"}).problem(t, http.StatusNotFound, domain.CodeNotFound)

		r := e.do(t, http.MethodPost, path, op, map[string]any{"audience": "offices"}).want(t, http.StatusAccepted)
		same(t, "queued to", r.get(t, "queued", 0, "mail", "to"), "protocollo@comune.fi.example")
		same(t, "queued kind", r.get(t, "queued", 0, "mail", "kind"), "outage.notice_offices")
		same(t, "untold", r.get(t, "untold", 0, "ente"), "fiesole")
		jobstest.WaitFor(t, "the notice at the sink", func() bool { return len(sink.Mails()) == 1 })
		if m := sink.Mails()[0]; !strings.Contains(m.Body, "Portale dei servizi non disponibile.") || !strings.Contains(m.Subject, "non programmata") {
			t.Errorf("notice %+v", m)
		}
		var got *resp
		jobstest.WaitFor(t, "offices_notice_at", func() bool {
			got = e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/outages/%d", o.id(t, "id")), op, nil).want(t, http.StatusOK)
			return got.get(t, "offices_notice_at") != nil
		})
		at, err := time.Parse(time.RFC3339Nano, got.str(t, "offices_notice_at"))
		if err != nil || !at.Equal(now) {
			t.Errorf("offices_notice_at %v, want the send time %v", got.get(t, "offices_notice_at"), now)
		}
		same(t, "sla9", got.str(t, "sla9"), "met")
		same(t, "users_notice_at", got.get(t, "users_notice_at"), nil)

		// Nobody of fiesole can be told: 422, naming it.
		p := e.do(t, http.MethodPost, "/api/v1/outages", op, map[string]any{"started_at": now.Format(time.RFC3339),
			"enti": []string{"fiesole"}, "public_text": "x"}).want(t, http.StatusCreated)
		e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/outages/%d/notices", p.id(t, "id")), op, map[string]any{"audience": "users"}).
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable, "enti")
	})
}
