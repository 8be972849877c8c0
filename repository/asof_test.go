package repository_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// asOfHistory opens tickets through 2024 and moves them on through 2025
// with random actions, through the store as the API does, and returns each
// ticket's states (the events that changed them) and its final clocks.
func asOfHistory(t *testing.T, s *repository.Store) (states [][]domain.Event, clocks [][]domain.SLAClock) {
	t.Helper()
	rome, _ := time.LoadLocation("Europe/Rome")
	cal, err := s.Calendar(ctx, "firenze")
	if err != nil {
		t.Fatal(err)
	}
	admin := domain.Principal{UserID: 0, Username: "admin", Role: domain.RoleAdmin}
	rng := rand.New(rand.NewPCG(9, 9))
	actions := []domain.Action{domain.ActionTakeInCharge, domain.ActionEscalate, domain.ActionResolve,
		domain.ActionReopen, domain.ActionReply, domain.ActionCloseNotCompetent}
	for i := range 40 {
		at := time.Date(2024, 1, 1, 9, 0, 0, 0, rome).Add(time.Duration(rng.IntN(365*24)) * time.Hour)
		n := domain.NewTicket{EnteCode: "firenze", Subject: fmt.Sprintf("Storia %d", i), Service: "suap",
			Channel: domain.Channels[i%len(domain.Channels)], Level: 1}
		tk, opened, err := domain.Open(n, admin, at, domain.DefaultSLATargets(), cal)
		if err != nil {
			t.Fatal(err)
		}
		if tk, err = s.CreateTicket(ctx, tk, opened); err != nil {
			t.Fatal(err)
		}
		hist := []domain.Event{opened}
		for range rng.IntN(6) {
			at = at.Add(time.Duration(1+rng.IntN(60*24*20)) * time.Minute)
			a := actions[rng.IntN(len(actions))]
			var ev domain.Event
			tk, ev, err = s.UpdateTicket(ctx, tk.ID, func(tk *domain.Ticket) (domain.Event, error) {
				return tk.Apply(domain.Command{Action: a, By: admin, At: at, Body: "testo"}, cal)
			})
			if err == nil && ev.ChangesState() {
				hist = append(hist, ev)
			}
		}
		states, clocks = append(states, hist), append(clocks, tk.Clocks)
	}
	// A call received in the last minutes of 2024 and typed in on New
	// Year's Day: a ticket of 2025 whose clocks started in 2024.
	received := time.Date(2024, 12, 31, 23, 40, 0, 0, rome)
	imp := domain.TicketImport{Line: 1, ExternalID: "capodanno", EnteCode: "firenze", Level: 1, Status: domain.StatusAperto,
		Service: "suap", Channel: domain.ChannelPhone, Subject: "Chiamata di fine anno",
		OpenedAt: time.Date(2025, 1, 1, 0, 10, 0, 0, rome), ReceivedAt: &received,
		Events: []domain.ImportEvent{{Action: domain.ActionTakeInCharge, At: time.Date(2025, 1, 2, 8, 30, 0, 0, rome)}}}
	if fe := imp.Replay(domain.DefaultSLATargets(), cal, time.Date(2026, 1, 1, 0, 0, 0, 0, rome)); fe != nil {
		t.Fatal(fe)
	}
	if _, err := s.ImportTickets(ctx, []domain.TicketImport{imp}); err != nil {
		t.Fatal(err)
	}
	var hist []domain.Event
	for _, e := range imp.History() {
		if e.ChangesState() {
			hist = append(hist, e)
		}
	}
	return append(states, hist), append(clocks, imp.Ticket().Clocks)
}

