package repository

// The SQL form of domain.SLAClock.State, for a clock aliased c. Each rule is
// written once here; the ticket list filters and the SLA report use these
// fragments, and TestSLAStateSQLMatchesDomain compares every one with the
// domain's answer at deadline −1 µs, = and +1 µs on both databases, for
// running, paused and stopped clocks. A fragment with a ? takes the
// instant the state is judged at.
const (
	// slaBreachAtSQL is domain.SLAClock.BreachAt: the deadline when not
	// paused; while paused, the deadline the pause leads to at its end,
	// NULL (never) for a pause without an end.
	slaBreachAtSQL = "(CASE WHEN c.paused_since IS NULL THEN c.deadline ELSE c.pause_until_deadline END)"
	// slaMetSQL: stopped by the deadline (a stop at the deadline is met);
	// a stop ends any pause and moves the deadline first.
	slaMetSQL = "(c.stopped_at IS NOT NULL AND c.stopped_at <= c.deadline)"
	// slaBreachedSQL: stopped after the deadline, or not stopped and past
	// the instant it breaches at; a paused clock never is while paused.
	slaBreachedSQL = "((c.stopped_at IS NULL AND COALESCE(" + slaBreachAtSQL + " < ?, FALSE)) OR c.stopped_at > c.deadline)"
	// slaRunningSQL: not stopped and not yet past that instant.
	slaRunningSQL = "(c.stopped_at IS NULL AND NOT COALESCE(" + slaBreachAtSQL + " < ?, FALSE))"
	// slaDueBeforeSQL: a clock that breaches before the instant (a clock
	// paused without an end is due never).
	slaDueBeforeSQL = slaBreachAtSQL + " < ?"
)

// waitingSQL is domain.Waiting.Active on tickets or interventions: a wait
// holds until its until, if it has one (argument: the instant).
const waitingSQL = "(waiting_since IS NOT NULL AND (wait_until IS NULL OR wait_until > ?))"

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
	// ivOverdueSQL: open past the instant it breaches at, which a pause
	// moves as for SLA clocks (arguments: the open statuses, the instant it
	// is judged at).
	ivOverdueSQL = "(status IN ? AND COALESCE((CASE WHEN paused_since IS NULL THEN deadline ELSE pause_until_deadline END) < ?, FALSE))"
)
