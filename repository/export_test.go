package repository

import (
	"context"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/migrations"
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

// MigrateDownTo rolls the schema back to version v, for tests of a
// migration's backfill: roll back, then Migrate again.
func (s *Store) MigrateDownTo(ctx context.Context, v int64) error {
	d := goose.DialectSQLite3
	if s.postgres {
		d = goose.DialectPostgres
	}
	p, err := goose.NewProvider(d, s.sqlDB, migrations.For(s.Dialect()))
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, v)
	return err
}
