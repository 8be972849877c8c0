package repository_test

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

var ctx = context.Background()

func TestBothDialectsBuildTheSameSchema(t *testing.T) {
	lite, err := repotest.SQLite(t).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := repotest.Postgres(t).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) < 10 {
		t.Fatalf("sqlite has %d tables, want the whole schema", len(lite))
	}
	if !reflect.DeepEqual(lite, pg) {
		for table := range merge(lite, pg) {
			if !reflect.DeepEqual(lite[table], pg[table]) {
				t.Errorf("table %s: sqlite columns %v, postgres columns %v", table, lite[table], pg[table])
			}
		}
	}
}

func merge(a, b map[string][]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func TestEntiArePresentFromTheFirstStart(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		es, err := s.ListEnti(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 29 {
			t.Errorf("got %d enti, want the 29 of enti.csv", len(es))
		}
		fi, err := s.GetEnte(ctx, "firenze")
		if err != nil || fi.Name != "Firenze" || fi.CEDMultiente != "not_applicable" || !fi.ContactCenter {
			t.Errorf("firenze = %+v, %v", fi, err)
		}
		d, _ := s.GetEnte(ctx, "dicomano")
		if !d.CoveredByCED() {
			t.Error("dicomano is covered by CED Multiente in enti.csv")
		}
		cal, err := s.Calendar(ctx, "firenze")
		if err != nil {
			t.Fatal(err)
		}
		if cal.IsWorkingDay(time.Date(2025, 6, 24, 12, 0, 0, 0, cal.Location)) {
			t.Error("24 June 2025 is a working day in Firenze, want its patron saint closure")
		}
		other, _ := s.Calendar(ctx, "fiesole")
		if !other.IsWorkingDay(time.Date(2025, 6, 24, 12, 0, 0, 0, cal.Location)) {
			t.Error("24 June 2025 is closed in Fiesole, want a working day")
		}
		if _, err := s.GetEnte(ctx, "atlantide"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("missing ente: got %v, want not found", err)
		}
	})
}

// operator creates (once per store) the operator tests act as.
func operator(t *testing.T, s *repository.Store) domain.Principal {
	t.Helper()
	u, err := s.UserByUsername(ctx, "op2")
	if errors.Is(err, domain.ErrNotFound) {
		u, err = s.CreateUser(ctx, domain.User{Username: "op2", PasswordHash: "x", Role: domain.RoleOperator, Level: 2, Active: true, Version: 1})
	}
	if err != nil {
		t.Fatal(err)
	}
	return domain.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, Level: u.Level}
}

func openTicket(t *testing.T, s *repository.Store, at time.Time) domain.Ticket {
	t.Helper()
	cal, err := s.Calendar(ctx, "firenze")
	if err != nil {
		t.Fatal(err)
	}
	by := operator(t, s)
	tk, ev, err := domain.Open(domain.NewTicket{EnteCode: "firenze", Subject: "Stampante", Service: "ced_multiente", Channel: domain.ChannelPhone, Level: 1},
		by, at, domain.DefaultSLATargets(), cal)
	if err != nil {
		t.Fatal(err)
	}
	tk, err = s.CreateTicket(ctx, tk, ev)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTicketRoundTripAndHistory(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		at := time.Date(2026, 3, 27, 17, 30, 0, 0, time.UTC) // Fri 18:30 in Rome: outside hours
		tk := openTicket(t, s, at)
		got, err := s.GetTicket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tk) {
			t.Fatalf("read back %+v\nwant %+v", got, tk)
		}
		c, _ := got.Clock(domain.SLATakeInCharge)
		if want := time.Date(2026, 3, 30, 7, 0, 0, 0, time.UTC); !c.Deadline.Equal(want) { // Mon 09:00 CEST
			t.Errorf("SLA.6 deadline %v, want %v", c.Deadline, want)
		}
		op := operator(t, s)
		cal, _ := s.Calendar(ctx, "firenze")
		after, ev, err := s.UpdateTicket(ctx, tk.ID, func(t *domain.Ticket) (domain.Event, error) {
			return t.Apply(domain.Command{Action: domain.ActionResolve, By: op, At: at.Add(time.Hour)}, cal)
		})
		if err != nil {
			t.Fatal(err)
		}
		if after.Status != domain.StatusRisolto || after.Version != 2 || ev.ID == 0 {
			t.Errorf("after resolve: status %s version %d event %d", after.Status, after.Version, ev.ID)
		}
		evs, err := s.TicketEvents(ctx, tk.ID)
		if err != nil || len(evs) != 2 || evs[0].Action != domain.ActionOpen || evs[1].Action != domain.ActionResolve {
			t.Errorf("history = %+v, %v; want open, resolve", evs, err)
		}
		if _, err := s.GetTicket(ctx, 999999); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("missing ticket: got %v, want not found", err)
		}
	})
}

