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

var rptRome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

// rome is an instant given as Rome wall-clock time.
func rome(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, rptRome)
}

// rptAdmin is the admin (created once per store) the tests act as.
func rptAdmin(t *testing.T, s *repository.Store) domain.Principal {
	t.Helper()
	u, err := s.UserByUsername(ctx, "rpt-admin")
	if errors.Is(err, domain.ErrNotFound) {
		u, err = s.CreateUser(ctx, domain.User{Username: "rpt-admin", PasswordHash: "x", Role: domain.RoleAdmin, Active: true, Version: 1})
	}
	if err != nil {
		t.Fatal(err)
	}
	return domain.Principal{UserID: u.ID, Username: u.Username, Role: u.Role}
}

// openAt opens a ticket at an instant through the domain rules, with its
// SLA clocks on the ente's calendar and the targets in force.
func openAt(t *testing.T, s *repository.Store, ente string, ch domain.Channel, at time.Time) int64 {
	t.Helper()
	cal, err := s.Calendar(ctx, ente)
	if err != nil {
		t.Fatal(err)
	}
	targets, err := s.SLATargets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tk, ev, err := domain.Open(domain.NewTicket{EnteCode: ente, Subject: "Il portale non risponde", Service: "portale_servizi", Channel: ch, Level: 1},
		rptAdmin(t, s), at, targets, cal)
	if err != nil {
		t.Fatal(err)
	}
	if tk, err = s.CreateTicket(ctx, tk, ev); err != nil {
		t.Fatal(err)
	}
	return tk.ID
}

