package jobs_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// fakeClock is the sweeper's and the tickets' now, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// TestSweeperRecordsEachClockOnce: with a sweep every 100 ms, a breach
// and a warning are each recorded and sent once, however many sweeps see
// them.
func TestSweeperRecordsEachClockOnce(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		rome, _ := time.LoadLocation("Europe/Rome")
		t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, rome) // a Tuesday, counter open
		clk := &fakeClock{t: t0}
		guard := &jobs.Guard{AllowPrivate: true}
		q := jobstest.Start(t, s, jobs.Config{Retry: fastRetry, Guard: guard,
			Sweeper: app.NewSLASweeper(s, clk.Now, 0), SweepEvery: 100 * time.Millisecond})
		webhooks := app.NewWebhooks(s, guard, q, time.Now)
		r := jobstest.NewReceiver(t)
		u := r.URL
		w, err := webhooks.Create(context.Background(), app.WebhookChange{URL: &u, EventTypes: []string{"sla.*"}})
		if err != nil {
			t.Fatal(err)
		}
		r.SetSecret(w.Secret)
		op := domain.Principal{Username: "op", Role: domain.RoleOperator, Level: 1}
		tk, err := app.NewTickets(s, clk.Now, 0).Open(context.Background(), op, app.OpenTicket{Ente: "firenze", Subject: "Posta ferma",
			Service: "ced_multiente", Channel: domain.ChannelPhone})
		if err != nil {
			t.Fatal(err)
		}
		codes := func() []string {
			var out []string
			for _, m := range r.Messages() {
				out = append(out, m.Type+" "+m.Data["clock"].(map[string]any)["code"].(string))
			}
			sort.Strings(out)
			return out
		}
		// 3 hours on: SLA.6 (1 working hour) and SLA.8 (2 hours) have
		// breached; SLA.7 has used half of its 6 working hours.
		clk.Set(t0.Add(3 * time.Hour))
		jobstest.WaitFor(t, "two breaches", func() bool { return len(r.Messages()) >= 2 })
		time.Sleep(time.Second) // about ten more sweeps
		if got := strings.Join(codes(), ", "); got != "sla.breached SLA.6, sla.breached SLA.8" {
			t.Fatalf("after 3h: got %s", got)
		}
		// 4h48m of working time is 80% of SLA.7.
		clk.Set(t0.Add(4*time.Hour + 48*time.Minute))
		jobstest.WaitFor(t, "the warning", func() bool { return len(r.Messages()) >= 3 })
		clk.Set(t0.Add(7 * time.Hour))
		jobstest.WaitFor(t, "the third breach", func() bool { return len(r.Messages()) >= 4 })
		time.Sleep(time.Second)
		if got := strings.Join(codes(), ", "); got != "sla.breached SLA.6, sla.breached SLA.7, sla.breached SLA.8, sla.warning SLA.7" {
			t.Fatalf("at the end: got %s", got)
		}
		evs, err := s.TicketEvents(context.Background(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var recorded []string
		for _, e := range evs {
			if e.Action == domain.ActionSLAWarning || e.Action == domain.ActionSLABreached {
				recorded = append(recorded, string(e.Action)+" "+e.Body[:5])
			}
		}
		sort.Strings(recorded)
		if got := strings.Join(recorded, ", "); got != "sla_breached SLA.6, sla_breached SLA.7, sla_breached SLA.8, sla_warning SLA.7" {
			t.Errorf("ticket events: %s", got)
		}
	})
}
