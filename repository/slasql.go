package repository

// The SQL form of domain.SLAClock.State, for a clock aliased c. Each rule is
// written once here; the ticket list filters and the SLA report use these
// fragments, and TestSLAStateSQLMatchesDomain compares every one with the
// domain's answer at deadline −1 µs, = and +1 µs on both databases. A
// fragment with a ? takes the instant the state is judged at.
const (
	// slaMetSQL: stopped by the deadline (a stop at the deadline is met).
	slaMetSQL = "(c.stopped_at IS NOT NULL AND c.stopped_at <= c.deadline)"
	// slaBreachedSQL: stopped after the deadline, or still running past it.
	slaBreachedSQL = "((c.stopped_at IS NULL AND c.deadline < ?) OR c.stopped_at > c.deadline)"
	// slaRunningSQL: not stopped and not yet past the deadline.
	slaRunningSQL = "(c.stopped_at IS NULL AND c.deadline >= ?)"
)

// slaCountsSQL counts the clocks of a group by state at one instant (two
// arguments: that instant, twice).
const slaCountsSQL = `SUM(CASE WHEN ` + slaMetSQL + ` THEN 1 ELSE 0 END) AS met,
    SUM(CASE WHEN ` + slaBreachedSQL + ` THEN 1 ELSE 0 END) AS breached,
    SUM(CASE WHEN ` + slaRunningSQL + ` THEN 1 ELSE 0 END) AS running`

// The SQL form of domain.Intervention.OnTime and Overdue, on the
// interventions table; TestInterventionTimeSQLMatchesDomain compares them
// with the domain at deadline −1 µs, = and +1 µs on both databases.
const (
	// ivOnTimeSQL: completed by the deadline.
	ivOnTimeSQL = "(status = 'completed' AND completed_at <= deadline)"
	// ivOverdueSQL: open past the deadline (arguments: the open statuses,
	// the instant it is judged at).
	ivOverdueSQL = "(status IN ? AND deadline < ?)"
)