// actAt applies an action to a ticket at an instant.
func actAt(t *testing.T, s *repository.Store, id int64, a domain.Action, at time.Time) {
	t.Helper()
	tk, err := s.GetTicket(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := s.Calendar(ctx, tk.EnteCode)
	if err != nil {
		t.Fatal(err)
	}
	by := rptAdmin(t, s)
	if _, _, err := s.UpdateTicket(ctx, id, func(tk *domain.Ticket) (domain.Event, error) {
		return tk.Apply(domain.Command{Action: a, By: by, At: at, Body: "fatto"}, cal)
	}); err != nil {
		t.Fatalf("%s on ticket %d: %v", a, id, err)
	}
}

// knownTickets builds a small history whose figures are worked out by
// hand: tickets opened through the API rules, worked on, escalated,
// reopened, and a few imported. Clock deadlines (counter hours 08-18):
// SLA.6 one working hour, SLA.7 six, SLA.8 (phone) two calendar hours.
func knownTickets(t *testing.T, s *repository.Store) {
	t.Helper()
	// t1: taken in charge in 30 min (SLA.6 met), resolved at 13:00: SLA.7
	// met (deadline 16:00), SLA.8 breached (deadline 12:00).
	t1 := openAt(t, s, "firenze", domain.ChannelPhone, rome(2017, 3, 7, 10, 0))
	actAt(t, s, t1, domain.ActionTakeInCharge, rome(2017, 3, 7, 10, 30))
	actAt(t, s, t1, domain.ActionResolve, rome(2017, 3, 7, 13, 0))
	// t2: taken in charge at 11:30 (SLA.6 breached), escalated, never
	// answered: SLA.7 runs to 16:00.
	t2 := openAt(t, s, "firenze", domain.ChannelEmail, rome(2017, 3, 7, 10, 0))
	actAt(t, s, t2, domain.ActionTakeInCharge, rome(2017, 3, 7, 11, 30))
	actAt(t, s, t2, domain.ActionEscalate, rome(2017, 3, 7, 11, 40))
	// t3: untouched: SLA.6 runs to 11:00, SLA.7 to 16:00.
	openAt(t, s, "firenze", domain.ChannelPortal, rome(2017, 3, 7, 10, 0))
	// t4 (Fiesole): answered in 10 min (SLA.6 and SLA.7 met); SLA.8 runs
	// to 12:00.
	t4 := openAt(t, s, "fiesole", domain.ChannelPhone, rome(2017, 5, 2, 10, 0))
	actAt(t, s, t4, domain.ActionReply, rome(2017, 5, 2, 10, 10))
	// t5: 2016, resolved in 5 minutes.
	t5 := openAt(t, s, "firenze", domain.ChannelEmail, rome(2016, 6, 1, 10, 0))
	actAt(t, s, t5, domain.ActionResolve, rome(2016, 6, 1, 10, 5))
	// t6: resolved, then reopened: aperto at level 1.
	t6 := openAt(t, s, "fiesole", domain.ChannelEmail, rome(2017, 11, 20, 9, 0))
	actAt(t, s, t6, domain.ActionResolve, rome(2017, 11, 20, 9, 30))
	actAt(t, s, t6, domain.ActionReopen, rome(2017, 11, 21, 9, 0))
	closed := rome(2017, 12, 31, 23, 0)
	imp := func(line int, ente string, level domain.Level, st domain.Status, opened time.Time) domain.TicketImport {
		r := domain.TicketImport{Line: line, ExternalID: fmt.Sprintf("old-%d", line), EnteCode: ente, Level: level, Status: st,
			Service: "suap", Channel: domain.ChannelEmail, Subject: "Pratica SUAP", OpenedAt: opened}
		if st.Closed() {
			r.ClosedAt = &closed
		}
		return r
	}
	if _, err := s.ImportTickets(ctx, []domain.TicketImport{
		imp(1, "firenze", 2, domain.StatusRisolto, rome(2017, 1, 1, 0, 30)),
		imp(2, "fiesole", 2, domain.StatusRisolto, rome(2017, 12, 31, 22, 0)),
		imp(3, "firenze", 1, domain.StatusNonDiCompetenza, rome(2017, 6, 30, 12, 0)),
		imp(4, "firenze", 1, domain.StatusRisolto, rome(2015, 12, 31, 23, 59)),
	}); err != nil {
		t.Fatal(err)
	}
}

// statsString shows stats rows compactly, for exact comparisons.
func ticketStatsString(rows []domain.TicketStatsRow) string {
	out := ""
	for _, r := range rows {
		k, c := r.Key, r.Counts
		out += fmt.Sprintf("[%d %s %s %s %s %d-%d: %d %d %d %d]", k.Level, k.Status, k.EnteCode, k.Service, k.Channel, k.Year, k.Month,
			c.Nuovo, c.Aperto, c.Risolto, c.NonDiCompetenza)
	}
	return out
}

func TestTicketStatsCountKnownTickets(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		knownTickets(t, s)
		y2017, y2018 := rome(2017, 1, 1, 0, 0), rome(2018, 1, 1, 0, 0)
		march, april := rome(2017, 3, 1, 0, 0), rome(2017, 4, 1, 0, 0)
		for _, tc := range []struct {
			name     string
			from, to *time.Time
			ente     string
			groupBy  []domain.Dimension
			want     string
		}{
			{"2017 total", &y2017, &y2018, "", nil, "[0     0-0: 2 2 3 1]"},
			{"2017 by level", &y2017, &y2018, "", []domain.Dimension{"level"},
				"[1     0-0: 2 1 1 1][2     0-0: 0 1 2 0]"},
			{"2017 by status and level", &y2017, &y2018, "", []domain.Dimension{"status", "level"},
				"[1 nuovo    0-0: 2 0 0 0][1 aperto    0-0: 0 1 0 0][2 aperto    0-0: 0 1 0 0][1 risolto    0-0: 0 0 1 0][2 risolto    0-0: 0 0 2 0][1 non_di_competenza    0-0: 0 0 0 1]"},
			{"2017 Fiesole by ente", &y2017, &y2018, "fiesole", []domain.Dimension{"ente"},
				"[0  fiesole   0-0: 1 1 1 0]"},
			{"2017 by month", &y2017, &y2018, "", []domain.Dimension{"month"},
				"[0     2017-1: 0 0 1 0][0     2017-3: 1 1 1 0][0     2017-5: 1 0 0 0][0     2017-6: 0 0 0 1][0     2017-11: 0 1 0 0][0     2017-12: 0 0 1 0]"},
			{"March by channel and service", &march, &april, "", []domain.Dimension{"channel", "service"},
				"[0   portale_servizi email 0-0: 0 1 0 0][0   portale_servizi phone 0-0: 0 0 1 0][0   portale_servizi portal 0-0: 1 0 0 0]"},
			{"from March on, by level", &march, nil, "", []domain.Dimension{"level"},
				"[1     0-0: 2 1 1 1][2     0-0: 0 1 1 0]"},
			{"up to 2017, by level", nil, &y2017, "", []domain.Dimension{"level"},
				"[1     0-0: 0 0 2 0]"},
			{"all time", nil, nil, "", nil, "[0     0-0: 2 2 5 1]"},
			{"an empty period, total", &y2018, nil, "", nil, "[0     0-0: 0 0 0 0]"},
			{"an empty period, grouped", &y2018, nil, "", []domain.Dimension{"level"}, ""},
		} {
			got, err := s.TicketStats(ctx, domain.TicketStatsQuery{From: tc.from, To: tc.to, EnteCode: tc.ente, GroupBy: tc.groupBy})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if s := ticketStatsString(got); s != tc.want {
				t.Errorf("%s:\n got %s\nwant %s", tc.name, s, tc.want)
			}
		}
		if _, err := s.TicketStats(ctx, domain.TicketStatsQuery{From: &y2018, To: &y2017}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("reversed period: got %v, want invalid", err)
		}
	})
}

