package repository

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

// Rome is where the centre's reports count years and months.
var rome = mustLoadRome()

func mustLoadRome() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic("Europe/Rome time zone missing: import time/tzdata in main: " + err.Error())
	}
	return loc
}

type ticketRow struct {
	ID          int64 `gorm:"primaryKey"`
	EnteCode    string
	Subject     string
	Description string
	Service     string
	Channel     string
	Level       int
	Status      string
	AssigneeID  *int64
	OpenedBy    *int64
	OpenedAt    time.Time
	OpenedYear  int
	OpenedMonth int
	UpdatedAt   time.Time `gorm:"autoUpdateTime:false"`
	ClosedAt    *time.Time
	Reason      string
	ExternalID  *string
	Version     int
}

func (ticketRow) TableName() string { return "tickets" }

type clockRow struct {
	TicketID       int64  `gorm:"primaryKey"`
	Code           string `gorm:"primaryKey"`
	TargetSeconds  int64
	Basis          string
	StartedAt      time.Time
	Deadline       time.Time
	StoppedAt      *time.Time
	ElapsedSeconds int64
}

func (clockRow) TableName() string { return "sla_clocks" }

type eventRow struct {
	ID         int64 `gorm:"primaryKey"`
	TicketID   int64
	Action     string
	ActorID    *int64
	ActorName  string
	At         time.Time
	Body       string
	Internal   bool
	FromStatus string
	ToStatus   string
	FromLevel  int
	ToLevel    int
}

func (eventRow) TableName() string { return "ticket_events" }

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utc(*t)
	return &u
}

func nonZero(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func toTicketRow(t domain.Ticket) ticketRow {
	local := t.OpenedAt.In(rome)
	r := ticketRow{
		ID: t.ID, EnteCode: t.EnteCode, Subject: t.Subject, Description: t.Description,
		Service: t.Service, Channel: string(t.Channel), Level: int(t.Level), Status: string(t.Status),
		AssigneeID: t.AssigneeID, OpenedBy: nonZero(t.OpenedBy), OpenedAt: utc(t.OpenedAt),
		OpenedYear: local.Year(), OpenedMonth: int(local.Month()), UpdatedAt: utc(t.UpdatedAt),
		ClosedAt: utcPtr(t.ClosedAt), Reason: t.Reason, Version: t.Version,
	}
	if t.ExternalID != "" {
		r.ExternalID = &t.ExternalID
	}
	return r
}

func (r ticketRow) toDomain(clocks []clockRow) domain.Ticket {
	t := domain.Ticket{
		ID: r.ID, EnteCode: r.EnteCode, Subject: r.Subject, Description: r.Description,
		Service: r.Service, Channel: domain.Channel(r.Channel), Level: domain.Level(r.Level),
		Status: domain.Status(r.Status), AssigneeID: r.AssigneeID, OpenedBy: deref(r.OpenedBy),
		OpenedAt: r.OpenedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ClosedAt: utcPtr(r.ClosedAt),
		Reason: r.Reason, ExternalID: deref(r.ExternalID), Version: r.Version,
	}
	for _, c := range clocks {
		t.Clocks = append(t.Clocks, c.toDomain())
	}
	return t
}

func toClockRow(ticketID int64, c domain.SLAClock) clockRow {
	return clockRow{
		TicketID: ticketID, Code: string(c.Code), TargetSeconds: int64(c.Target / time.Second),
		Basis: string(c.Basis), StartedAt: utc(c.StartedAt), Deadline: utc(c.Deadline),
		StoppedAt: utcPtr(c.StoppedAt), ElapsedSeconds: int64(c.Elapsed / time.Second),
	}
}

func (r clockRow) toDomain() domain.SLAClock {
	return domain.SLAClock{
		Code: domain.SLACode(r.Code), Target: time.Duration(r.TargetSeconds) * time.Second,
		Basis: domain.Basis(r.Basis), StartedAt: r.StartedAt.UTC(), Deadline: r.Deadline.UTC(),
		StoppedAt: utcPtr(r.StoppedAt), Elapsed: time.Duration(r.ElapsedSeconds) * time.Second,
	}
}

func toEventRow(e domain.Event) eventRow {
	return eventRow{
		ID: e.ID, TicketID: e.TicketID, Action: string(e.Action), ActorID: nonZero(e.ActorID),
		ActorName: e.ActorName, At: utc(e.At), Body: e.Body, Internal: e.Internal,
		FromStatus: string(e.FromStatus), ToStatus: string(e.ToStatus),
		FromLevel: int(e.FromLevel), ToLevel: int(e.ToLevel),
	}
}

func (r eventRow) toDomain() domain.Event {
	return domain.Event{
		ID: r.ID, TicketID: r.TicketID, Action: domain.Action(r.Action), ActorID: deref(r.ActorID),
		ActorName: r.ActorName, At: r.At.UTC(), Body: r.Body, Internal: r.Internal,
		FromStatus: domain.Status(r.FromStatus), ToStatus: domain.Status(r.ToStatus),
		FromLevel: domain.Level(r.FromLevel), ToLevel: domain.Level(r.ToLevel),
	}
}

// CreateTicket stores a new ticket with its clocks and its opening event.
func (s *Store) CreateTicket(ctx context.Context, t domain.Ticket, opened domain.Event) (domain.Ticket, error) {
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		row := toTicketRow(t)
		if err := db.Create(&row).Error; err != nil {
			return translate(err)
		}
		t.ID = row.ID
		if err := s.insertClocks(db, t); err != nil {
			return err
		}
		opened.TicketID = t.ID
		ev := toEventRow(opened)
		return translate(db.Create(&ev).Error)
	})
	return t, err
}