func TestKeysetPagesCoverEveryTicketOnce(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		base := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
		for i := range 23 {
			openTicket(t, s, base.Add(time.Duration(i/2)*time.Hour)) // pairs share opened_at
		}
		for _, asc := range []bool{false, true} {
			seen := map[int64]bool{}
			f := domain.TicketFilter{Limit: 5, Ascending: asc, Now: base}
			pages := 0
			for {
				p, err := s.ListTickets(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if pages == 0 && (p.Total == nil || *p.Total != 23) {
					t.Errorf("first page total = %v, want 23", p.Total)
				}
				for _, tk := range p.Tickets {
					if seen[tk.ID] {
						t.Fatalf("ticket %d seen twice", tk.ID)
					}
					seen[tk.ID] = true
				}
				pages++
				if p.Next == nil {
					break
				}
				f.After = p.Next
			}
			if len(seen) != 23 || pages != 5 {
				t.Errorf("asc=%v: %d tickets in %d pages, want 23 in 5", asc, len(seen), pages)
			}
		}
		// Totals come from the rollup for ente/status/level filters and from
		// a bounded count otherwise; both must agree.
		for _, f := range []domain.TicketFilter{
			{EnteCode: "firenze", Statuses: []domain.Status{domain.StatusNuovo}, Level: 1},
			{EnteCode: "firenze", Text: "stamp"},
			{EnteCode: "fiesole"},
		} {
			f.Limit, f.Now = 1, base
			want := 23
			if f.EnteCode == "fiesole" {
				want = 0
			}
			p, err := s.ListTickets(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total == nil || *p.Total != want || p.TotalCapped {
				t.Errorf("total for %+v = %v (capped %v), want %d", f, p.Total, p.TotalCapped, want)
			}
		}
	})
}

func TestListFiltersBySLAState(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		mon := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) // 09:00 in Rome
		late := openTicket(t, s, mon)
		_ = openTicket(t, s, mon.Add(50*time.Minute))
		now := mon.Add(70 * time.Minute) // late's SLA.6 breached; the other's due in 40 minutes
		breached, err := s.ListTickets(ctx, domain.TicketFilter{Limit: 10, Now: now, SLACode: domain.SLATakeInCharge, SLAState: domain.SLABreached})
		if err != nil {
			t.Fatal(err)
		}
		if len(breached.Tickets) != 1 || breached.Tickets[0].ID != late.ID {
			t.Errorf("breached SLA.6 = %v, want ticket %d", ids(breached.Tickets), late.ID)
		}
		within := now.Add(time.Hour)
		due, err := s.ListTickets(ctx, domain.TicketFilter{Limit: 10, Now: now, SLACode: domain.SLATakeInCharge, SLAState: domain.SLARunning, SLADueBefore: &within})
		if err != nil {
			t.Fatal(err)
		}
		if len(due.Tickets) != 1 || due.Tickets[0].ID == late.ID {
			t.Errorf("SLA.6 running and due within the hour = %v, want the other ticket", ids(due.Tickets))
		}
	})
}

func ids(ts []domain.Ticket) []int64 {
	var out []int64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestConcurrentUpdatesOnlyOneWinsAVersion(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		tk := openTicket(t, s, time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC))
		cal, _ := s.Calendar(ctx, "firenze")
		op := operator(t, s)
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			ok, stale int
		)
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _, err := s.UpdateTicket(ctx, tk.ID, func(t *domain.Ticket) (domain.Event, error) {
					if t.Version != 1 {
						return domain.Event{}, domain.Errorf(domain.CodePreconditionFailed, "stale")
					}
					return t.Apply(domain.Command{Action: domain.ActionTakeInCharge, By: op, At: time.Now()}, cal)
				})
				mu.Lock()
				defer mu.Unlock()
				switch domain.ErrorCode(err) {
				case domain.CodePreconditionFailed:
					stale++
				default:
					if err == nil {
						ok++
					} else {
						t.Errorf("unexpected error %v", err)
					}
				}
			}()
		}
		wg.Wait()
		if ok != 1 || stale != 9 {
			t.Errorf("%d succeeded and %d were stale, want 1 and 9", ok, stale)
		}
		evs, _ := s.TicketEvents(ctx, tk.ID)
		if len(evs) != 2 {
			t.Errorf("history has %d events, want open + one take in charge", len(evs))
		}
	})
}

