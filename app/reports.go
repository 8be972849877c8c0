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
	store      ReportStore
	monitoring SLASources // nil: the monitored rows of the SLA table have no data
	now        Clock
	loc        *time.Location // the centre's time zone, where years begin
}

// NewReports builds the report use cases; loc is where a year begins, and
// monitoring gives the SLA table its monitored rows (nil: they have no
// data). It is a parameter, not a setter, so no wiring can forget it.
func NewReports(store ReportStore, now Clock, loc *time.Location, monitoring SLASources) *Reports {
	return &Reports{store: store, monitoring: monitoring, now: now, loc: loc}
}

// SLASources are the monitoring figures the SLA table reads: uptime and
// response time (SLA.1–5), the outages with their notices (SLA.9–10) and
// the malfunction report's deliveries (SLA.11). Monitoring implements it.
type SLASources interface {
	Availability(ctx context.Context, period domain.Span, system string) (AvailabilityReport, error)
	Outages(ctx context.Context, from, to time.Time, viewer string) ([]domain.Outage, error)
	OutagesReport(ctx context.Context, from, to time.Time) (OutageReport, error)
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

// AsOf reads the as_of of a report: an RFC 3339 instant, or a date in the
// centre's zone meaning the end of that day (the instant just before the
// next midnight; today's date is now, the day not being over). Empty is
// nil: the figures as they stand now. The future has no figures yet.
func (u *Reports) AsOf(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	now := u.now.read()
	bad := func(detail string) error {
		return domain.Invalid("some query parameters are not valid", domain.FieldError{Field: "as_of", Detail: detail})
	}
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		day, derr := time.ParseInLocation("2006-01-02", v, u.loc)
		if derr != nil {
			return nil, bad("must be a YYYY-MM-DD date or an RFC 3339 instant")
		}
		at = day.AddDate(0, 0, 1).Add(-time.Microsecond)
		if !day.After(now) && at.After(now) {
			at = now
		}
	}
	at = at.UTC().Truncate(time.Microsecond)
	if at.After(now) {
		return nil, bad("must not be in the future")
	}
	return &at, nil
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
	Rows []domain.SLAReportRow // the ticket SLAs (SLA.6–8) with their clock counts
	// Full is the report's whole table, SLA.1 to SLA.11 in order.
	Full []domain.SLATableRow
}

// SLA computes the SLA table of the tickets opened in [from, to): the
// clocks' outcomes now, against the targets in force.
func (u *Reports) SLA(ctx context.Context, from, to time.Time, ente string) (SLATable, error) {
	return u.SLAAsOf(ctx, from, to, ente, nil)
}

// SLAAsOf is the SLA table as it stood at asOf (nil: now): clocks of
// tickets opened later do not count, and a clock stopped later was running
// then, or breached if its deadline had passed.
func (u *Reports) SLAAsOf(ctx context.Context, from, to time.Time, ente string, asOf *time.Time) (SLATable, error) {
	now := u.now.read()
	if asOf != nil {
		now = *asOf
	}
	return u.sla(ctx, from, to, ente, now, asOf != nil)
}

func (u *Reports) sla(ctx context.Context, from, to time.Time, ente string, now time.Time, asOf bool) (SLATable, error) {
	counts, err := u.store.SLAStats(ctx, domain.SLAStatsQuery{From: &from, To: &to, EnteCode: ente, Now: now, AsOf: asOf})
	if err != nil {
		return SLATable{}, err
	}
	targets, err := u.store.SLATargets(ctx)
	if err != nil {
		return SLATable{}, err
	}
	rows := domain.SLAReport(targets, counts)
	full, err := u.fullTable(ctx, from, to, ente, now, rows)
	if err != nil {
		return SLATable{}, err
	}
	return SLATable{At: now, Rows: rows, Full: full}, nil
}