func (s *Store) insertClocks(db *gorm.DB, t domain.Ticket) error {
	if len(t.Clocks) == 0 {
		return nil
	}
	rows := make([]clockRow, len(t.Clocks))
	for i, c := range t.Clocks {
		rows[i] = toClockRow(t.ID, c)
	}
	return translate(db.Create(&rows).Error)
}

// GetTicket returns one ticket with its SLA clocks.
func (s *Store) GetTicket(ctx context.Context, id int64) (domain.Ticket, error) {
	return s.getTicket(s.conn(ctx), id, false)
}

// getTicket reads a ticket and its clocks; lock holds the ticket's row
// until the transaction ends.
func (s *Store) getTicket(db *gorm.DB, id int64, lock bool) (domain.Ticket, error) {
	var row ticketRow
	q := db
	if lock {
		q = s.forUpdate(db)
	}
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		if err == gorm.ErrRecordNotFound {
			return domain.Ticket{}, notFound("ticket %d not found", id)
		}
		return domain.Ticket{}, translate(err)
	}
	var clocks []clockRow
	if err := db.Where("ticket_id = ?", id).Order("code").Find(&clocks).Error; err != nil {
		return domain.Ticket{}, translate(err)
	}
	return row.toDomain(clocks), nil
}

// UpdateTicket locks the ticket, lets fn change it and name the event that
// records the change, and saves both in one transaction.
func (s *Store) UpdateTicket(ctx context.Context, id int64, fn func(*domain.Ticket) (domain.Event, error)) (domain.Ticket, domain.Event, error) {
	var (
		t  domain.Ticket
		ev domain.Event
	)
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var err error
		if t, err = s.getTicket(db, id, true); err != nil {
			return err
		}
		before := t.Version
		if ev, err = fn(&t); err != nil {
			return err
		}
		row := toTicketRow(t)
		res := db.Model(&ticketRow{}).Where("id = ? AND version = ?", id, before).Select("*").Omit("id", "opened_year", "opened_month").Updates(&row)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.CodePreconditionFailed, "ticket %d was changed by someone else; read it again", id)
		}
		for _, c := range t.Clocks {
			cr := toClockRow(id, c)
			if err := db.Model(&clockRow{}).Where("ticket_id = ? AND code = ?", id, cr.Code).
				Updates(map[string]any{"stopped_at": cr.StoppedAt, "elapsed_seconds": cr.ElapsedSeconds}).Error; err != nil {
				return translate(err)
			}
		}
		er := toEventRow(ev)
		if err := db.Create(&er).Error; err != nil {
			return translate(err)
		}
		ev.ID = er.ID
		return nil
	})
	return t, ev, err
}

