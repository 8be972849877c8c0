package repository

import (
	"context"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// Every report is one GROUP BY in SQL. Periods of whole years in Rome
// (and no period at all) read the rollups that migration 00004 keeps by
// trigger, ticket_counts and sla_counts, when the grouping fits them;
// other periods count tickets and clocks directly, through the indexes on
// opened_at. The two paths give the same figures, which the tests check.

// dimColumns are the columns behind each dimension of a period's stats.
var dimColumns = map[domain.Dimension][]string{
	domain.DimLevel:   {"level"},
	domain.DimStatus:  {"status"},
	domain.DimEnte:    {"ente_code"},
	domain.DimService: {"service"},
	domain.DimChannel: {"channel"},
	domain.DimMonth:   {"opened_year", "opened_month"},
}

// rolledUp reports whether ticket_counts has every dimension.
func rolledUp(dims []domain.Dimension) bool {
	for _, d := range dims {
		if d != domain.DimLevel && d != domain.DimStatus && d != domain.DimEnte {
			return false
		}
	}
	return true
}

// rollupOf names the rollup table that has every dimension, or "":
// ticket_counts, or ticket_month_counts (migration 00014) when months are
// asked for.
func rollupOf(dims []domain.Dimension) string {
	if rolledUp(dims) {
		return "ticket_counts"
	}
	for _, d := range dims {
		if d != domain.DimLevel && d != domain.DimStatus && d != domain.DimEnte && d != domain.DimMonth {
			return ""
		}
	}
	return "ticket_month_counts"
}

// statusOrder sorts statuses as the report lists them, not alphabetically.
const statusOrder = "CASE status WHEN 'nuovo' THEN 0 WHEN 'aperto' THEN 1 WHEN 'risolto' THEN 2 ELSE 3 END"

// rollupHaving drops the rollup rows whose tickets all moved elsewhere.
const rollupHaving = " HAVING SUM(n) > 0"

// selectCounts is the select list of the group columns and the status
// counts, pivoted in SQL; n is what one source row counts for: 1 for a
// ticket, its n for a rollup row.
func selectCounts(groupCols, n string) string {
	var cols []string
	if groupCols != "" {
		cols = append(cols, groupCols)
	}
	for _, st := range domain.Statuses {
		cols = append(cols, "COALESCE(SUM(CASE WHEN status = '"+string(st)+"' THEN "+n+" ELSE 0 END), 0) AS "+string(st))
	}
	return "SELECT " + strings.Join(cols, ", ")
}

// whereSQL joins conditions with AND; none selects every row.
func whereSQL(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// groupSQL returns the group columns, GROUP BY and ORDER BY of the
// dimensions, in their order; month are the columns of DimMonth, and
// withYear groups by opened_year too, last.
func groupSQL(dims []domain.Dimension, month []string, withYear bool) (sel, group, order string) {
	var cols, ord []string
	for _, d := range dims {
		cs := dimColumns[d]
		if d == domain.DimMonth {
			cs = month
		}
		cols = append(cols, cs...)
		if d == domain.DimStatus {
			ord = append(ord, statusOrder)
		} else {
			ord = append(ord, cs...)
		}
	}
	if withYear {
		cols = append(cols, "opened_year")
		ord = append(ord, "opened_year")
	}
	if len(cols) == 0 {
		return "", "", ""
	}
	return strings.Join(cols, ", "), " GROUP BY " + strings.Join(cols, ", "), " ORDER BY " + strings.Join(ord, ", ")
}

type ticketStatsRow struct {
	Level           int
	Status          string
	EnteCode        string
	Service         string
	Channel         string
	OpenedYear      int
	OpenedMonth     int
	Nuovo           int64
	Aperto          int64
	Risolto         int64
	NonDiCompetenza int64
}

func (r ticketStatsRow) key() domain.GroupKey {
	return domain.GroupKey{
		Level: domain.Level(r.Level), Status: domain.Status(r.Status), EnteCode: r.EnteCode,
		Service: r.Service, Channel: domain.Channel(r.Channel), Year: r.OpenedYear, Month: r.OpenedMonth,
	}
}

func (r ticketStatsRow) counts() domain.StatusCounts {
	return domain.StatusCounts{Nuovo: r.Nuovo, Aperto: r.Aperto, Risolto: r.Risolto, NonDiCompetenza: r.NonDiCompetenza}
}

// wholeYears says whether a period bound is an open bound or the start of
// a year in Rome: then the period is a run of whole years.
func wholeYears(bounds ...*time.Time) bool {
	for _, b := range bounds {
		if b != nil && !b.Equal(yearStart(b.In(rome).Year())) {
			return false
		}
	}
	return true
}

// yearStart is midnight of 1 January in Rome.
func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, rome) }

