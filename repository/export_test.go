package repository

import (
	"context"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// SetClock rewrites one clock's deadline and stop, for tests that need
// clocks at exact instants.
func (s *Store) SetClock(ctx context.Context, ticketID int64, code domain.SLACode, deadline time.Time, stopped *time.Time) error {
	var st any
	if stopped != nil {
		st = utc(*stopped)
	}
	return translate(s.conn(ctx).Exec("UPDATE sla_clocks SET deadline = ?, stopped_at = ? WHERE ticket_id = ? AND code = ?",
		utc(deadline), st, ticketID, string(code)).Error)
}

// SLAStatesSQL answers, for one clock, which of the SQL state fragments
// hold at now, and the state the SLA report's counting expression gives.
func (s *Store) SLAStatesSQL(ctx context.Context, ticketID int64, code domain.SLACode, now time.Time) (holds []domain.SLAState, counted domain.SLAState, err error) {
	for _, f := range []struct {
		state domain.SLAState
		sql   string
		args  []any
	}{
		{domain.SLAMet, slaMetSQL, nil},
		{domain.SLABreached, slaBreachedSQL, []any{utc(now)}},
		{domain.SLARunning, slaRunningSQL, []any{utc(now)}},
	} {
		var n int64
		args := append(append([]any{}, f.args...), ticketID, string(code))
		if err := s.conn(ctx).Raw("SELECT COUNT(*) FROM sla_clocks c WHERE "+f.sql+" AND c.ticket_id = ? AND c.code = ?", args...).Scan(&n).Error; err != nil {
			return nil, "", translate(err)
		}
		if n > 0 {
			holds = append(holds, f.state)
		}
	}
	var row struct{ Met, Breached, Running int64 }
	if err := s.conn(ctx).Raw("SELECT "+slaCountsSQL+" FROM sla_clocks c WHERE c.ticket_id = ? AND c.code = ?",
		utc(now), utc(now), ticketID, string(code)).Scan(&row).Error; err != nil {
		return nil, "", translate(err)
	}
	switch {
	case row.Met+row.Breached+row.Running != 1:
		counted = "counted more or less than once"
	case row.Met == 1:
		counted = domain.SLAMet
	case row.Breached == 1:
		counted = domain.SLABreached
	default:
		counted = domain.SLARunning
	}
	return holds, counted, nil
}

// SetInterventionTimes rewrites an intervention's status, deadline and
// completion, for tests that need them at exact instants.
func (s *Store) SetInterventionTimes(ctx context.Context, id int64, status domain.InterventionStatus, deadline time.Time, completed *time.Time) error {
	var c any
	if completed != nil {
		c = utc(*completed)
	}
	return translate(s.conn(ctx).Exec("UPDATE interventions SET status = ?, deadline = ?, completed_at = ? WHERE id = ?",
		string(status), utc(deadline), c, id).Error)
}

// SetPause rewrites the pause of one clock (ticketID > 0) or of an
// intervention (interventionID > 0), for tests that need pauses at exact
// instants; nil ends it.
func (s *Store) SetPause(ctx context.Context, ticketID int64, code domain.SLACode, interventionID int64, p *domain.Pause) error {
	c := toPauseCols(p, 0)
	set := "paused_since = ?, pause_until = ?, pause_until_deadline = ?"
	args := []any{c.PausedSince, c.PauseUntil, c.PauseUntilDeadline}
	if ticketID > 0 {
		return translate(s.conn(ctx).Exec("UPDATE sla_clocks SET "+set+" WHERE ticket_id = ? AND code = ?", append(args, ticketID, string(code))...).Error)
	}
	return translate(s.conn(ctx).Exec("UPDATE interventions SET "+set+" WHERE id = ?", append(args, interventionID)...).Error)
}
