package repository

import (
	"slices"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// Reports as at an instant. The ticket figures start from the current
// ones, read as the plain report reads them (a rollup or the tickets
// table), and correct them by the validity ranges of ticket_states (00012)
// that differ at the instant: a current range begun after it takes its
// ticket out of the group it is in now (or out of the report, when the
// ticket was opened later), and a closed range that held at the instant
// puts the ticket back in the group it was in then. Both sets are read per
// year of opening by partial indexes and are small when the instant is
// late in the years read, so an as-of report costs little more than the
// plain one. TestAsOfMatchesRanges compares this with a direct count of
// the ranges valid at the instant.

// asOfCounts is the select of the status counts of cols (without GROUP BY)
// over the current figures of table (n: what a row counts for) corrected
// to asOf. where and args filter table; the same conditions filter the
// ranges, which also take years (nil: no bound) for their indexes.
func asOfCounts(cols, table, n string, where []string, args []any, years []int, asOf time.Time) (string, []any) {
	inner := innerColumns(cols)
	cond, condArgs := where, args
	if years != nil {
		cond, condArgs = append(slices.Clip(where), "opened_year IN ?"), append(slices.Clip(args), years)
	}
	at := utc(asOf)
	begun := append(slices.Clip(cond), "valid_to IS NULL", "valid_from > ?")
	ended := append(slices.Clip(cond), "valid_to IS NOT NULL", "valid_to > ?", "valid_from <= ?")
	sql := selectCounts(cols, "n") + " FROM (" +
		"SELECT " + inner + ", " + n + " AS n FROM " + table + whereSQL(where) +
		" UNION ALL SELECT " + inner + ", -1 FROM ticket_states" + whereSQL(begun) +
		" UNION ALL SELECT " + inner + ", 1 FROM ticket_states" + whereSQL(ended) + ") x"
	out := append(append(append([]any{}, args...), condArgs...), at)
	return sql, append(append(out, condArgs...), at, at)
}

// innerColumns are the group columns and status, once each.
func innerColumns(cols string) string {
	var out []string
	if cols != "" {
		out = strings.Split(cols, ", ")
	}
	if !slices.Contains(out, "status") {
		out = append(out, "status")
	}
	return strings.Join(out, ", ")
}

// yearsBetween lists the years of opening (Rome) a period [from, to) can
// hold, for the range indexes; nil when a bound is open or the list would
// be long.
func yearsBetween(from, to *time.Time) []int {
	if from == nil || to == nil {
		return nil
	}
	first, last := from.In(rome).Year(), to.Add(-time.Nanosecond).In(rome).Year()
	if last < first || last-first > 50 {
		return nil
	}
	var ys []int
	for y := first; y <= last; y++ {
		ys = append(ys, y)
	}
	return ys
}

// slaAsOfSQL counts the clocks of a period as they stood at q.Now: the
// clocks of a ticket opened later do not exist yet, and a stop after q.Now
// has not happened yet, so that clock was running then, or breached if its
// deadline had passed (the clock's current deadline). The period is the
// opening of the clocks' tickets, as in the plain report; a clock may
// start before (a call received before it was typed in).
//
// For whole years it corrects the rollup of final outcomes (sla_counts) by
// the clocks in flight at the instant (started, not stopped by then),
// found on PostgreSQL by the GiST index of their spans (migration 00012),
// and by the clocks of the tickets opened after it; both are few for an
// instant late in the years read. Otherwise it counts the period's clocks
// with their stops masked, so the counting is slaCountsSQL, the one SQL
// form of the rule. TestAsOfMatchesTheReplayedHistory compares both with
// the domain.
func (s *Store) slaAsOfSQL(q domain.SLAStatsQuery) (string, []any) {
	at := utc(q.Now)
	join, enteArgs := " JOIN tickets t ON t.id = c.ticket_id", []any{}
	if q.EnteCode != "" {
		join, enteArgs = join+" AND t.ente_code = ?", []any{q.EnteCode}
	}
	var period []string
	var periodArgs []any
	if q.From != nil {
		period, periodArgs = append(period, "t.opened_at >= ?"), append(periodArgs, utc(*q.From))
	}
	if q.To != nil {
		period, periodArgs = append(period, "t.opened_at < ?"), append(periodArgs, utc(*q.To))
	}
	if !wholeYears(q.From, q.To) {
		// A pause begun after the instant had not begun then.
		args := append(append([]any{at, at, at, at}, enteArgs...), at)
		return `SELECT c.code,
    ` + slaCountsSQL + `
FROM (SELECT c.code, c.deadline, CASE WHEN c.stopped_at <= ? THEN c.stopped_at END AS stopped_at,
        CASE WHEN c.paused_since <= ? THEN c.paused_since END AS paused_since, c.pause_until_deadline
    FROM sla_clocks c` + join + whereSQL(append([]string{"t.opened_at <= ?"}, period...)) + `) c
GROUP BY c.code ORDER BY c.code`, append(args, periodArgs...)
	}
	var rolled []string
	var args []any
	if q.From != nil {
		rolled, args = append(rolled, "opened_year >= ?"), append(args, q.From.In(rome).Year())
	}
	if q.To != nil {
		rolled, args = append(rolled, "opened_year < ?"), append(args, q.To.In(rome).Year())
	}
	if q.EnteCode != "" {
		rolled, args = append(rolled, "ente_code = ?"), append(args, q.EnteCode)
	}
	inFlight, inFlightArgs := "c.started_at <= ? AND (c.stopped_at IS NULL OR c.stopped_at > ?)", []any{at, at}
	if s.postgres {
		inFlight, inFlightArgs = clockSpanSQL+" @> ?::timestamptz", []any{at}
	}
	inFlight, inFlightArgs = inFlight+" AND t.opened_at <= ?", append(inFlightArgs, at)
	// The final outcome, as the rollup counts it: met, missed, pending.
	final := `CASE WHEN ` + slaMetSQL + ` THEN 1 ELSE 0 END AS m, CASE WHEN c.stopped_at > c.deadline THEN 1 ELSE 0 END AS b,
        CASE WHEN c.stopped_at IS NULL THEN 1 ELSE 0 END AS r`
	sql := `SELECT code, SUM(met) AS met, SUM(breached) AS breached, SUM(running) AS running FROM (
    SELECT code, met, missed AS breached, pending AS running FROM sla_counts` + whereSQL(rolled) + `
    UNION ALL
    SELECT c.code, -m, CASE WHEN c.deadline < ? THEN 1 ELSE 0 END - b, CASE WHEN c.deadline >= ? THEN 1 ELSE 0 END - r
    FROM (SELECT c.code, c.deadline, ` + final + `
        FROM sla_clocks c` + join + whereSQL(append([]string{inFlight}, period...)) + `) c
    UNION ALL
    SELECT c.code, -m, -b, -r
    FROM (SELECT c.code, ` + final + `
        FROM sla_clocks c` + join + whereSQL(append([]string{"t.opened_at > ?"}, period...)) + `) c
) x GROUP BY code ORDER BY code`
	args = append(args, at, at)
	args = append(append(append(args, enteArgs...), inFlightArgs...), periodArgs...)
	args = append(append(append(args, enteArgs...), at), periodArgs...)
	return sql, args
}

// clockSpanSQL is a clock's span, [started_at, stopped_at), unbounded
// while it runs, as the GiST index sla_clocks_span (migration 00012)
// holds it; a stop before the start is an empty span.
const clockSpanSQL = "tstzrange(c.started_at, CASE WHEN c.stopped_at IS NULL THEN NULL ELSE GREATEST(c.stopped_at, c.started_at) END)"