// TicketEvents returns a ticket's history, oldest first.
func (s *Store) TicketEvents(ctx context.Context, ticketID int64) ([]domain.Event, error) {
	var rows []eventRow
	if err := s.conn(ctx).Where("ticket_id = ?", ticketID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Event, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// ListTickets returns one page of tickets, newest first unless asked
// otherwise, after the cursor.
func (s *Store) ListTickets(ctx context.Context, f domain.TicketFilter) (domain.TicketPage, error) {
	db := s.conn(ctx)
	q := s.filterTickets(db.Model(&ticketRow{}), f)
	var page domain.TicketPage
	if f.After == nil {
		var n int64
		sub := s.filterTickets(db.Model(&ticketRow{}), f).Select("1").Limit(domain.TotalLimit + 1)
		if err := db.Table("(?) AS capped", sub).Count(&n).Error; err != nil {
			return page, translate(err)
		}
		total := int(min(n, domain.TotalLimit))
		page.Total, page.TotalCapped = &total, n > domain.TotalLimit
	}
	op, dir := "<", "DESC"
	if f.Ascending {
		op, dir = ">", "ASC"
	}
	if f.After != nil {
		a := utc(f.After.OpenedAt)
		q = q.Where("(opened_at "+op+" ? OR (opened_at = ? AND id "+op+" ?))", a, a, f.After.ID)
	}
	var rows []ticketRow
	if err := q.Order("opened_at " + dir + ", id " + dir).Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return page, translate(err)
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		page.Next = &domain.TicketCursor{OpenedAt: last.OpenedAt.UTC(), ID: last.ID}
	}
	clocks, err := s.clocksOf(db, rows)
	if err != nil {
		return page, err
	}
	page.Tickets = make([]domain.Ticket, len(rows))
	for i, r := range rows {
		page.Tickets[i] = r.toDomain(clocks[r.ID])
	}
	return page, nil
}

func (s *Store) clocksOf(db *gorm.DB, rows []ticketRow) (map[int64][]clockRow, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var clocks []clockRow
	if err := db.Where("ticket_id IN ?", ids).Order("ticket_id, code").Find(&clocks).Error; err != nil {
		return nil, translate(err)
	}
	by := make(map[int64][]clockRow, len(rows))
	for _, c := range clocks {
		by[c.TicketID] = append(by[c.TicketID], c)
	}
	return by, nil
}

func (s *Store) filterTickets(q *gorm.DB, f domain.TicketFilter) *gorm.DB {
	if f.EnteCode != "" {
		q = q.Where("ente_code = ?", f.EnteCode)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if f.Level != 0 {
		q = q.Where("level = ?", int(f.Level))
	}
	if f.Service != "" {
		q = q.Where("service = ?", f.Service)
	}
	if f.AssigneeID != nil {
		q = q.Where("assignee_id = ?", *f.AssigneeID)
	}
	if f.OpenedFrom != nil {
		q = q.Where("opened_at >= ?", utc(*f.OpenedFrom))
	}
	if f.OpenedTo != nil {
		q = q.Where("opened_at < ?", utc(*f.OpenedTo))
	}
	if f.Text != "" {
		q = q.Where("LOWER(subject) LIKE ? ESCAPE '\\'", "%"+escapeLike(strings.ToLower(f.Text))+"%")
	}
	if f.SLACode != "" || f.SLAState != "" || f.SLADueBefore != nil {
		cond, args := "c.ticket_id = tickets.id", []any{}
		if f.SLACode != "" {
			cond += " AND c.code = ?"
			args = append(args, string(f.SLACode))
		}
		now := utc(f.Now)
		switch f.SLAState {
		case domain.SLARunning:
			cond += " AND c.stopped_at IS NULL AND c.deadline >= ?"
			args = append(args, now)
		case domain.SLABreached:
			cond += " AND ((c.stopped_at IS NULL AND c.deadline < ?) OR c.stopped_at > c.deadline)"
			args = append(args, now)
		case domain.SLAMet:
			cond += " AND c.stopped_at IS NOT NULL AND c.stopped_at <= c.deadline"
		}
		if f.SLADueBefore != nil {
			cond += " AND c.deadline < ?"
			args = append(args, utc(*f.SLADueBefore))
		}
		q = q.Where("EXISTS (SELECT 1 FROM sla_clocks c WHERE "+cond+")", args...)
	}
	return q
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