// TicketStats counts the tickets opened in a period by status, per group
// of the query's dimensions, ordered by them. Without dimensions it
// returns exactly one row, the total.
func (s *Store) TicketStats(ctx context.Context, q domain.TicketStatsQuery) ([]domain.TicketStatsRow, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	cols, group, order := groupSQL(q.GroupBy, dimColumns[domain.DimMonth], false)
	var (
		sql   string
		where []string
		args  []any
	)
	rollup := rollupOf(q.GroupBy)
	if q.AsOf != nil && rollup != "ticket_counts" {
		rollup = "" // asOfCounts corrects the yearly rollup only
	}
	rolled := wholeYears(q.From, q.To) && rollup != ""
	table, n := "tickets", "1"
	if rolled {
		table, n = rollup, "n"
		if q.From != nil {
			where, args = append(where, "opened_year >= ?"), append(args, q.From.In(rome).Year())
		}
		if q.To != nil {
			where, args = append(where, "opened_year < ?"), append(args, q.To.In(rome).Year())
		}
	} else {
		if q.From != nil {
			where, args = append(where, "opened_at >= ?"), append(args, utc(*q.From))
		}
		if q.To != nil {
			where, args = append(where, "opened_at < ?"), append(args, utc(*q.To))
		}
	}
	if q.EnteCode != "" {
		where, args = append(where, "ente_code = ?"), append(args, q.EnteCode)
	}
	if q.AsOf != nil {
		years := yearsBetween(q.From, q.To)
		sql, args = asOfCounts(cols, table, n, where, args, years, *q.AsOf)
		sql += group
		if group != "" {
			sql += rollupHaving // a group none of whose tickets existed yet
		}
	} else {
		sql = selectCounts(cols, n) + " FROM " + table + whereSQL(where) + group
		if rolled && group != "" {
			sql += rollupHaving // a rollup row left at zero is no group
		}
	}
	var rows []ticketStatsRow
	if err := s.conn(ctx).Raw(sql+order, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.TicketStatsRow, len(rows))
	for i, r := range rows {
		out[i] = domain.TicketStatsRow{Key: r.key(), Counts: r.counts()}
	}
	return out, nil
}

// TicketYearStats counts the tickets opened in each of the years by
// status, per year and group (the month dimension is the month of the
// year, so that years line up). Groups without tickets in a year have no
// row for it.
func (s *Store) TicketYearStats(ctx context.Context, q domain.YearStatsQuery) ([]domain.YearStatsRow, error) {
	cols, group, order := groupSQL(q.GroupBy, []string{"opened_month"}, true)
	table, n, having := "tickets", "1", ""
	if rolledUp(q.GroupBy) {
		table, n, having = "ticket_counts", "n", rollupHaving
	}
	where, args := []string{"opened_year IN ?"}, []any{q.Years}
	if q.EnteCode != "" {
		where, args = append(where, "ente_code = ?"), append(args, q.EnteCode)
	}
	var sql string
	if q.AsOf != nil {
		sql, args = asOfCounts(cols, table, n, where, args, nil, *q.AsOf)
		sql += group + rollupHaving
	} else {
		sql = selectCounts(cols, n) + " FROM " + table + whereSQL(where) + group + having
	}
	var rows []ticketStatsRow
	if err := s.conn(ctx).Raw(sql+order, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.YearStatsRow, len(rows))
	for i, r := range rows {
		k := r.key()
		k.Year = 0
		out[i] = domain.YearStatsRow{Key: k, Year: r.OpenedYear, Counts: r.counts()}
	}
	return out, nil
}