// fullTable assembles the eleven rows: the uptime SLAs and SLA.3 over the
// part of [from, to) already past (the future has no uptime), the ticket
// SLAs, and the notice and report SLAs from the outages started in the
// period (only those affecting ente, when there is one).
func (u *Reports) fullTable(ctx context.Context, from, to time.Time, ente string, now time.Time, tickets []domain.SLAReportRow) ([]domain.SLATableRow, error) {
	var avail AvailabilityReport
	var outages []domain.Outage
	var sla11 domain.SLA11Outcome
	if u.monitoring != nil {
		var err error
		past := domain.Span{From: from, To: to}
		if now.Before(to) {
			past.To = now
		}
		if past.From.Before(past.To) {
			if avail, err = u.monitoring.Availability(ctx, past, ""); err != nil {
				return nil, err
			}
		}
		rep, err := u.monitoring.OutagesReport(ctx, from, to)
		if err != nil {
			return nil, err
		}
		outages, sla11 = rep.Outages, rep.SLA11
		if ente != "" {
			if outages, err = u.monitoring.Outages(ctx, from, to, ente); err != nil {
				return nil, err
			}
		}
	}
	// Rows the monitoring does not configure keep the contract's text and
	// target, with no data.
	def := func(code domain.SLACode) (string, float64) {
		return domain.SLATableDefaults[code].Description, domain.SLATableDefaults[code].Expected
	}
	uptime := func(code domain.SLACode) domain.SLATableRow {
		for _, r := range avail.SLAs {
			if domain.SLACode(r.SLA.Code) == code {
				var measured *float64
				if r.Known {
					measured = &r.Percent
				}
				return domain.PercentSLARow(code, r.SLA.Description, r.SLA.Target, measured, "")
			}
		}
		d, e := def(code)
		return domain.PercentSLARow(code, d, e, nil, "")
	}
	d3, e3 := def("SLA.3")
	response := domain.ResponseSLARow("SLA.3", d3, e3, domain.ResponseStats{})
	for _, r := range avail.Response {
		if r.SLA.Code == "SLA.3" {
			response = domain.ResponseSLARow("SLA.3", r.SLA.Description, r.SLA.TargetMS, r.Stats)
		}
	}
	full := []domain.SLATableRow{uptime("SLA.1"), uptime("SLA.2"), response, uptime("SLA.4"), uptime("SLA.5")}
	for _, r := range tickets {
		full = append(full, r.TableRow())
	}
	d9, e9 := def("SLA.9")
	d10, e10 := def("SLA.10")
	d11, _ := def("SLA.11")
	return append(full,
		domain.PercentSLARow("SLA.9", d9, e9, domain.NoticeShare(outages, now, domain.Outage.SLA9), domain.NoticeRuleText(domain.OfficesNoticeWithin)),
		domain.PercentSLARow("SLA.10", d10, e10, domain.NoticeShare(outages, now, domain.Outage.SLA10), domain.NoticeRuleText(domain.UsersNoticeWithin)),
		domain.FrequencySLARow("SLA.11", d11, sla11)), nil
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
	SLA           []domain.SLAReportRow         // the ticket SLAs of the year
	SLATable      []domain.SLATableRow          // the whole SLA table of the year
	Interventions []domain.InterventionStatsRow // one per tier, in tier order, zero when none
}

// Annual assembles the yearly report: the help-desk table by level with
// the previous year beside it, the SLA table, and the CED interventions by
// tier. It runs four queries, each on a rollup or an index: ticket counts
// of both years (ticket_counts), SLA outcomes (sla_counts and the open
// clocks), SLA targets, and the intervention statistics.
func (u *Reports) Annual(ctx context.Context, year int, ente string) (AnnualReport, error) {
	return u.AnnualAsOf(ctx, year, ente, nil)
}

// AnnualAsOf is the yearly report as it read at asOf (nil: now): both
// years' tickets in the status and level they had then, the SLA table and
// the interventions as they stood then.
func (u *Reports) AnnualAsOf(ctx context.Context, year int, ente string, asOf *time.Time) (AnnualReport, error) {
	now := u.now.read()
	if asOf != nil {
		now = *asOf
	}
	rows, err := u.store.TicketYearStats(ctx, domain.YearStatsQuery{Years: []int{year - 1, year}, EnteCode: ente,
		GroupBy: []domain.Dimension{domain.DimLevel}, AsOf: asOf})
	if err != nil {
		return AnnualReport{}, err
	}
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, u.loc)
	to := from.AddDate(1, 0, 0)
	sla, err := u.sla(ctx, from, to, ente, now, asOf != nil)
	if err != nil {
		return AnnualReport{}, err
	}
	ivs, err := u.store.InterventionStats(ctx, domain.InterventionStatsFilter{From: from, To: to, EnteCode: ente,
		GroupBy: []string{domain.GroupByTier}, AsOf: asOf})
	if err != nil {
		return AnnualReport{}, err
	}
	out := AnnualReport{Year: year, Ente: ente, At: now, SLA: sla.Rows, SLATable: sla.Full}
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
