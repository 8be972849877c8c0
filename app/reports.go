package app

import (
	"context"
	"errors"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// ReportStore is what the reports need from persistence.
type ReportStore interface {
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	SLATargets(ctx context.Context) (domain.SLATargets, error)
	TicketStats(ctx context.Context, q domain.TicketStatsQuery) ([]domain.TicketStatsRow, error)
	TicketYearStats(ctx context.Context, q domain.YearStatsQuery) ([]domain.YearStatsRow, error)
	SLAStats(ctx context.Context, q domain.SLAStatsQuery) ([]domain.SLACounts, error)
	InterventionStats(ctx context.Context, f domain.InterventionStatsFilter) ([]domain.InterventionStatsRow, error)
}

// Reports are the statistics the reporting tools and the yearly report
// read.
type Reports struct {
	store ReportStore
	now   Clock
	loc   *time.Location // the centre's time zone, where years begin
}

// NewReports builds the report use cases; loc is where a year begins.
func NewReports(store ReportStore, now Clock, loc *time.Location) *Reports {
	return &Reports{store: store, now: now, loc: loc}
}

// Scope is the ente a report of p is about: an ente user sees their own
// ente only (naming another is 403); staff see every ente ("") or one
// they name, which must exist (400 otherwise, as for every report).
func (u *Reports) Scope(ctx context.Context, p domain.Principal, ente string) (string, error) {
	if p.Role == domain.RoleEnte {
		if ente != "" && ente != p.EnteCode {
			return "", domain.Errorf(domain.CodeForbidden, "an ente user can only see the statistics of their own ente")
		}
		return p.EnteCode, nil
	}
	if ente == "" {
		return "", nil
	}
	if _, err := u.store.GetEnte(ctx, ente); errors.Is(err, domain.ErrNotFound) {
		return "", domain.Invalid("some query parameters are not valid", domain.FieldError{Field: "ente", Detail: "is not a known ente code"})
	} else if err != nil {
		return "", err
	}
	return ente, nil
}

// Tickets counts the tickets opened in a period, by the query's groups.
func (u *Reports) Tickets(ctx context.Context, q domain.TicketStatsQuery) ([]domain.TicketStatsRow, error) {
	return u.store.TicketStats(ctx, q)
}

// YearOverYear compares the years of the query, group by group.
func (u *Reports) YearOverYear(ctx context.Context, q domain.YearStatsQuery) (groups []domain.YoYGroup, total []domain.StatusCounts, err error) {
	rows, err := u.store.TicketYearStats(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	groups, total = domain.YoY(q.Years, rows)
	return groups, total, nil
}

// SLATable is the SLA table of a period, with the instant its running
// clocks were judged at.
type SLATable struct {
	At   time.Time
	Rows []domain.SLAReportRow
}

// SLA computes the SLA table of the tickets opened in [from, to): the
// clocks' outcomes now, against the targets in force.
func (u *Reports) SLA(ctx context.Context, from, to time.Time, ente string) (SLATable, error) {
	return u.sla(ctx, from, to, ente, u.now.read())
}

func (u *Reports) sla(ctx context.Context, from, to time.Time, ente string, now time.Time) (SLATable, error) {
	counts, err := u.store.SLAStats(ctx, domain.SLAStatsQuery{From: &from, To: &to, EnteCode: ente, Now: now})
	if err != nil {
		return SLATable{}, err
	}
	targets, err := u.store.SLATargets(ctx)
	if err != nil {
		return SLATable{}, err
	}
	return SLATable{At: now, Rows: domain.SLAReport(targets, counts)}, nil
}

// Interventions are the intervention statistics of a filter that passed
// Scope.
func (u *Reports) Interventions(ctx context.Context, f domain.InterventionStatsFilter) ([]domain.InterventionStatsRow, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return u.store.InterventionStats(ctx, f)
}

// AnnualLevelRow is one row of the annual help-desk table: a level (0 on
// the total) with this year's and last year's counts.
type AnnualLevelRow struct {
	Level    domain.Level
	Current  domain.StatusCounts
	Previous domain.StatusCounts
	DiffPct  *int64 // handled (gestiti) against the previous year; nil when not comparable
}

// AnnualReport is the yearly report in one document.
type AnnualReport struct {
	Year          int
	Ente          string
	At            time.Time                     // the instant running clocks are judged at
	HelpDesk      []AnnualLevelRow              // levels 1 and 2
	HelpDeskTotal AnnualLevelRow                // Level 0
	SLA           []domain.SLAReportRow         // the SLA table of the year
	Interventions []domain.InterventionStatsRow // one per tier, in tier order, zero when none
}

// Annual assembles the yearly report: the help-desk table by level with
// the previous year beside it, the SLA table, and the CED interventions by
// tier. It runs four queries, each on a rollup or an index: ticket counts
// of both years (ticket_counts), SLA outcomes (sla_counts and the open
// clocks), SLA targets, and the intervention statistics.
func (u *Reports) Annual(ctx context.Context, year int, ente string) (AnnualReport, error) {
	now := u.now.read()
	rows, err := u.store.TicketYearStats(ctx, domain.YearStatsQuery{Years: []int{year - 1, year}, EnteCode: ente,
		GroupBy: []domain.Dimension{domain.DimLevel}})
	if err != nil {
		return AnnualReport{}, err
	}
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, u.loc)
	to := from.AddDate(1, 0, 0)
	sla, err := u.sla(ctx, from, to, ente, now)
	if err != nil {
		return AnnualReport{}, err
	}
	ivs, err := u.store.InterventionStats(ctx, domain.InterventionStatsFilter{From: from, To: to, EnteCode: ente, GroupBy: []string{domain.GroupByTier}})
	if err != nil {
		return AnnualReport{}, err
	}
	out := AnnualReport{Year: year, Ente: ente, At: now, SLA: sla.Rows}
	var byLevel [3][2]domain.StatusCounts // level, then previous/current
	var total [2]domain.StatusCounts
	for _, row := range rows {
		y := row.Year - (year - 1)
		if row.Key.Level.Valid() {
			byLevel[row.Key.Level][y].Add(row.Counts)
		}
		total[y].Add(row.Counts)
	}
	for _, l := range []domain.Level{1, 2} {
		out.HelpDesk = append(out.HelpDesk, levelRow(l, byLevel[l][0], byLevel[l][1]))
	}
	out.HelpDeskTotal = levelRow(0, total[0], total[1])
	for _, t := range domain.Tiers {
		row := domain.InterventionStatsRow{Tier: t}
		for _, iv := range ivs {
			if iv.Tier == t {
				row = iv
			}
		}
		out.Interventions = append(out.Interventions, row)
	}
	return out, nil
}

func levelRow(level domain.Level, prev, cur domain.StatusCounts) AnnualLevelRow {
	row := AnnualLevelRow{Level: level, Current: cur, Previous: prev}
	if d, ok := domain.DiffPercent(prev.Gestiti(), cur.Gestiti()); ok {
		row.DiffPct = &d
	}
	return row
}
