package repository_test

import (
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestSLAStateSQLMatchesDomain: at every instant around a deadline (−1 µs,
// =, +1 µs), for a clock stopped around it or still running, each SQL
// fragment holds exactly when domain.SLAClock.State says so, the report's
// counting expression counts the clock once in the same state, and the
// ticket list's SLA filter agrees.
func TestSLAStateSQLMatchesDomain(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		tk := openTicket(t, s, base)
		code := domain.SLATakeInCharge
		deadline := base.Add(time.Hour).Add(123456 * time.Microsecond)
		around := []time.Duration{-time.Microsecond, 0, time.Microsecond}
		stops := []*time.Time{nil}
		for _, d := range around {
			at := deadline.Add(d)
			stops = append(stops, &at)
		}
		for _, stop := range stops {
			if err := s.SetClock(ctx, tk.ID, code, deadline, stop); err != nil {
				t.Fatal(err)
			}
			for _, d := range around {
				now := deadline.Add(d)
				want := domain.SLAClock{Code: code, Deadline: deadline, StoppedAt: stop}.State(now)
				holds, counted, err := s.SLAStatesSQL(ctx, tk.ID, code, now)
				if err != nil {
					t.Fatal(err)
				}
				name := "running"
				if stop != nil {
					name = "stopped at deadline" + stop.Sub(deadline).String()
				}
				if len(holds) != 1 || holds[0] != want {
					t.Errorf("%s, now deadline%+v: SQL fragments hold %v, domain says %s", name, d, holds, want)
				}
				if counted != want {
					t.Errorf("%s, now deadline%+v: the report counts %s, domain says %s", name, d, counted, want)
				}
				page, err := s.ListTickets(ctx, domain.TicketFilter{Limit: 10, Now: now, SLACode: code, SLAState: want})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Tickets) != 1 || page.Tickets[0].ID != tk.ID {
					t.Errorf("%s, now deadline%+v: list filtered by sla_state=%s = %v, want the ticket", name, d, want, ids(page.Tickets))
				}
			}
		}
	})
}