type slaCountsRow struct {
	Code     string
	Met      int64
	Breached int64
	Running  int64
}

// SLAStats counts the outcomes of the SLA clocks of the tickets opened in
// a period, per SLA code, judged at q.Now: a clock still running past its
// deadline is already breached. Codes without clocks have no row.
func (s *Store) SLAStats(ctx context.Context, q domain.SLAStatsQuery) ([]domain.SLACounts, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	now := utc(q.Now)
	var (
		sql  string
		args []any
	)
	switch {
	case q.AsOf:
		sql, args = s.slaAsOfSQL(q)
	case wholeYears(q.From, q.To):
		// The rollup has every clock's final outcome; of the pending ones,
		// those already past their deadline (and not paused) move from
		// running to breached. A clock starts when its ticket is opened, so the
		// pending clocks of the period are found by started_at on the
		// partial index of open clocks.
		var rolled, open []string
		var openArgs []any
		join := ""
		if q.From != nil {
			rolled, args = append(rolled, "opened_year >= ?"), append(args, q.From.In(rome).Year())
			open, openArgs = append(open, "c.started_at >= ?"), append(openArgs, utc(*q.From))
		}
		if q.To != nil {
			rolled, args = append(rolled, "opened_year < ?"), append(args, q.To.In(rome).Year())
			open, openArgs = append(open, "c.started_at < ?"), append(openArgs, utc(*q.To))
		}
		if q.EnteCode != "" {
			rolled, args = append(rolled, "ente_code = ?"), append(args, q.EnteCode)
			join = " JOIN tickets t ON t.id = c.ticket_id AND t.ente_code = ?"
			openArgs = append([]any{q.EnteCode}, openArgs...)
		}
		// Not stopped, so slaBreachedSQL is "past the instant it breaches
		// at", which knows paused clocks.
		open, openArgs = append(open, "c.stopped_at IS NULL", slaBreachedSQL), append(openArgs, now)
		sql = `SELECT code, SUM(met) AS met, SUM(missed) AS breached, SUM(pending) AS running FROM (
    SELECT code, met, missed, pending FROM sla_counts` + whereSQL(rolled) + `
    UNION ALL
    SELECT c.code, 0, 1, -1 FROM sla_clocks c` + join + whereSQL(open) + `
) x GROUP BY code ORDER BY code`
		args = append(args, openArgs...)
	default:
		var where []string
		if q.From != nil {
			where, args = append(where, "t.opened_at >= ?"), append(args, utc(*q.From))
		}
		if q.To != nil {
			where, args = append(where, "t.opened_at < ?"), append(args, utc(*q.To))
		}
		if q.EnteCode != "" {
			where, args = append(where, "t.ente_code = ?"), append(args, q.EnteCode)
		}
		sql = `SELECT c.code,
    ` + slaCountsSQL + `
FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id` + whereSQL(where) + `
GROUP BY c.code ORDER BY c.code`
		args = append([]any{now, now}, args...)
	}
	var rows []slaCountsRow
	if err := s.conn(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.SLACounts, 0, len(rows))
	for _, r := range rows {
		if r.Met+r.Breached+r.Running == 0 {
			continue // a rollup row left at zero
		}
		out = append(out, domain.SLACounts{Code: domain.SLACode(r.Code), Met: r.Met, Breached: r.Breached, Running: r.Running})
	}
	return out, nil
}
