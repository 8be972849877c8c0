package domain_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

func TestParseGroupBy(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  []domain.Dimension
		field string // "" when valid
	}{
		{"", nil, ""},
		{"level", []domain.Dimension{domain.DimLevel}, ""},
		{"month,level,status,ente,service,channel", []domain.Dimension{"month", "level", "status", "ente", "service", "channel"}, ""},
		{"level, status", []domain.Dimension{"level", "status"}, ""},
		{"tier", nil, "group_by"},
		{"level,level", nil, "group_by"},
		{"level,", nil, "group_by"},
		{"LEVEL", nil, "group_by"},
	} {
		got, err := domain.ParseGroupBy(tc.in)
		if tc.field == "" {
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseGroupBy(%q) = %v, %v; want %v, nil", tc.in, got, err, tc.want)
			}
			continue
		}
		if de, ok := err.(*domain.Error); !ok || de.Code != domain.CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != tc.field {
			t.Errorf("ParseGroupBy(%q) error = %v; want invalid on %s", tc.in, err, tc.field)
		}
	}
}

// The report's help-desk table for 2017 and 2016.
func TestStatusCountsMatchTheReport(t *testing.T) {
	for _, tc := range []struct {
		name       string
		c          domain.StatusCounts
		gestiti    int64
		resolvedPc float64
	}{
		{"level 1, 2017", domain.StatusCounts{Risolto: 2136, NonDiCompetenza: 29}, 2165, 100},
		{"level 2, 2017", domain.StatusCounts{Risolto: 3233, NonDiCompetenza: 87, Aperto: 10}, 3330, 99.7},
		{"level 1, 2016", domain.StatusCounts{Risolto: 2380, NonDiCompetenza: 304}, 2684, 100},
		{"level 2, 2016", domain.StatusCounts{Risolto: 2045, NonDiCompetenza: 59}, 2104, 100},
		{"one of three resolved", domain.StatusCounts{Risolto: 1, Nuovo: 2}, 3, 33.3},
		{"two of three resolved", domain.StatusCounts{Risolto: 2, Nuovo: 1}, 3, 66.7},
		{"half a tenth rounds up", domain.StatusCounts{Risolto: 1999, Aperto: 1}, 2000, 100}, // 99.95
		{"just under half a tenth", domain.StatusCounts{Risolto: 19989, Aperto: 11}, 20000, 99.9},
	} {
		if got := tc.c.Gestiti(); got != tc.gestiti {
			t.Errorf("%s: got gestiti %d, want %d", tc.name, got, tc.gestiti)
		}
		pct, ok := tc.c.ResolvedPercent()
		if !ok || pct != tc.resolvedPc {
			t.Errorf("%s: got %% risolti %v (%v), want %v", tc.name, pct, ok, tc.resolvedPc)
		}
		rate, ok := tc.c.ResolutionRate()
		if want := float64(tc.c.Risolto+tc.c.NonDiCompetenza) / float64(tc.gestiti); !ok || rate != want {
			t.Errorf("%s: got rate %v, want %v", tc.name, rate, want)
		}
	}
	var none domain.StatusCounts
	if _, ok := none.ResolutionRate(); ok {
		t.Error("no tickets: got a resolution rate, want none")
	}
	if _, ok := none.ResolvedPercent(); ok {
		t.Error("no tickets: got a percentage, want none")
	}
	sum := domain.StatusCounts{Risolto: 2136, NonDiCompetenza: 29}
	sum.Add(domain.StatusCounts{Risolto: 3233, NonDiCompetenza: 87, Aperto: 10, Nuovo: 1})
	if want := (domain.StatusCounts{Nuovo: 1, Aperto: 10, Risolto: 5369, NonDiCompetenza: 116}); sum != want {
		t.Errorf("got sum %+v, want %+v", sum, want)
	}
}

