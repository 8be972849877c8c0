package repository

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

// WatchedClocks returns the next page, after key, of the running clocks
// of open tickets whose breach has not been noticed yet and which may be
// due a notice at now: past their deadline, or not warned and past
// domain.SLAClock.WarningFrom for share. The sweeper decides on each; a
// clock well within its target is not read at all, so a sweep reads what
// may be due, not the whole open queue. Pages come in deadline order
// (domain.ClockKey); the sweeper's notes take clocks out of the set, which
// keyset paging is indifferent to.
func (s *Store) WatchedClocks(ctx context.Context, now time.Time, share float64, after domain.ClockKey, limit int) ([]domain.WatchedClock, error) {
	// The warning's bound, in each dialect: started_at + share x target
	// <= now. A second's slack keeps the rounding of the SQL arithmetic on
	// the side of reading a clock.
	warnFrom := "c.started_at + c.target_seconds * CAST(? AS double precision) * interval '1 second' <= ?"
	if !s.postgres {
		warnFrom = "julianday(c.started_at) + c.target_seconds * ? / 86400.0 <= julianday(?)"
	}
	var rows []struct {
		Clock    clockRow `gorm:"embedded"`
		EnteCode string
		WarnedAt *time.Time
	}
	at, slack := utc(now), utc(now.Add(time.Second))
	err := s.conn(ctx).Table("sla_clocks AS c").
		Select("c.*, t.ente_code").
		Joins("JOIN tickets t ON t.id = c.ticket_id").
		Where("c.stopped_at IS NULL AND c.breach_noticed_at IS NULL AND t.status IN ?",
			[]string{string(domain.StatusNuovo), string(domain.StatusAperto)}).
		Where("c.deadline <= ? OR (c.warned_at IS NULL AND "+warnFrom+")", at, share, slack).
		Where("(c.deadline > ? OR (c.deadline = ? AND (c.ticket_id > ? OR (c.ticket_id = ? AND c.code > ?))))",
			utc(after.Deadline), utc(after.Deadline), after.TicketID, after.TicketID, string(after.Code)).
		Order("c.deadline, c.ticket_id, c.code").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]domain.WatchedClock, len(rows))
	for i, r := range rows {
		out[i] = domain.WatchedClock{TicketID: r.Clock.TicketID, EnteCode: r.EnteCode, Clock: r.Clock.toDomain(), Warned: r.WarnedAt != nil}
	}
	return out, nil
}

// NoteClock records a warning or a breach of one clock once: the clock's
// mark is set only where it was unset, and only then is the ticket event
// written and its notice enqueued, in one transaction. It reports whether
// this call recorded it (false when another sweep already had).
func (s *Store) NoteClock(ctx context.Context, ticketID int64, code domain.SLACode, ev domain.Event) (bool, error) {
	col := "warned_at"
	if ev.Action == domain.ActionSLABreached {
		col = "breach_noticed_at"
	}
	noted := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		at := utc(ev.At)
		set := map[string]any{col: at}
		if col == "breach_noticed_at" {
			// A breach also ends any warning still to come.
			set["warned_at"] = gorm.Expr("COALESCE(warned_at, ?)", at)
		}
		res := db.Model(&clockRow{}).Where("ticket_id = ? AND code = ? AND "+col+" IS NULL", ticketID, string(code)).Updates(set)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		t, err := s.getTicket(db, ticketID, false)
		if err != nil {
			return err
		}
		ev.TicketID = ticketID
		er := toEventRow(ev)
		if err := db.Create(&er).Error; err != nil {
			return translate(err)
		}
		ev.ID = er.ID
		noted = true
		c, _ := t.Clock(code)
		et := domain.EventSLAWarning
		if ev.Action == domain.ActionSLABreached {
			et = domain.EventSLABreached
		}
		return s.publish(ctx, []domain.Notice{{Type: et, At: ev.At, Ticket: &t, Event: &ev, Clock: &c}})
	})
	return noted, err
}
