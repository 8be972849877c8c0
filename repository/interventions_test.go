package repository_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

var ivRome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

// ivUser creates (once per store) a user of the role tests act as.
func ivUser(t *testing.T, s *repository.Store, name string, role domain.Role) domain.Principal {
	t.Helper()
	u, err := s.UserByUsername(ctx, name)
	if errors.Is(err, domain.ErrNotFound) {
		u, err = s.CreateUser(ctx, domain.User{Username: name, PasswordHash: "x", Role: role, Active: true, Version: 1})
	}
	if err != nil {
		t.Fatal(err)
	}
	return domain.Principal{UserID: u.ID, Username: u.Username, Role: u.Role}
}

// requestIntervention requests an intervention through the domain rules,
// on the ente's calendar as the store keeps it.
func requestIntervention(t *testing.T, s *repository.Store, ente string, tier domain.Tier, at time.Time) domain.Intervention {
	t.Helper()
	e, err := s.GetEnte(ctx, ente)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := s.Calendar(ctx, ente)
	if err != nil {
		t.Fatal(err)
	}
	iv, ev, err := domain.RequestIntervention(domain.NewIntervention{EnteCode: ente, Tier: tier, Description: "Configurare la stampante di rete"},
		e, ivUser(t, s, "op-iv", domain.RoleOperator), at, cal)
	if err != nil {
		t.Fatal(err)
	}
	if iv, err = s.CreateIntervention(ctx, iv, ev); err != nil {
		t.Fatal(err)
	}
	return iv
}

// applyIntervention applies commands under the row lock, failing the test
// on the first refusal.
func applyIntervention(t *testing.T, s *repository.Store, id int64, cmds ...domain.InterventionCommand) domain.Intervention {
	t.Helper()
	iv, err := s.GetIntervention(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Read before the update: on SQLite's single connection a read outside
	// the transaction would wait for it forever.
	cal, err := s.Calendar(ctx, iv.EnteCode)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		iv, _, err = s.UpdateIntervention(ctx, id, func(iv *domain.Intervention) (domain.InterventionEvent, error) {
			return iv.Apply(c, cal)
		})
		if err != nil {
			t.Fatalf("%s: %v", c.Action, err)
		}
	}
	return iv
}

func TestInterventionRoundTripAndHistory(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		at := time.Date(2026, 3, 13, 15, 0, 0, 0, time.UTC) // Friday 16:00 in Rome
		iv := requestIntervention(t, s, "dicomano", domain.Tier4h, at)
		if iv.ID == 0 {
			t.Fatal("got id 0, want the stored id")
		}
		if want := time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC); !iv.Deadline.Equal(want) { // Monday 10:00 in Rome
			t.Errorf("got deadline %s, want %s", iv.Deadline, want)
		}
		got, err := s.GetIntervention(ctx, iv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, iv) {
			t.Fatalf("read back %+v\nwant %+v", got, iv)
		}

		tech := ivUser(t, s, "tecnico1", domain.RoleTechnician)
		op := ivUser(t, s, "op-iv", domain.RoleOperator)
		planned := time.Date(2026, 3, 16, 7, 30, 0, 0, time.UTC)
		done := time.Date(2026, 3, 16, 8, 45, 0, 0, time.UTC) // Monday 09:45 in Rome
		after := applyIntervention(t, s, iv.ID,
			domain.InterventionCommand{Action: domain.InterventionSchedule, By: op, At: at.Add(time.Minute), TechnicianID: tech.UserID, TechnicianName: tech.Username, PlannedAt: planned},
			domain.InterventionCommand{Action: domain.InterventionStart, By: tech, At: planned},
			domain.InterventionCommand{Action: domain.InterventionComplete, By: tech, At: done, Note: "Stampante configurata"},
		)
		got, err = s.GetIntervention(ctx, iv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, after) {
			t.Fatalf("read back %+v\nwant %+v", got, after)
		}
		// Friday 16:00-18:00 and Monday 08:00-09:45.
		if got.Status != domain.InterventionCompleted || got.Version != 4 || got.WorkingSeconds != 3*3600+45*60 ||
			*got.TechnicianID != tech.UserID || got.TechnicianName != "tecnico1" || got.Outcome != "Stampante configurata" ||
			!got.RequestedAt.Equal(at) || !got.Deadline.Equal(iv.Deadline) {
			t.Errorf("after completion: %+v", got)
		}
		if ot := got.OnTime(); ot == nil || !*ot {
			t.Errorf("got on time %v, want true", ot)
		}

		evs, err := s.InterventionEvents(ctx, iv.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantActions := []domain.InterventionAction{domain.InterventionRequest, domain.InterventionSchedule, domain.InterventionStart, domain.InterventionComplete}
		wantTo := []domain.InterventionStatus{domain.InterventionRequested, domain.InterventionScheduled, domain.InterventionInProgress, domain.InterventionCompleted}
		if len(evs) != len(wantActions) {
			t.Fatalf("got %d events, want %d: %+v", len(evs), len(wantActions), evs)
		}
		for i, e := range evs {
			if e.Action != wantActions[i] || e.ToStatus != wantTo[i] || e.InterventionID != iv.ID || e.ID == 0 {
				t.Errorf("event %d: got %s -> %s, want %s -> %s", i, e.Action, e.ToStatus, wantActions[i], wantTo[i])
			}
		}
		if evs[0].ActorName != "op-iv" || evs[2].ActorID != tech.UserID || !evs[3].At.Equal(done) || evs[3].Note != "Stampante configurata" {
			t.Errorf("got events %+v", evs)
		}
		if evs[1].TechnicianID == nil || *evs[1].TechnicianID != tech.UserID || evs[1].PlannedAt == nil || !evs[1].PlannedAt.Equal(planned) {
			t.Errorf("schedule event: got technician %v planned %v, want %d %s", evs[1].TechnicianID, evs[1].PlannedAt, tech.UserID, planned)
		}
	})
}