// A period of whole years reads the rollups; the same period shifted by a
// microsecond (no ticket sits on the boundary) counts the tickets. Both
// must agree for every grouping the rollup can serve, before and after
// the tickets change.
func TestRollupsAgreeWithTheTickets(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		knownTickets(t, s)
		check := func(stage string) {
			t.Helper()
			for _, years := range [][2]int{{2017, 2018}, {2016, 2018}, {2015, 2016}} {
				from, to := rome(years[0], 1, 1, 0, 0), rome(years[1], 1, 1, 0, 0)
				lf, lt := from.Add(time.Microsecond), to.Add(time.Microsecond)
				for _, ente := range []string{"", "firenze"} {
					for _, g := range [][]domain.Dimension{nil, {"level"}, {"status"}, {"ente"}, {"ente", "status", "level"}, {"month"}, {"ente", "month"}, {"month", "status", "level"}} {
						rolled, err1 := s.TicketStats(ctx, domain.TicketStatsQuery{From: &from, To: &to, EnteCode: ente, GroupBy: g})
						live, err2 := s.TicketStats(ctx, domain.TicketStatsQuery{From: &lf, To: &lt, EnteCode: ente, GroupBy: g})
						if err1 != nil || err2 != nil {
							t.Fatal(err1, err2)
						}
						if a, b := ticketStatsString(rolled), ticketStatsString(live); a != b {
							t.Errorf("%s, %v %q %v: rollup %s, tickets %s", stage, years, ente, g, a, b)
						}
					}
					for _, now := range []time.Time{rome(2017, 3, 7, 10, 45), rome(2017, 5, 2, 11, 0), rome(2030, 1, 1, 0, 0)} {
						rolled, err1 := s.SLAStats(ctx, domain.SLAStatsQuery{From: &from, To: &to, EnteCode: ente, Now: now})
						live, err2 := s.SLAStats(ctx, domain.SLAStatsQuery{From: &lf, To: &lt, EnteCode: ente, Now: now})
						if err1 != nil || err2 != nil {
							t.Fatal(err1, err2)
						}
						if !reflect.DeepEqual(rolled, live) {
							t.Errorf("%s, SLA %v %q at %v: rollup %v, clocks %v", stage, years, ente, now, rolled, live)
						}
					}
				}
			}
		}
		check("as built")
		tk, err := s.ListTickets(ctx, domain.TicketFilter{Limit: 100, Statuses: []domain.Status{domain.StatusNuovo, domain.StatusAperto}})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range tk.Tickets {
			actAt(t, s, x.ID, domain.ActionResolve, rome(2018, 2, 1, 9, 0))
		}
		check("after resolving every open ticket")
		if len(tk.Tickets) > 0 {
			actAt(t, s, tk.Tickets[0].ID, domain.ActionReopen, rome(2018, 2, 2, 9, 0))
			check("after reopening one")
		}
	})
}