// Every Diff % of the report's table of online services by category,
// 2016 to 2017, and the help desk's levels.
func TestDiffPercentMatchesTheReport(t *testing.T) {
	for _, tc := range []struct {
		last, this int64
		want       int64
		ok         bool
	}{
		{617628, 749866, 21, true}, // Totale
		{105072, 53493, -49, true},
		{186012, 175649, -6, true},
		{16850, 23632, 40, true},
		{3902, 3946, 1, true},
		{33, 32, -3, true},
		{82264, 127136, 55, true},
		{10680, 10593, -1, true},
		{104768, 96682, -8, true},
		{0, 7, 0, false}, // Sport e tempo libero: no 2016 figure, empty cell
		{2610, 2912, 12, true},
		{64281, 75721, 18, true},
		{41156, 180063, 338, true},
		{2684, 2165, -19, true}, // help desk level 1
		{2104, 3330, 58, true},  // help desk level 2
		{4788, 5495, 15, true},  // help desk total
		{200, 201, 1, true},     // +0.5 rounds away from zero
		{200, 199, -1, true},    // -0.5 rounds away from zero
		{1000, 1004, 0, true},
		{5, 0, -100, true},
	} {
		got, ok := domain.DiffPercent(tc.last, tc.this)
		if got != tc.want || ok != tc.ok {
			t.Errorf("DiffPercent(%d, %d) = %d, %v; want %d, %v", tc.last, tc.this, got, ok, tc.want, tc.ok)
		}
	}
}

func TestParseYears(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"2016,2017", []int{2016, 2017}},
		{"2017,2015,2016", []int{2015, 2016, 2017}},
		{"2016, 2017", []int{2016, 2017}},
	} {
		got, err := domain.ParseYears(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseYears(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprint(2000 + i)
	}
	for _, in := range []string{"", "2017", "2016,2016", "2016,abc", "1989,2017", "2016,2201", strings.Join(many, ",")} {
		if _, err := domain.ParseYears(in); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("ParseYears(%q): got %v, want invalid", in, err)
		}
	}
}

