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

// breachDesk runs the sweeper every 100 ms on clk and mails to a sink; it
// returns the desk and the ticket it opened at clk's time, by e-mail (so
// only SLA.6 and SLA.7 run), with nobody in charge: its breaches go to
// the level-1 operators.
func breachDesk(t *testing.T, s *repository.Store, clk *fakeClock) (mailDesk, domain.Ticket) {
	t.Helper()
	mkUser(t, s, domain.User{Username: "op", Role: domain.RoleOperator, Level: 1, Email: "op@cst.example"})
	mkUser(t, s, domain.User{Username: "spec", Role: domain.RoleOperator, Level: 2, Email: "spec@cst.example"})
	d := startMailDesk(t, s, clk.Now, jobs.Config{Sweeper: app.NewSLASweeper(s, clk.Now, 0), SweepEvery: 100 * time.Millisecond})
	op := domain.Principal{Username: "desk", Role: domain.RoleOperator, Level: 1}
	tk, err := app.NewTickets(s, clk.Now, 0).Open(context.Background(), op, app.OpenTicket{Ente: "firenze", Subject: "Posta ferma",
		Service: "ced_multiente", Channel: domain.ChannelEmail})
	if err != nil {
		t.Fatal(err)
	}
	return d, tk
}

// TestSweptBreachIsMailedOnce: the sweeper finds SLA.6 breached during
// counter hours and the level-1 operator gets the breach mail at the
// sink at once, a single time however many sweeps see the clock.
func TestSweptBreachIsMailedOnce(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		rome, _ := time.LoadLocation("Europe/Rome")
		t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, rome) // a Tuesday, counter open
		clk := &fakeClock{t: t0}
		d, tk := breachDesk(t, s, clk)
		time.Sleep(300 * time.Millisecond)
		if n := len(d.sink.Mails()); n != 0 {
			t.Fatalf("%d mails before any clock breached", n)
		}
		// 90 minutes on: SLA.6 (1 working hour) has breached; SLA.7 has
		// used a quarter of its 6 working hours.
		clk.Set(t0.Add(90 * time.Minute))
		jobstest.WaitFor(t, "the breach mail", func() bool { return len(d.sink.Mails()) >= 1 })
		time.Sleep(time.Second) // about ten more sweeps
		ms := d.sink.Mails()
		if len(ms) != 1 {
			t.Fatalf("got %d mails, want the breach once: %+v", len(ms), ms)
		}
		want := "SLA.6 scaduto: segnalazione n. " + strconv.FormatInt(tk.ID, 10)
		if ms[0].To != "op@cst.example" || ms[0].Subject != want || !strings.Contains(ms[0].Body, "10/03/2026 10:00") {
			t.Fatalf("breach mail %+v, want %q to op@cst.example with the deadline", ms[0], want)
		}
	})
}

// TestBreachNoticedAfterHoursIsMailedWhenTheCounterOpens: a breach the
// sweeper notices on Friday evening is mailed on Monday at 08:00 in Rome,
// the ente calendar's next working time: its job waits, and nothing
// reaches the sink meanwhile.
func TestBreachNoticedAfterHoursIsMailedWhenTheCounterOpens(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		rome, _ := time.LoadLocation("Europe/Rome")
		friday, monday := futureWeekend(t, s, rome)
		clk := &fakeClock{t: friday}
		d, _ := breachDesk(t, s, clk)
		clk.Set(friday.Add(90 * time.Minute))
		var jobsDue []app.JobInfo
		jobstest.WaitFor(t, "the breach mail's job", func() bool {
			var err error
			if jobsDue, err = d.queue.List(context.Background(), "scheduled", 10); err != nil {
				t.Fatal(err)
			}
			return len(jobsDue) > 0
		})
		time.Sleep(time.Second)
		if jobsDue, _ = d.queue.List(context.Background(), "scheduled", 10); len(jobsDue) != 1 || jobsDue[0].Kind != "mail" || !jobsDue[0].ScheduledAt.Equal(monday) {
			t.Fatalf("scheduled jobs %+v, want one mail at %s", jobsDue, monday.UTC())
		}
		if n := len(d.sink.Mails()); n != 0 {
			t.Errorf("%d mails sent out of counter hours", n)
		}
		log, err := d.mailing.Log(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 || log[0].Status != domain.MailQueued || log[0].To != "op@cst.example" || !strings.HasPrefix(log[0].Subject, "SLA.6 scaduto") {
			t.Fatalf("mail log %+v, want the breach queued for op@", log)
		}
	})
}

// futureWeekend returns a Friday at 17:00 (SLA.6 of a ticket opened then is
// due at 18:00, the counter's close) and the Monday at 08:00 after it, in
// Rome, both working days on firenze's calendar and weeks ahead of the real
// clock, so that River, which schedules on the real clock, keeps the mail
// waiting.
func futureWeekend(t *testing.T, s *repository.Store, rome *time.Location) (friday, monday time.Time) {
	t.Helper()
	cal, err := s.Calendar(context.Background(), "firenze")
	if err != nil {
		t.Fatal(err)
	}
	d := time.Now().In(rome).AddDate(0, 0, 14)
	for {
		d = d.AddDate(0, 0, 1)
		friday = time.Date(d.Year(), d.Month(), d.Day(), 17, 0, 0, 0, rome)
		monday = time.Date(d.Year(), d.Month(), d.Day()+3, 8, 0, 0, 0, rome)
		if friday.Weekday() == time.Friday && cal.IsWorkingDay(friday) && cal.IsWorkingDay(monday) {
			return friday, monday
		}
	}
}