func TestSLAStatsCountKnownClocks(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		knownTickets(t, s)
		y2016, y2017, y2018 := rome(2016, 1, 1, 0, 0), rome(2017, 1, 1, 0, 0), rome(2018, 1, 1, 0, 0)
		march, april := rome(2017, 3, 1, 0, 0), rome(2017, 4, 1, 0, 0)
		type c = domain.SLACounts
		for _, tc := range []struct {
			name     string
			from, to *time.Time
			ente     string
			now      time.Time
			want     []domain.SLACounts
		}{
			{"2017, 2 May 11:00", &y2017, &y2018, "", rome(2017, 5, 2, 11, 0), []c{
				{Code: "SLA.6", Met: 3, Breached: 2}, {Code: "SLA.7", Met: 3, Breached: 2}, {Code: "SLA.8", Breached: 1, Running: 1}}},
			{"2017, 2 May 13:00", &y2017, &y2018, "", rome(2017, 5, 2, 13, 0), []c{
				{Code: "SLA.6", Met: 3, Breached: 2}, {Code: "SLA.7", Met: 3, Breached: 2}, {Code: "SLA.8", Breached: 2}}},
			{"March 2017, 7 March 10:45", &march, &april, "", rome(2017, 3, 7, 10, 45), []c{
				{Code: "SLA.6", Met: 1, Breached: 1, Running: 1}, {Code: "SLA.7", Met: 1, Running: 2}, {Code: "SLA.8", Breached: 1}}},
			{"2017 Firenze, 2 May 11:00", &y2017, &y2018, "firenze", rome(2017, 5, 2, 11, 0), []c{
				{Code: "SLA.6", Met: 1, Breached: 2}, {Code: "SLA.7", Met: 1, Breached: 2}, {Code: "SLA.8", Breached: 1}}},
			{"2016", &y2016, &y2017, "", rome(2017, 5, 2, 11, 0), []c{{Code: "SLA.6", Met: 1}, {Code: "SLA.7", Met: 1}}},
			{"2018: none", &y2018, nil, "", rome(2018, 5, 2, 11, 0), []c{}},
		} {
			got, err := s.SLAStats(ctx, domain.SLAStatsQuery{From: tc.from, To: tc.to, EnteCode: tc.ente, Now: tc.now})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
	})
}

func TestTicketYearStatsSideBySide(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		knownTickets(t, s)
		str := func(rows []domain.YearStatsRow) string {
			out := ""
			for _, r := range rows {
				out += fmt.Sprintf("[%d %d %s m%d: %d]", r.Year, r.Key.Level, r.Key.Service, r.Key.Month, r.Counts.Gestiti())
			}
			return out
		}
		for _, tc := range []struct {
			groupBy []domain.Dimension
			ente    string
			want    string
		}{
			{nil, "", "[2016 0  m0: 1][2017 0  m0: 8]"},
			{[]domain.Dimension{"level"}, "", "[2016 1  m0: 1][2017 1  m0: 5][2017 2  m0: 3]"},
			{[]domain.Dimension{"level"}, "fiesole", "[2017 1  m0: 2][2017 2  m0: 1]"},
			{[]domain.Dimension{"month"}, "", "[2017 0  m1: 1][2017 0  m3: 3][2017 0  m5: 1][2016 0  m6: 1][2017 0  m6: 1][2017 0  m11: 1][2017 0  m12: 1]"},
			{[]domain.Dimension{"service"}, "", "[2016 0 portale_servizi m0: 1][2017 0 portale_servizi m0: 5][2017 0 suap m0: 3]"},
		} {
			got, err := s.TicketYearStats(ctx, domain.YearStatsQuery{Years: []int{2016, 2017}, EnteCode: tc.ente, GroupBy: tc.groupBy})
			if err != nil {
				t.Fatal(err)
			}
			if g := str(got); g != tc.want {
				t.Errorf("%v %q:\n got %s\nwant %s", tc.groupBy, tc.ente, g, tc.want)
			}
		}
	})
}
