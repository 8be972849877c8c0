package repository

import (
	"time"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

// stateRow is one validity range of a ticket's status and level (migration
// 00012): the state held from ValidFrom until ValidTo, nil while current.
// The ticket's fixed group columns come along, so as-of reports read this
// table alone.
type stateRow struct {
	ID          int64 `gorm:"primaryKey"`
	TicketID    int64
	Status      string
	Level       int
	ValidFrom   time.Time
	ValidTo     *time.Time
	EnteCode    string
	Service     string
	Channel     string
	OpenedAt    time.Time
	OpenedYear  int
	OpenedMonth int
}

func (stateRow) TableName() string { return "ticket_states" }

// stateInsertColumns and (stateRow).insertValues are what the
// one-statement create and update write of a new range, in this order.
const stateInsertColumns = "ticket_id, status, level, valid_from, ente_code, service, channel, opened_at, opened_year, opened_month"

func (r stateRow) insertValues() []any {
	return []any{r.TicketID, r.Status, r.Level, r.ValidFrom, r.EnteCode, r.Service, r.Channel, r.OpenedAt, r.OpenedYear, r.OpenedMonth}
}

// stateFrom is the range an event begins.
func stateFrom(r ticketRow, ev domain.Event) stateRow {
	return stateRow{
		TicketID: r.ID, Status: string(ev.ToStatus), Level: int(ev.ToLevel), ValidFrom: utc(ev.At),
		EnteCode: r.EnteCode, Service: r.Service, Channel: r.Channel,
		OpenedAt: r.OpenedAt, OpenedYear: r.OpenedYear, OpenedMonth: r.OpenedMonth,
	}
}

// statesOf are the ranges of a history, oldest first: each event that
// changes the state ends the range before it.
func statesOf(r ticketRow, events []domain.Event) []stateRow {
	var out []stateRow
	for _, ev := range events {
		if !ev.ChangesState() {
			continue
		}
		if n := len(out); n > 0 {
			at := utc(ev.At)
			out[n-1].ValidTo = &at
		}
		out = append(out, stateFrom(r, ev))
	}
	return out
}

// moveState closes the ticket's current range and begins the next when
// the event changes its state; called inside the event's transaction.
func moveState(db *gorm.DB, r ticketRow, ev domain.Event) error {
	if !ev.ChangesState() {
		return nil
	}
	if err := db.Model(&stateRow{}).Where("ticket_id = ? AND valid_to IS NULL", r.ID).
		Update("valid_to", utc(ev.At)).Error; err != nil {
		return translate(err)
	}
	next := stateFrom(r, ev)
	return translate(db.Create(&next).Error)
}
