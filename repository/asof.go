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

// slaAsOfSQL counts the clocks of a period as they stood at q.Now: a
// clock started later does not exist yet, and a stop after q.Now has not
// happened yet, so that clock was running then, or breached if its
// deadline had passed. The stop is masked in a subquery, so the counting
// is slaCountsSQL, the one SQL form of the rule. The period is the
// clocks' start, which is the opening of their ticket; the deadline is the
// clock's current one.
func slaAsOfSQL(q domain.SLAStatsQuery) (string, []any) {
	at := utc(q.Now)
	args := []any{at, at, at}
	join := ""
	if q.EnteCode != "" {
		join = " JOIN tickets t ON t.id = c.ticket_id AND t.ente_code = ?"
		args = append(args, q.EnteCode)
	}
	where := []string{"c.started_at <= ?"}
	args = append(args, at)
	if q.From != nil {
		where, args = append(where, "c.started_at >= ?"), append(args, utc(*q.From))
	}
	if q.To != nil {
		where, args = append(where, "c.started_at < ?"), append(args, utc(*q.To))
	}
	return `SELECT c.code,
    ` + slaCountsSQL + `
FROM (SELECT c.code, c.deadline, CASE WHEN c.stopped_at <= ? THEN c.stopped_at END AS stopped_at
    FROM sla_clocks c` + join + whereSQL(where) + `) c
GROUP BY c.code ORDER BY c.code`, args
}
