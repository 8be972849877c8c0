package repository

import (
	"context"
	"errors"
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

// ReinsertClock deletes one clock and inserts it again with the given
// deadline and stop, so that the rollup triggers of migration 00004 see a
// delete and an insert.
func (s *Store) ReinsertClock(ctx context.Context, ticketID int64, code domain.SLACode, deadline time.Time, stopped *time.Time) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		var row clockRow
		if err := s.conn(ctx).Where("ticket_id = ? AND code = ?", ticketID, string(code)).Take(&row).Error; err != nil {
			return translate(err)
		}
		if err := s.conn(ctx).Exec("DELETE FROM sla_clocks WHERE ticket_id = ? AND code = ?", ticketID, string(code)).Error; err != nil {
			return translate(err)
		}
		var st any
		if stopped != nil {
			st = utc(*stopped)
		}
		return translate(s.conn(ctx).Exec("INSERT INTO sla_clocks (ticket_id, code, target_seconds, basis, started_at, deadline, stopped_at, elapsed_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			ticketID, string(code), row.TargetSeconds, row.Basis, utc(row.StartedAt), utc(deadline), st, row.ElapsedSeconds).Error)
	})
}

// errUndo rolls back WithoutClock's transaction.
var errUndo = errors.New("undo")

// WithoutClock deletes one clock, calls fn in the same transaction (so it
// sees what the delete triggers did), then rolls everything back.
func (s *Store) WithoutClock(ctx context.Context, ticketID int64, code domain.SLACode, fn func(ctx context.Context) error) error {
	err := s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Exec("DELETE FROM sla_clocks WHERE ticket_id = ? AND code = ?", ticketID, string(code)).Error; err != nil {
			return translate(err)
		}
		if err := fn(ctx); err != nil {
			return err
		}
		return errUndo
	})
	if errors.Is(err, errUndo) {
		return nil
	}
	return err
}

// RollupSLACounts reads the rollup row the triggers keep for a ticket's
// year, ente and clock code.
func (s *Store) RollupSLACounts(ctx context.Context, ticketID int64, code domain.SLACode) (met, missed, pending int64, err error) {
	var row struct{ Met, Missed, Pending int64 }
	err = s.conn(ctx).Raw(`SELECT COALESCE(SUM(sc.met), 0) AS met, COALESCE(SUM(sc.missed), 0) AS missed, COALESCE(SUM(sc.pending), 0) AS pending
		FROM sla_counts sc JOIN tickets t ON t.opened_year = sc.opened_year AND t.ente_code = sc.ente_code
		WHERE t.id = ? AND sc.code = ?`, ticketID, string(code)).Scan(&row).Error
	return row.Met, row.Missed, row.Pending, translate(err)
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

// GetTicketThroughDriver reads a ticket as GetTicket does inside a
// transaction: through GORM and database/sql, not the read pool's
// compiled statements.
func (s *Store) GetTicketThroughDriver(ctx context.Context, id int64) (domain.Ticket, error) {
	return s.getTicket(s.db.WithContext(ctx), id, false)
}

// ReaderStatements counts the statements compiled on SQLite's read pool;
// -1 when the store does not compile them.
func (s *Store) ReaderStatements() int {
	if s.stmts == nil {
		return -1
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	n := 0
	for _, m := range s.stmts.byConn {
		n += len(m)
	}
	return n
}

// StateRange is one stored validity range of a ticket's state.
type StateRange struct {
	Status    string
	Level     int
	ValidFrom time.Time
	ValidTo   time.Time // zero while current
}

// TicketStates returns the ranges stored for a ticket, and those its
// history gives (statesOf, what the import and the backfill write), oldest
// first.
func (s *Store) TicketStates(ctx context.Context, id int64) (stored, fromHistory []StateRange, err error) {
	var rows []stateRow
	if err := s.conn(ctx).Where("ticket_id = ?", id).Order("valid_from, id").Find(&rows).Error; err != nil {
		return nil, nil, translate(err)
	}
	t, err := s.GetTicket(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	evs, err := s.TicketEvents(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	conv := func(rs []stateRow) []StateRange {
		out := make([]StateRange, len(rs))
		for i, r := range rs {
			out[i] = StateRange{Status: r.Status, Level: r.Level, ValidFrom: r.ValidFrom.UTC()}
			if r.ValidTo != nil {
				out[i].ValidTo = r.ValidTo.UTC()
			}
		}
		return out
	}
	return conv(rows), conv(statesOf(toTicketRow(t), evs)), nil
}