func TestInterventionUpdateRefusedChangesNothing(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		iv := requestIntervention(t, s, "londa", domain.Tier30m, time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC))
		tech := ivUser(t, s, "tecnico1", domain.RoleTechnician)
		_, _, err := s.UpdateIntervention(ctx, iv.ID, func(iv *domain.Intervention) (domain.InterventionEvent, error) {
			return iv.Apply(domain.InterventionCommand{Action: domain.InterventionStart, By: tech, At: iv.RequestedAt}, domain.Calendar{})
		})
		if domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("start a requested intervention: got %v, want a conflict", err)
		}
		got, _ := s.GetIntervention(ctx, iv.ID)
		evs, _ := s.InterventionEvents(ctx, iv.ID)
		if got.Version != 1 || got.Status != domain.InterventionRequested || len(evs) != 1 {
			t.Errorf("got version %d status %s %d events, want 1 requested 1", got.Version, got.Status, len(evs))
		}
		if _, err := s.GetIntervention(ctx, 999999); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("missing intervention: got %v, want not found", err)
		}
		if _, _, err := s.UpdateIntervention(ctx, 999999, func(*domain.Intervention) (domain.InterventionEvent, error) {
			return domain.InterventionEvent{}, nil
		}); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("update a missing intervention: got %v, want not found", err)
		}
		evs, err = s.InterventionEvents(ctx, 999999)
		if err != nil || len(evs) != 0 {
			t.Errorf("events of a missing intervention: got %v, %v; want none", evs, err)
		}
	})
}

func TestInterventionWithAMissingTicketIsUnprocessable(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		e, _ := s.GetEnte(ctx, "dicomano")
		ticket := int64(424242)
		iv, ev, err := domain.RequestIntervention(domain.NewIntervention{EnteCode: "dicomano", TicketID: &ticket, Tier: domain.Tier8h, Description: "x"},
			e, ivUser(t, s, "op-iv", domain.RoleOperator), time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC), domain.Calendar{Hours: domain.DefaultWeekHours()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateIntervention(ctx, iv, ev); domain.ErrorCode(err) != domain.CodeUnprocessable {
			t.Fatalf("got %v, want unprocessable", err)
		}
		p, err := s.ListInterventions(ctx, domain.InterventionFilter{Limit: 10})
		if err != nil || len(p.Interventions) != 0 {
			t.Errorf("got %d interventions, %v; want the failed create rolled back", len(p.Interventions), err)
		}
	})
}

