package repository_test

import (
	"context"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestSLAStateSQLMatchesDomain: at every instant around a deadline (−1 µs,
// =, +1 µs), for a clock stopped around it, still running or paused (with
// and without an end), each SQL fragment holds exactly when
// domain.SLAClock.State says so, the report's counting expression and the
// yearly report (rollup plus pending clocks) count the clock once in the
// same state, and the ticket list's SLA filter agrees.
func TestSLAStateSQLMatchesDomain(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
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
		type setting struct {
			name     string
			deadline time.Time // as stored
			stop     *time.Time
			pause    *domain.Pause
		}
		var settings []setting
		for _, stop := range stops {
			name := "running"
			if stop != nil {
				name = "stopped at deadline" + stop.Sub(deadline).String()
			}
			settings = append(settings, setting{name, deadline, stop, nil})
		}
		// Paused clocks: without an end (running whatever the instant), and
		// until an end after which the moved deadline is the one judged; the
		// stored deadline is earlier, so only the pause can explain the state.
		early := deadline.Add(-10 * time.Minute)
		until := deadline.Add(-30 * time.Minute)
		settings = append(settings,
			setting{"paused without end", early, nil, &domain.Pause{Since: early.Add(-time.Hour)}},
			setting{"paused until before the instant", early, nil, &domain.Pause{Since: early.Add(-time.Hour), Until: &until, UntilPaused: 10 * time.Minute, UntilDeadline: deadline}},
			setting{"paused until after the instant", early, nil, &domain.Pause{Since: early.Add(-time.Hour), Until: &deadline, UntilPaused: 10 * time.Minute, UntilDeadline: deadline.Add(time.Hour)}},
		)
		for _, set := range settings {
			if err := s.SetClock(ctx, tk.ID, code, set.deadline, set.stop); err != nil {
				t.Fatal(err)
			}
			if err := s.SetPause(ctx, tk.ID, code, 0, set.pause); err != nil {
				t.Fatal(err)
			}
			for _, d := range around {
				now := deadline.Add(d)
				want := domain.SLAClock{Code: code, Deadline: set.deadline, StoppedAt: set.stop, Pause: set.pause}.State(now)
				holds, counted, err := s.SLAStatesSQL(ctx, tk.ID, code, now)
				if err != nil {
					t.Fatal(err)
				}
				name := set.name
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
				// The SLA report over whole years reads the rollup and
				// judges the pending clocks at now.
				from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, rome), time.Date(2027, 1, 1, 0, 0, 0, 0, rome)
				stats, err := s.SLAStats(ctx, domain.SLAStatsQuery{From: &from, To: &to, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range stats {
					if row.Code != code {
						continue
					}
					got := map[domain.SLAState]int64{domain.SLAMet: row.Met, domain.SLABreached: row.Breached, domain.SLARunning: row.Running}
					if got[want] != 1 || row.Met+row.Breached+row.Running != 1 {
						t.Errorf("%s, now deadline%+v: the yearly SLA report counts %+v, domain says %s", name, d, row, want)
					}
				}
			}
		}
	})
}

// TestInterventionTimeSQLMatchesDomain: the list's overdue filter (both
// ways) and the report's on-time count agree with domain.Intervention's
// Overdue and OnTime for every status, with the completion and the instant
// judged at deadline −1 µs, = and +1 µs.
func TestInterventionTimeSQLMatchesDomain(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		requested := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		iv := requestIntervention(t, s, "dicomano", domain.Tier4h, requested)
		deadline := requested.Add(4 * time.Hour).Add(654321 * time.Microsecond)
		around := []time.Duration{-time.Microsecond, 0, time.Microsecond}
		statuses := append(append([]domain.InterventionStatus{}, domain.InterventionOpenStatuses...), domain.InterventionCancelled)
		type setting struct {
			status    domain.InterventionStatus
			completed *time.Time
			pause     *domain.Pause
		}
		var settings []setting
		for _, st := range statuses {
			settings = append(settings, setting{st, nil, nil})
		}
		for _, d := range around {
			at := deadline.Add(d)
			settings = append(settings, setting{domain.InterventionCompleted, &at, nil})
		}
		// Paused open interventions: the stored deadline is earlier, the
		// deadline after an until is the one judged.
		early, until := deadline.Add(-10*time.Minute), deadline.Add(-30*time.Minute)
		pauses := []*domain.Pause{
			{Since: early.Add(-time.Hour)},
			{Since: early.Add(-time.Hour), Until: &until, UntilPaused: 10 * time.Minute, UntilDeadline: deadline},
		}
		for _, st := range domain.InterventionOpenStatuses {
			for _, p := range pauses {
				settings = append(settings, setting{st, nil, p})
			}
		}
		for _, set := range settings {
			stored := deadline
			if set.pause != nil {
				stored = early
			}
			if err := s.SetInterventionTimes(ctx, iv.ID, set.status, stored, set.completed); err != nil {
				t.Fatal(err)
			}
			if err := s.SetPause(ctx, 0, "", iv.ID, set.pause); err != nil {
				t.Fatal(err)
			}
			want := domain.Intervention{Status: set.status, Deadline: stored, CompletedAt: set.completed, Pause: set.pause}
			for _, d := range around {
				now := deadline.Add(d)
				for _, overdue := range []bool{true, false} {
					page, err := s.ListInterventions(ctx, domain.InterventionFilter{Limit: 10, Now: now, Overdue: &overdue})
					if err != nil {
						t.Fatal(err)
					}
					listed := len(page.Interventions) == 1 && page.Interventions[0].ID == iv.ID
					if listed != (want.Overdue(now) == overdue) {
						t.Errorf("%s completed %v, now deadline%+v: listed with overdue=%v is %v, domain Overdue is %v",
							set.status, set.completed, d, overdue, listed, want.Overdue(now))
					}
				}
			}
			rows, err := s.InterventionStats(ctx, domain.InterventionStatsFilter{From: requested.Add(-time.Hour), To: requested.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			onTime := want.OnTime() != nil && *want.OnTime()
			if len(rows) != 1 || (rows[0].CompletedOnTime == 1) != onTime {
				t.Errorf("%s completed %v: report rows %+v, domain OnTime %v", set.status, set.completed, rows, onTime)
			}
		}
	})
}

// TestRollupTriggersMatchDomain: the rollup triggers of migration 00004
// repeat the met / missed rule in SQL (sla_counts, read by the SLA report
// and the annual report). For a clock stopped at deadline −1 µs, = and
// +1 µs, and for a running one, the rollup counts it once, as met exactly
// when domain.SLAClock.State says met, as missed when it says breached, as
// pending while it runs; after an UPDATE, a DELETE + INSERT, and a DELETE
// (which takes it out of the counts). Deadlines with and without a
// fraction of a second catch text comparison of timestamps on SQLite.
func TestRollupTriggersMatchDomain(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		tk := openTicket(t, s, base)
		code := domain.SLATakeInCharge
		for _, deadline := range []time.Time{
			base.Add(time.Hour).Add(123456 * time.Microsecond),
			base.Add(time.Hour),                             // a whole second: no fraction to compare
			base.Add(time.Hour).Add(500 * time.Millisecond), // a fraction with trailing zeros
		} {
			stops := []*time.Time{nil}
			for _, d := range []time.Duration{-time.Microsecond, 0, time.Microsecond} {
				at := deadline.Add(d)
				stops = append(stops, &at)
			}
			for _, stop := range stops {
				name := "running"
				var want [3]int64 // met, missed, pending
				if stop == nil {
					want[2] = 1
				} else {
					name = "stopped at deadline" + stop.Sub(deadline).String()
					// A stopped clock's state no longer depends on the instant of the reading.
					switch st := (domain.SLAClock{Code: code, Deadline: deadline, StoppedAt: stop}).State(stop.Add(time.Hour)); st {
					case domain.SLAMet:
						want[0] = 1
					case domain.SLABreached:
						want[1] = 1
					default:
						t.Fatalf("%s: domain says %s for a stopped clock", name, st)
					}
				}
				check := func(ctx context.Context, how string, want [3]int64) error {
					met, missed, pending, err := s.RollupSLACounts(ctx, tk.ID, code)
					if err != nil {
						return err
					}
					if got := [3]int64{met, missed, pending}; got != want {
						t.Errorf("deadline %s, %s, after %s: rollup met/missed/pending %v, domain says %v",
							deadline.Format("15:04:05.999999"), name, how, got, want)
					}
					return nil
				}
				if err := s.SetClock(ctx, tk.ID, code, deadline, stop); err != nil {
					t.Fatal(err)
				}
				if err := check(ctx, "UPDATE", want); err != nil {
					t.Fatal(err)
				}
				if err := s.ReinsertClock(ctx, tk.ID, code, deadline, stop); err != nil {
					t.Fatal(err)
				}
				if err := check(ctx, "DELETE and INSERT", want); err != nil {
					t.Fatal(err)
				}
				err := s.WithoutClock(ctx, tk.ID, code, func(ctx context.Context) error { return check(ctx, "DELETE", [3]int64{}) })
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
