package repository

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

// WatchedClocks returns the running clocks of open tickets whose breach
// has not been noticed yet: the SLA sweeper's candidates.
func (s *Store) WatchedClocks(ctx context.Context) ([]domain.WatchedClock, error) {
	var rows []struct {
		Clock    clockRow `gorm:"embedded"`
		EnteCode string
		WarnedAt *time.Time
	}
	err := s.conn(ctx).Table("sla_clocks AS sla_clocks").
		Select("sla_clocks.*, t.ente_code").
		Joins("JOIN tickets t ON t.id = sla_clocks.ticket_id").
		Where("sla_clocks.stopped_at IS NULL AND sla_clocks.breach_noticed_at IS NULL AND t.status IN ?",
			[]string{string(domain.StatusNuovo), string(domain.StatusAperto)}).
		Order("sla_clocks.deadline, sla_clocks.ticket_id").Scan(&rows).Error
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