// The as-of reports correct the current figures by the validity ranges;
// this compares them with the domain's own reading of each history (the
// last state change by the instant, each clock's State with the stops
// after it undone), at instants through both years and at exact event
// instants, for the rollup and the direct paths.
func TestAsOfMatchesTheReplayedHistory(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		states, clocks := asOfHistory(t, s)
		rome, _ := time.LoadLocation("Europe/Rome")
		var instants []time.Time
		for d := time.Date(2023, 12, 31, 12, 0, 0, 0, rome); d.Before(time.Date(2026, 1, 15, 0, 0, 0, 0, rome)); d = d.Add(173 * time.Hour) {
			instants = append(instants, d)
		}
		for _, h := range states[:8] {
			for _, e := range h {
				instants = append(instants, e.At, e.At.Add(-time.Microsecond))
			}
		}
		y24, y25 := time.Date(2024, 1, 1, 0, 0, 0, 0, rome), time.Date(2025, 1, 1, 0, 0, 0, 0, rome)
		for _, at := range instants {
			want := map[string]int64{}
			for _, h := range states {
				var cur *domain.Event
				for i := range h {
					if !h[i].At.After(at) {
						cur = &h[i]
					}
				}
				if cur != nil {
					want[fmt.Sprintf("%d/%s", cur.ToLevel, cur.ToStatus)]++
				}
			}
			got := map[string]int64{}
			rows, err := s.TicketYearStats(ctx, domain.YearStatsQuery{Years: []int{2024, 2025}, GroupBy: []domain.Dimension{domain.DimLevel, domain.DimStatus}, AsOf: &at})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				got[fmt.Sprintf("%d/%s", r.Key.Level, r.Key.Status)] += r.Counts.Gestiti()
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("as of %s (rollup): got %v, want %v", at, got, want)
			}
			direct, err := s.TicketStats(ctx, domain.TicketStatsQuery{From: &y24, To: &y25, AsOf: &at,
				GroupBy: []domain.Dimension{domain.DimMonth}})
			if err != nil {
				t.Fatal(err)
			}
			var n, wantN int64
			for _, r := range direct {
				n += r.Counts.Gestiti()
			}
			for _, h := range states {
				if !h[0].At.After(at) && h[0].At.Before(y25) {
					wantN++ // existed then, and opened in 2024
				}
			}
			if n != wantN {
				t.Errorf("as of %s (by month, from the tickets): got %d tickets, want %d", at, n, wantN)
			}

			wantSLA := map[domain.SLACode][3]int64{}
			for i, cs := range clocks {
				opened := states[i][0].At // the period and existence go by the ticket's opening
				for _, c := range cs {
					if opened.After(at) || opened.Before(y24) || !opened.Before(y25) {
						continue
					}
					if c.StoppedAt != nil && c.StoppedAt.After(at) {
						c.StoppedAt = nil
					}
					w := wantSLA[c.Code]
					switch c.State(at) {
					case domain.SLAMet:
						w[0]++
					case domain.SLABreached:
						w[1]++
					default:
						w[2]++
					}
					wantSLA[c.Code] = w
				}
			}
			almost := y24.Add(-time.Microsecond) // not a year start: the direct path
			for _, from := range []time.Time{y24, almost} {
				sla, err := s.SLAStats(ctx, domain.SLAStatsQuery{From: &from, To: &y25, Now: at, AsOf: true})
				if err != nil {
					t.Fatal(err)
				}
				gotSLA := map[domain.SLACode][3]int64{}
				for _, c := range sla {
					gotSLA[c.Code] = [3]int64{c.Met, c.Breached, c.Running}
				}
				if fmt.Sprint(gotSLA) != fmt.Sprint(wantSLA) {
					t.Errorf("SLA as of %s from %s: got %v, want %v", at, from, gotSLA, wantSLA)
				}
			}
		}
	})
}

// Migration 00012 backfills the ranges of the tickets that exist before
// it from their events (and of imported rows from their opening and
// closing); the backfilled ranges must give the as-of figures that the
// ranges written with each change give.
func TestBackfillGivesTheRangesTheStoreWrites(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		asOfHistory(t, s)
		rome, _ := time.LoadLocation("Europe/Rome")
		opened, closed := time.Date(2024, 3, 4, 10, 0, 0, 0, rome), time.Date(2024, 9, 2, 10, 0, 0, 0, rome)
		plain := func(id string, st domain.Status, c *time.Time) domain.TicketImport {
			return domain.TicketImport{Line: 1, ExternalID: id, EnteCode: "fiesole", Level: 2, Status: st, Service: "sito_web",
				Channel: domain.ChannelEmail, Subject: "Vecchio " + id, OpenedAt: opened, ClosedAt: c}
		}
		if _, err := s.ImportTickets(ctx, []domain.TicketImport{plain("old-1", domain.StatusRisolto, &closed), plain("old-2", domain.StatusAperto, nil)}); err != nil {
			t.Fatal(err)
		}
		read := func() string {
			var out []string
			for d := time.Date(2024, 1, 1, 0, 0, 0, 0, rome); d.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, rome)); d = d.Add(97 * time.Hour) {
				rows, err := s.TicketYearStats(ctx, domain.YearStatsQuery{Years: []int{2024}, AsOf: &d,
					GroupBy: []domain.Dimension{domain.DimLevel, domain.DimStatus, domain.DimEnte}})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprint(rows))
			}
			return fmt.Sprint(out)
		}
		written := read()
		if err := s.MigrateDownTo(ctx, 11); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if backfilled := read(); backfilled != written {
			t.Errorf("as-of figures from the backfilled ranges differ from those of the written ones:\n got %s\nwant %s", backfilled, written)
		}
	})
}