func TestIdempotentCreatesOnce(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		calls := 0
		create := func(context.Context) (domain.StoredResponse, error) {
			calls++
			return domain.StoredResponse{Location: "/things/1", Body: []byte(`{"n":1}`)}, nil
		}
		now := time.Now()
		r1, replayed1, err := s.Idempotent(ctx, "u1", "k", "h1", now, create)
		if err != nil || replayed1 {
			t.Fatal(err, replayed1)
		}
		r2, replayed2, err := s.Idempotent(ctx, "u1", "k", "h1", now, create)
		if err != nil || !replayed2 || string(r2.Body) != string(r1.Body) || r2.Location != "/things/1" || calls != 1 {
			t.Errorf("retry: %+v replayed=%v err=%v calls=%d; want the first response, one call", r2, replayed2, err, calls)
		}
		if _, _, err := s.Idempotent(ctx, "u1", "k", "other", now, create); domain.ErrorCode(err) != domain.CodeUnprocessable {
			t.Errorf("same key, other body: got %v, want unprocessable", err)
		}
		if _, replayed, err := s.Idempotent(ctx, "u2", "k", "other", now, create); err != nil || replayed {
			t.Errorf("same key for another user: replayed=%v err=%v, want a fresh create", replayed, err)
		}
	})
}

func TestReferenceDataChangesAreSeenAtOnce(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		day := time.Date(2026, 1, 29, 12, 0, 0, 0, time.UTC) // a Thursday
		cal, err := s.Calendar(ctx, "fiesole")
		if err != nil || !cal.IsWorkingDay(day) {
			t.Fatalf("29 Jan 2026 in Fiesole: working %v, %v; want a working day", cal.IsWorkingDay(day), err)
		}
		c, err := s.AddClosure(ctx, domain.EnteClosure{EnteCode: "fiesole", Closure: domain.Closure{Month: time.January, Day: 29, Reason: "patrono"}})
		if err != nil {
			t.Fatal(err)
		}
		if cal, _ = s.Calendar(ctx, "fiesole"); cal.IsWorkingDay(day) {
			t.Error("closure added, but the calendar still has 29 January as a working day")
		}
		if err := s.DeleteClosure(ctx, "fiesole", c.ID); err != nil {
			t.Fatal(err)
		}
		if cal, _ = s.Calendar(ctx, "fiesole"); !cal.IsWorkingDay(day) {
			t.Error("closure deleted, but the calendar still closes 29 January")
		}
		ts := domain.DefaultSLATargets()
		ts[0].Target = 2 * time.Hour
		if err := s.SetSLATargets(ctx, ts, day); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SLATargets(ctx); got[0].Target != 2*time.Hour {
			t.Errorf("SLA.6 target after change = %v, want 2h", got[0].Target)
		}
		if _, err := s.CreateEnte(ctx, domain.Ente{Code: "nuovo-ente", Name: "Nuovo", Kind: "comune", Version: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetEnte(ctx, "nuovo-ente"); err != nil {
			t.Errorf("new ente not found at once: %v", err)
		}
	})
}

// TestListWithoutLimitDefaults: Limit 0 (a caller that did not set it)
// pages at the default size instead of panicking, for tickets and
// interventions alike.
func TestListWithoutLimitDefaults(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		base := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
		for i := range 3 {
			openTicket(t, s, base.Add(time.Duration(i)*time.Minute))
		}
		p, err := s.ListTickets(ctx, domain.TicketFilter{Now: base})
		if err != nil || len(p.Tickets) != 3 || p.Next != nil {
			t.Fatalf("ListTickets with Limit 0: %d tickets, next %v, err %v; want 3, none, nil", len(p.Tickets), p.Next, err)
		}
		ip, err := s.ListInterventions(ctx, domain.InterventionFilter{Now: base})
		if err != nil || len(ip.Interventions) != 0 || ip.Next != nil {
			t.Fatalf("ListInterventions with Limit 0: %+v, %v", ip, err)
		}
	})
}

// TestMissingRowsNameWhatWasLookedFor: every lookup of a missing row
// answers not found with a message naming it (one translation, no
// comparisons with gorm's sentinel).
func TestMissingRowsNameWhatWasLookedFor(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		checks := map[string]func() error{
			"user 999999 not found": func() error {
				_, err := s.UpdateUser(ctx, 999999, func(*domain.User) error { return nil })
				return err
			},
			"user not found": func() error { _, err := s.UserByUsername(ctx, "nessuno"); return err },
			`ente "nessuno" not found`: func() error {
				_, err := s.UpdateEnte(ctx, "nessuno", func(*domain.Ente) error { return nil })
				return err
			},
			"intervention 999999 not found": func() error { _, err := s.GetIntervention(ctx, 999999); return err },
			"API token not found": func() error {
				_, _, err := s.APITokenUser(ctx, []byte("nope"), time.Now())
				return err
			},
		}
		for want, check := range checks {
			err := check()
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeNotFound || de.Message != want {
				t.Errorf("got %v, want not found %q", err, want)
			}
		}
		if _, err := s.RefreshToken(ctx, []byte("nope"), false); err == nil || err.Error() != "not_found: refresh token not found" {
			t.Errorf("unknown refresh token: got %v, want not found %q", err, "refresh token not found")
		}
	})
}
