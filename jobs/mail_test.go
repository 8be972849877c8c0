package jobs_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

func mkUser(t *testing.T, s *repository.Store, u domain.User) domain.Principal {
	t.Helper()
	now := time.Now().UTC()
	u.PasswordHash, u.Active, u.CreatedAt, u.UpdatedAt, u.Version = "x", true, now, now, 1
	got, err := s.CreateUser(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return domain.Principal{UserID: got.ID, Username: got.Username, Role: got.Role, Level: got.Level, EnteCode: got.EnteCode}
}

// TestReporterIsMailedTheReplyAndTheResolution over a local SMTP sink:
// the reporter of an ente's ticket gets the reply and the resolution text
// in Italian, a reporter who opted out gets nothing, and every send is
// logged with its outcome.
func TestReporterIsMailedTheReplyAndTheResolution(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		sink := jobstest.NewSMTPSink(t)
		mailing := app.NewMailing(s, time.Now)
		q := jobstest.Start(t, s, jobs.Config{Retry: fastRetry, Guard: &jobs.Guard{AllowPrivate: true}, Mailing: mailing, SMTP: sink.Config(t)})
		tickets := app.NewTickets(s, time.Now, 0)
		reporter := mkUser(t, s, domain.User{Username: "ufficio", Role: domain.RoleEnte, EnteCode: "firenze", Email: "ufficio@comune.fi.example"})
		quiet := mkUser(t, s, domain.User{Username: "muto", Role: domain.RoleEnte, EnteCode: "firenze", Email: "muto@comune.fi.example", EmailOptOut: true})
		op := mkUser(t, s, domain.User{Username: "op", Role: domain.RoleOperator, Level: 1, Email: "op@cst.example"})
		ctx := context.Background()
		open := func(p domain.Principal) int64 {
			tk, err := tickets.Open(ctx, p, app.OpenTicket{Subject: "Stampante ferma", Service: "ced_multiente", Channel: domain.ChannelEmail})
			if err != nil {
				t.Fatal(err)
			}
			return tk.ID
		}
		apply := func(id int64, a domain.Action, body string) {
			if _, err := tickets.Apply(ctx, op, id, a, body, app.AnyVersion); err != nil {
				t.Fatal(err)
			}
		}
		mine, muted := open(reporter), open(quiet)
		apply(mine, domain.ActionTakeInCharge, "")
		apply(mine, domain.ActionNote, "nota interna")
		apply(mine, domain.ActionReply, "Riavviate la stampante, poi diteci.")
		apply(mine, domain.ActionResolve, "Sostituito il fusore: è tornata a funzionare.")
		apply(muted, domain.ActionReply, "Nessuno la leggerà per posta.")
		// With no webhook, only the notices that may mail are enqueued:
		// the two replies and the resolution, not the creates nor the take.
		if n, err := q.Fanouts(ctx); err != nil || n != 3 {
			t.Fatalf("%d fan-out jobs (%v), want 3", n, err)
		}
		jobstest.WaitFor(t, "two mails", func() bool { return len(sink.Mails()) >= 2 })
		time.Sleep(300 * time.Millisecond)
		ms := sink.Mails()
		if len(ms) != 2 {
			t.Fatalf("got %d mails, want 2 (reply and resolution to the reporter who did not opt out): %+v", len(ms), ms)
		}
		byKind := map[string]jobstest.Mail{}
		for _, m := range ms {
			if m.To != "ufficio@comune.fi.example" {
				t.Errorf("mail to %s", m.To)
			}
			byKind[m.Subject[:strings.Index(m.Subject, " ")]] = m
		}
		if m := byKind["Risposta"]; !strings.Contains(m.Body, "Riavviate la stampante, poi diteci.") || !strings.Contains(m.Subject, "n. "+strconv.FormatInt(mine, 10)) {
			t.Errorf("reply mail %+v", m)
		}
		if m := byKind["Segnalazione"]; !strings.Contains(m.Body, "Sostituito il fusore: è tornata a funzionare.") || !strings.Contains(m.Body, "risolta") {
			t.Errorf("resolution mail %+v", m)
		}
		var log []domain.Mail
		jobstest.WaitFor(t, "two sends logged as sent", func() bool {
			log, _ = mailing.Log(ctx, 10)
			return len(log) == 2 && log[0].Status == domain.MailSent && log[1].Status == domain.MailSent
		})
		if log[0].SentAt == nil || log[0].TicketID == nil || *log[0].TicketID != mine {
			t.Errorf("log %+v", log[0])
		}
	})
}

// TestOperatorsAreMailedWithinWorkingHours: an SLA breach noticed on a
// Saturday is mailed to the assignee on Monday at 08:00 in Rome, and to
// every operator of the level when nobody has it.
func TestOperatorsAreMailedWithinWorkingHours(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		rome, _ := time.LoadLocation("Europe/Rome")
		op := mkUser(t, s, domain.User{Username: "op", Role: domain.RoleOperator, Level: 1, Email: "op@cst.example"})
		mkUser(t, s, domain.User{Username: "op2", Role: domain.RoleOperator, Level: 1, Email: "op2@cst.example"})
		mkUser(t, s, domain.User{Username: "spec", Role: domain.RoleOperator, Level: 2, Email: "spec@cst.example"})
		mailing := app.NewMailing(s, time.Now)
		sat := time.Date(2026, 3, 14, 11, 0, 0, 0, rome)
		req := app.MailRequest{Type: domain.EventSLABreached, At: sat, TicketID: 9, EnteCode: "firenze", Level: 1,
			ClockCode: "SLA.7", Deadline: sat.Add(-time.Hour), AssigneeID: &op.UserID}
		ms, err := mailing.Plan(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		monday := time.Date(2026, 3, 16, 8, 0, 0, 0, rome)
		if len(ms) != 1 || ms[0].To != "op@cst.example" || !ms[0].SendAt.Equal(monday) || !strings.Contains(ms[0].Subject, "SLA.7 scaduto") {
			t.Fatalf("assignee's mail %+v, want one to op@ at %s", ms, monday)
		}
		req.AssigneeID = nil
		ms, err = mailing.Plan(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || ms[0].To != "op@cst.example" || ms[1].To != "op2@cst.example" {
			t.Fatalf("level-1 operators' mails %+v", ms)
		}
	})
}