func ivIDs(ivs []domain.Intervention) []int64 {
	out := []int64{}
	for _, iv := range ivs {
		out = append(out, iv.ID)
	}
	return out
}

func TestInterventionKeysetPagesCoverEveryInterventionOnce(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		base := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
		var want []int64
		for i := range 11 {
			iv := requestIntervention(t, s, "pelago", domain.Tier8h, base.Add(time.Duration(i/2)*time.Hour)) // pairs share requested_at
			want = append(want, iv.ID)
		}
		for _, asc := range []bool{false, true} {
			var got []int64
			f := domain.InterventionFilter{Limit: 4, Ascending: asc}
			pages := 0
			for {
				p, err := s.ListInterventions(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, ivIDs(p.Interventions)...)
				pages++
				if p.Next == nil {
					break
				}
				f.After = p.Next
			}
			w := append([]int64(nil), want...)
			if !asc {
				for i, j := 0, len(w)-1; i < j; i, j = i+1, j-1 {
					w[i], w[j] = w[j], w[i]
				}
			}
			if !reflect.DeepEqual(got, w) || pages != 3 {
				t.Errorf("asc=%v: got %v in %d pages, want %v in 3", asc, got, pages, w)
			}
		}
	})
}

func TestInterventionListFilters(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		mon := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) // Monday 09:00 in Rome
		tech := ivUser(t, s, "tecnico1", domain.RoleTechnician)
		op := ivUser(t, s, "op-iv", domain.RoleOperator)
		late := requestIntervention(t, s, "dicomano", domain.Tier30m, mon)                      // due 09:30
		soon := requestIntervention(t, s, "dicomano", domain.Tier4h, mon.Add(time.Hour))        // due 14:00
		londa := requestIntervention(t, s, "londa", domain.Tier30m, mon.Add(2*time.Hour))       // due 11:30
		doneLate := requestIntervention(t, s, "londa", domain.TierNBD, mon.Add(-72*time.Hour))  // Friday, due Monday 18:00
		cancelled := requestIntervention(t, s, "dicomano", domain.Tier30m, mon.Add(-time.Hour)) // 08:00, due 08:30
		applyIntervention(t, s, soon.ID,
			domain.InterventionCommand{Action: domain.InterventionSchedule, By: tech, At: mon.Add(time.Hour), TechnicianID: tech.UserID, TechnicianName: tech.Username, PlannedAt: mon.Add(2 * time.Hour)})
		applyIntervention(t, s, doneLate.ID,
			domain.InterventionCommand{Action: domain.InterventionSchedule, By: op, At: mon, TechnicianID: tech.UserID, PlannedAt: mon},
			domain.InterventionCommand{Action: domain.InterventionStart, By: tech, At: mon},
			domain.InterventionCommand{Action: domain.InterventionComplete, By: tech, At: mon.Add(10 * time.Hour), Note: "ok"})
		applyIntervention(t, s, cancelled.ID,
			domain.InterventionCommand{Action: domain.InterventionCancel, By: op, At: mon, Note: "doppione"})

		now := mon.Add(3 * time.Hour) // Monday 12:00 in Rome
		yes, no := true, false
		from, to := mon, mon.Add(90*time.Minute)
		tests := []struct {
			name string
			f    domain.InterventionFilter
			want []int64
		}{
			{"all, newest first", domain.InterventionFilter{}, []int64{londa.ID, soon.ID, late.ID, cancelled.ID, doneLate.ID}},
			{"ente", domain.InterventionFilter{EnteCode: "londa"}, []int64{londa.ID, doneLate.ID}},
			{"status", domain.InterventionFilter{Statuses: []domain.InterventionStatus{domain.InterventionScheduled, domain.InterventionCancelled}}, []int64{soon.ID, cancelled.ID}},
			{"tier", domain.InterventionFilter{Tiers: []domain.Tier{domain.Tier30m}}, []int64{londa.ID, late.ID, cancelled.ID}},
			{"technician", domain.InterventionFilter{TechnicianID: &tech.UserID}, []int64{soon.ID, doneLate.ID}},
			{"overdue", domain.InterventionFilter{Overdue: &yes, Now: now}, []int64{londa.ID, late.ID}},
			{"not overdue", domain.InterventionFilter{Overdue: &no, Now: now}, []int64{soon.ID, cancelled.ID, doneLate.ID}},
			{"requested from, to", domain.InterventionFilter{RequestedFrom: &from, RequestedTo: &to}, []int64{soon.ID, late.ID}},
			{"ente and overdue", domain.InterventionFilter{EnteCode: "dicomano", Overdue: &yes, Now: now}, []int64{late.ID}},
		}
		for _, tc := range tests {
			tc.f.Limit = 100
			p, err := s.ListInterventions(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := ivIDs(p.Interventions); !reflect.DeepEqual(got, tc.want) || p.Next != nil {
				t.Errorf("%s: got %v (next %v), want %v", tc.name, got, p.Next, tc.want)
			}
		}
	})
}