func TestSLAReportRowsAndDeviation(t *testing.T) {
	targets := domain.DefaultSLATargets()
	targets[1].ExpectedShare = 98.5
	rows := domain.SLAReport(targets, []domain.SLACounts{
		{Code: domain.SLAFirstReply, Met: 2, Breached: 1, Running: 4},
		{Code: domain.SLATakeInCharge, Met: 9999, Breached: 1},
	})
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want one per ticket SLA (3)", len(rows))
	}
	for i, code := range domain.SLACodes {
		if rows[i].Counts.Code != code || rows[i].Target.Code != code {
			t.Errorf("row %d: got %s/%s, want %s", i, rows[i].Counts.Code, rows[i].Target.Code, code)
		}
	}
	check := func(name string, got *float64, want float64) {
		t.Helper()
		if got == nil || *got != want {
			t.Errorf("%s: got %v, want %v", name, deref(got), want)
		}
	}
	check("SLA.6 measured", rows[0].MeasuredShare, 99.99)
	check("SLA.6 deviation", rows[0].Deviation, -0.01)
	check("SLA.7 measured", rows[1].MeasuredShare, 66.667)
	check("SLA.7 deviation", rows[1].Deviation, -31.833)
	if rows[1].Counts.Running != 4 {
		t.Errorf("SLA.7 running: got %d, want 4", rows[1].Counts.Running)
	}
	if rows[2].MeasuredShare != nil || rows[2].Deviation != nil {
		t.Errorf("SLA.8 without outcomes: got measured %v, deviation %v; want none", deref(rows[2].MeasuredShare), deref(rows[2].Deviation))
	}
	if rows[2].Target.Target != 2*time.Hour || rows[2].Target.ExpectedShare != 100 {
		t.Errorf("SLA.8 target: got %+v, want the default 2h at 100%%", rows[2].Target)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestSLATargetTextSpeaksLikeTheReport(t *testing.T) {
	for _, tc := range []struct {
		d     time.Duration
		basis domain.Basis
		want  string
	}{
		{time.Hour, domain.BasisWorking, "entro 1h lavorativa"},
		{6 * time.Hour, domain.BasisWorking, "entro 6h lavorative"},
		{2 * time.Hour, domain.BasisCalendar, "entro 2h dalla comunicazione"},
		{30 * time.Minute, domain.BasisCalendar, "entro 30' dalla comunicazione"},
		{30 * time.Minute, domain.BasisWorking, "entro 30' lavorativi"},
		{90 * time.Minute, domain.BasisWorking, "entro 1h30' lavorative"},
	} {
		if got := (domain.SLATarget{Target: tc.d, Basis: tc.basis}).Text(); got != tc.want {
			t.Errorf("%v %s: got %q, want %q", tc.d, tc.basis, got, tc.want)
		}
	}
}

func TestValidateImportReportsEveryProblemWithItsLine(t *testing.T) {
	now := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	opened := time.Date(2017, 3, 1, 9, 0, 0, 0, time.UTC)
	closed := opened.Add(time.Hour)
	before := opened.Add(-time.Hour)
	future := now.Add(time.Minute)
	ok := domain.TicketImport{ExternalID: "old-1", EnteCode: "firenze", Level: 1, Status: domain.StatusRisolto,
		Service: "suap", Channel: domain.ChannelPhone, Subject: "Stampante", OpenedAt: opened, ClosedAt: &closed}
	row := func(line int, change func(*domain.TicketImport)) domain.TicketImport {
		r := ok
		r.Line = line
		r.ExternalID = fmt.Sprintf("old-%d", line)
		change(&r)
		return r
	}
	rows := []domain.TicketImport{
		row(1, func(r *domain.TicketImport) {}),
		row(2, func(r *domain.TicketImport) { r.Status, r.ClosedAt = domain.StatusAperto, nil }),
		row(3, func(r *domain.TicketImport) { r.ExternalID = "" }),
		row(4, func(r *domain.TicketImport) { r.ExternalID = "old-1" }),
		row(5, func(r *domain.TicketImport) { r.EnteCode = "atlantide" }),
		row(6, func(r *domain.TicketImport) { r.Level, r.Status, r.Service = 3, "chiuso", "posta" }),
		row(7, func(r *domain.TicketImport) { r.ClosedAt = nil }),
		row(8, func(r *domain.TicketImport) { r.Status = domain.StatusNuovo }),
		row(9, func(r *domain.TicketImport) { r.ClosedAt = &before }),
		row(10, func(r *domain.TicketImport) { r.OpenedAt, r.ClosedAt = future, nil; r.Status = domain.StatusNuovo }),
		row(11, func(r *domain.TicketImport) { r.OpenedAt = time.Time{}; r.Channel = "fax"; r.Subject = " " }),
		row(12, func(r *domain.TicketImport) { r.ExternalID = " padded" }),
		row(13, func(r *domain.TicketImport) { r.ClosedAt = &future }),
	}
	got := domain.ValidateImport(rows, now, func(code string) bool { return code == "firenze" })
	want := []domain.FieldError{
		{Line: 3, Field: "external_id", Detail: "is required"},
		{Line: 4, Field: "external_id", Detail: `"old-1" is already used at line 1 of this import`},
		{Line: 5, Field: "ente", Detail: `"atlantide" is not a known ente code`},
		{Line: 6, Field: "service"},
		{Line: 6, Field: "level"},
		{Line: 6, Field: "status"},
		{Line: 7, Field: "closed_at", Detail: "is required for a closed status (risolto)"},
		{Line: 8, Field: "closed_at", Detail: "must be empty for an open status (nuovo)"},
		{Line: 9, Field: "closed_at", Detail: "must not be before opened_at"},
		{Line: 10, Field: "opened_at", Detail: "must not be in the future"},
		{Line: 11, Field: "subject"},
		{Line: 11, Field: "channel"},
		{Line: 11, Field: "opened_at", Detail: "is required"},
		{Line: 12, Field: "external_id", Detail: "must be 1 to 100 characters without leading or trailing spaces"},
		{Line: 13, Field: "closed_at", Detail: "must not be in the future"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Line != w.Line || g.Field != w.Field || (w.Detail != "" && g.Detail != w.Detail) || g.Detail == "" {
			t.Errorf("error %d: got %+v, want %+v", i, g, w)
		}
	}
}

func TestImportedTicketAndItsDiff(t *testing.T) {
	opened := time.Date(2017, 3, 1, 9, 0, 0, 123456789, time.UTC)
	closed := opened.Add(time.Hour)
	r := domain.TicketImport{Line: 2, ExternalID: "old-1", EnteCode: "firenze", Level: 2, Status: domain.StatusRisolto,
		Service: "suap", Channel: domain.ChannelPhone, Subject: " Stampante ", OpenedAt: opened, ClosedAt: &closed}
	tk := r.Ticket()
	if tk.Subject != "Stampante" || tk.Version != 1 || tk.ExternalID != "old-1" || len(tk.Clocks) != 0 ||
		!tk.UpdatedAt.Equal(closed) || tk.ClosedAt == nil || !tk.ClosedAt.Equal(closed) || tk.Level != 2 {
		t.Errorf("got ticket %+v, want the row as a closed level-2 ticket without clocks, updated when closed", tk)
	}
	stored := tk
	stored.OpenedAt = opened.Truncate(time.Microsecond) // as a database keeps it
	if d := domain.ImportDiff(stored, r); len(d) != 0 {
		t.Errorf("same row: got diff %v, want none", d)
	}
	stored.Status, stored.ClosedAt = domain.StatusAperto, nil
	stored.Subject = "Altro"
	if d := domain.ImportDiff(stored, r); !reflect.DeepEqual(d, []string{"status", "subject", "closed_at"}) {
		t.Errorf("changed row: got diff %v, want status, subject, closed_at", d)
	}
}

func TestYoYLinesUpTheYears(t *testing.T) {
	l1, l2 := domain.GroupKey{Level: 1}, domain.GroupKey{Level: 2}
	groups, total := domain.YoY([]int{2016, 2017}, []domain.YearStatsRow{
		{Key: l1, Year: 2016, Counts: domain.StatusCounts{Risolto: 2380, NonDiCompetenza: 304}},
		{Key: l1, Year: 2017, Counts: domain.StatusCounts{Risolto: 2136, NonDiCompetenza: 29}},
		{Key: l2, Year: 2017, Counts: domain.StatusCounts{Risolto: 3233, NonDiCompetenza: 87, Aperto: 10}},
		{Key: l2, Year: 2015, Counts: domain.StatusCounts{Risolto: 99}}, // not asked for
	})
	want := []domain.YoYGroup{
		{Key: l1, Years: []domain.StatusCounts{{Risolto: 2380, NonDiCompetenza: 304}, {Risolto: 2136, NonDiCompetenza: 29}}},
		{Key: l2, Years: []domain.StatusCounts{{}, {Risolto: 3233, NonDiCompetenza: 87, Aperto: 10}}},
	}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("got groups %+v, want %+v", groups, want)
	}
	if total[0].Gestiti() != 2684 || total[1].Gestiti() != 5495 {
		t.Errorf("got totals %d, %d; want 2684, 5495", total[0].Gestiti(), total[1].Gestiti())
	}
	if g, _ := domain.YoY([]int{2016, 2017}, nil); g == nil || len(g) != 0 {
		t.Errorf("no rows: got %v, want an empty list", g)
	}
}

func TestReplayAppliesTheTransitionTable(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2025, 5, 5, h, 0, 0, 0, time.UTC) }
	base := func(events ...domain.ImportEvent) domain.TicketImport {
		return domain.TicketImport{Line: 7, ExternalID: "x", EnteCode: "firenze", Level: 1, Status: domain.StatusRisolto,
			Service: "suap", Channel: domain.ChannelPhone, Subject: "s", OpenedAt: at(9), Events: events}
	}
	wt := domain.Calendar{Location: time.UTC}
	ok := base(domain.ImportEvent{Action: domain.ActionTakeInCharge, At: at(10)}, domain.ImportEvent{Action: domain.ActionResolve, At: at(11)})
	if fe := ok.Replay(domain.DefaultSLATargets(), wt, at(12)); fe != nil {
		t.Fatalf("a valid history: got %v", fe)
	}
	if h := ok.History(); len(h) != 3 || h[0].Action != domain.ActionOpen || h[2].ToStatus != domain.StatusRisolto {
		t.Errorf("history: got %+v, want open, take in charge, resolve", h)
	}
	if tk := ok.Ticket(); tk.Status != domain.StatusRisolto || tk.ClosedAt == nil || !tk.ClosedAt.Equal(at(11)) || len(tk.Clocks) != 3 {
		t.Errorf("replayed ticket: got %+v", tk)
	}
	for _, c := range []struct {
		name   string
		row    domain.TicketImport
		fields []string
	}{
		{"resolved twice", base(domain.ImportEvent{Action: domain.ActionResolve, At: at(10)}, domain.ImportEvent{Action: domain.ActionResolve, At: at(11)}), []string{"events[1].action"}},
		{"out of order", base(domain.ImportEvent{Action: domain.ActionResolve, At: at(8)}), []string{"events[0].at"}},
		{"in the future", base(domain.ImportEvent{Action: domain.ActionResolve, At: at(13)}), []string{"events[0].at"}},
		{"declared to_status", base(domain.ImportEvent{Action: domain.ActionResolve, At: at(10), ToStatus: domain.StatusAperto}), []string{"events[0].to_status"}},
		{"final status", base(domain.ImportEvent{Action: domain.ActionTakeInCharge, At: at(10)}), []string{"status"}},
		{"long actor", base(domain.ImportEvent{Action: domain.ActionResolve, At: at(10), Actor: strings.Repeat("a", 101)}), []string{"events[0].actor"}},
	} {
		fe := c.row.Replay(domain.DefaultSLATargets(), wt, at(12))
		var got []string
		for _, f := range fe {
			if f.Line != 7 {
				t.Errorf("%s: error %v without the row's line", c.name, f)
			}
			got = append(got, f.Field)
		}
		if strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%s: got fields %v, want %v", c.name, got, c.fields)
		}
	}
}