// ivStored stores an intervention in a given state, to build a known data
// set for the statistics without walking each one through its lifecycle.
func ivStored(t *testing.T, s *repository.Store, ente string, tier domain.Tier, requestedAt time.Time, status domain.InterventionStatus, workingSeconds int64, onTime bool) {
	t.Helper()
	deadline := requestedAt.Add(24 * time.Hour)
	iv := domain.Intervention{
		EnteCode: ente, Tier: tier, Description: "dato di prova", Status: status, RequestedAt: requestedAt,
		Deadline: deadline, UpdatedAt: requestedAt, Version: 1,
	}
	if status == domain.InterventionCompleted {
		done := deadline // completed exactly at the deadline counts as on time
		if !onTime {
			done = deadline.Add(time.Second)
		}
		iv.CompletedAt, iv.WorkingSeconds = &done, workingSeconds
	}
	if _, err := s.CreateIntervention(ctx, iv, domain.InterventionEvent{Action: domain.InterventionRequest, At: requestedAt, ToStatus: domain.InterventionRequested}); err != nil {
		t.Fatal(err)
	}
}

func i64(v int64) *int64 { return &v }

func TestInterventionStatsExactOnAKnownDataSet(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		mar := time.Date(2026, 3, 10, 9, 0, 0, 0, ivRome)
		// Dicomano 4h in March: ten completed (100..1000 s, 7 on time), one
		// open, one cancelled. The last one is requested on 31 March 23:30
		// in Rome, still March there.
		for i, ws := range []int64{700, 100, 1000, 300, 900, 200, 800, 400, 600, 500} {
			ivStored(t, s, "dicomano", domain.Tier4h, mar.Add(time.Duration(i)*time.Hour), domain.InterventionCompleted, ws, i < 7)
		}
		ivStored(t, s, "dicomano", domain.Tier4h, mar, domain.InterventionScheduled, 0, false)
		ivStored(t, s, "dicomano", domain.Tier4h, time.Date(2026, 3, 31, 23, 30, 0, 0, ivRome), domain.InterventionCancelled, 0, false)
		// Londa NBD in April: three completed on time. The first is
		// requested on 1 April 00:30 in Rome, still 31 March in UTC.
		ivStored(t, s, "londa", domain.TierNBD, time.Date(2026, 4, 1, 0, 30, 0, 0, ivRome), domain.InterventionCompleted, 50, true)
		ivStored(t, s, "londa", domain.TierNBD, time.Date(2026, 4, 2, 9, 0, 0, 0, ivRome), domain.InterventionCompleted, 10, true)
		ivStored(t, s, "londa", domain.TierNBD, time.Date(2026, 4, 3, 9, 0, 0, 0, ivRome), domain.InterventionCompleted, 30, true)
		// Dicomano 30m in April: one still requested.
		ivStored(t, s, "dicomano", domain.Tier30m, time.Date(2026, 4, 7, 9, 0, 0, 0, ivRome), domain.InterventionRequested, 0, false)
		// Outside the period: February and May in Rome.
		ivStored(t, s, "dicomano", domain.Tier4h, time.Date(2026, 2, 28, 23, 59, 0, 0, ivRome), domain.InterventionCompleted, 5, true)
		ivStored(t, s, "dicomano", domain.Tier4h, time.Date(2026, 5, 1, 0, 0, 0, 0, ivRome), domain.InterventionCompleted, 5, true)

		from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, ivRome), time.Date(2026, 5, 1, 0, 0, 0, 0, ivRome)
		share := func(a, b float64) *float64 { v := a / b; return &v }
		tests := []struct {
			name string
			f    domain.InterventionStatsFilter
			want []domain.InterventionStatsRow
		}{
			// 13 completed: 10 30 50 100 200 300 400 500 ... 1000; the
			// median is rank ceil(6.5) = 7, the 90th percentile rank
			// ceil(11.7) = 12.
			{"overall", domain.InterventionStatsFilter{From: from, To: to}, []domain.InterventionStatsRow{
				{Count: 16, Completed: 13, CompletedOnTime: 10, OnTimeShare: share(10, 13), MedianSeconds: i64(400), P90Seconds: i64(900)},
			}},
			// Ten values: the median is rank 5 (the lower middle), p90 rank 9.
			{"by tier", domain.InterventionStatsFilter{From: from, To: to, GroupBy: []string{"tier"}}, []domain.InterventionStatsRow{
				{Tier: domain.Tier30m, Count: 1},
				{Tier: domain.Tier4h, Count: 12, Completed: 10, CompletedOnTime: 7, OnTimeShare: share(7, 10), MedianSeconds: i64(500), P90Seconds: i64(900)},
				{Tier: domain.TierNBD, Count: 3, Completed: 3, CompletedOnTime: 3, OnTimeShare: share(3, 3), MedianSeconds: i64(30), P90Seconds: i64(50)},
			}},
			{"by month and ente", domain.InterventionStatsFilter{From: from, To: to, GroupBy: []string{"month", "ente"}}, []domain.InterventionStatsRow{
				{EnteCode: "dicomano", Year: 2026, Month: 3, Count: 12, Completed: 10, CompletedOnTime: 7, OnTimeShare: share(7, 10), MedianSeconds: i64(500), P90Seconds: i64(900)},
				{EnteCode: "dicomano", Year: 2026, Month: 4, Count: 1},
				{EnteCode: "londa", Year: 2026, Month: 4, Count: 3, Completed: 3, CompletedOnTime: 3, OnTimeShare: share(3, 3), MedianSeconds: i64(30), P90Seconds: i64(50)},
			}},
			{"one ente, by tier, ente and month", domain.InterventionStatsFilter{From: from, To: to, EnteCode: "londa", GroupBy: []string{"tier", "ente", "month"}}, []domain.InterventionStatsRow{
				{Tier: domain.TierNBD, EnteCode: "londa", Year: 2026, Month: 4, Count: 3, Completed: 3, CompletedOnTime: 3, OnTimeShare: share(3, 3), MedianSeconds: i64(30), P90Seconds: i64(50)},
			}},
			{"one ente, overall", domain.InterventionStatsFilter{From: from, To: to, EnteCode: "londa"}, []domain.InterventionStatsRow{
				{Count: 3, Completed: 3, CompletedOnTime: 3, OnTimeShare: share(3, 3), MedianSeconds: i64(30), P90Seconds: i64(50)},
			}},
			{"an empty period, overall", domain.InterventionStatsFilter{From: to.AddDate(0, 1, 0), To: to.AddDate(0, 2, 0)}, []domain.InterventionStatsRow{{}}},
			{"an empty period, grouped", domain.InterventionStatsFilter{From: to.AddDate(0, 1, 0), To: to.AddDate(0, 2, 0), GroupBy: []string{"tier"}}, []domain.InterventionStatsRow{}},
		}
		for _, tc := range tests {
			got, err := s.InterventionStats(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\ngot  %s\nwant %s", tc.name, statsString(got), statsString(tc.want))
			}
		}
		if _, err := s.InterventionStats(ctx, domain.InterventionStatsFilter{From: from, To: to, GroupBy: []string{"level"}}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("unknown group key: got %v, want invalid", err)
		}
	})
}

func statsString(rows []domain.InterventionStatsRow) string {
	out := ""
	for _, r := range rows {
		out += fmt.Sprintf("\n  {%s %s %d-%02d n=%d completed=%d on_time=%d share=%s median=%s p90=%s}",
			r.Tier, r.EnteCode, r.Year, r.Month, r.Count, r.Completed, r.CompletedOnTime, ptr(r.OnTimeShare), ptr(r.MedianSeconds), ptr(r.P90Seconds))
	}
	return out
}

func ptr[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}
