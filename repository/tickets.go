package repository

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

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
	if s.postgres {
		id, err := createTicketOneStatement(s.conn(ctx), t, opened)
		t.ID = id
		return t, err
	}
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

// createTicketOneStatement writes a ticket, its clocks and its opening
// event in one PostgreSQL statement: one round trip instead of three, and
// atomic without a transaction of its own. Keep its columns in step with
// ticketRow, clockRow and eventRow.
func createTicketOneStatement(db *gorm.DB, t domain.Ticket, opened domain.Event) (int64, error) {
	r, ev := toTicketRow(t), toEventRow(opened)
	var q strings.Builder
	q.WriteString(`WITH t AS (
    INSERT INTO tickets (ente_code, subject, description, service, channel, level, status, assignee_id,
        opened_by, opened_at, opened_year, opened_month, updated_at, closed_at, reason, external_id, version)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    RETURNING id
)`)
	args := []any{r.EnteCode, r.Subject, r.Description, r.Service, r.Channel, r.Level, r.Status, r.AssigneeID,
		r.OpenedBy, r.OpenedAt, r.OpenedYear, r.OpenedMonth, r.UpdatedAt, r.ClosedAt, r.Reason, r.ExternalID, r.Version}
	if len(t.Clocks) > 0 {
		// VALUES does not take its types from the target columns: cast.
		q.WriteString(`, c AS (
    INSERT INTO sla_clocks (ticket_id, code, target_seconds, basis, started_at, deadline, stopped_at, elapsed_seconds)
    SELECT t.id, v.* FROM t, (VALUES `)
		for i, c := range t.Clocks {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?::text, ?::bigint, ?::text, ?::timestamptz, ?::timestamptz, ?::timestamptz, ?::bigint)")
			cr := toClockRow(0, c)
			args = append(args, cr.Code, cr.TargetSeconds, cr.Basis, cr.StartedAt, cr.Deadline, cr.StoppedAt, cr.ElapsedSeconds)
		}
		q.WriteString(`) AS v
)`)
	}
	q.WriteString(`, e AS (
    INSERT INTO ticket_events (ticket_id, action, actor_id, actor_name, at, body, internal,
        from_status, to_status, from_level, to_level)
    SELECT t.id, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? FROM t
)
SELECT id FROM t`)
	args = append(args, ev.Action, ev.ActorID, ev.ActorName, ev.At, ev.Body, ev.Internal,
		ev.FromStatus, ev.ToStatus, ev.FromLevel, ev.ToLevel)
	var id int64
	if err := db.Raw(q.String(), args...).Scan(&id).Error; err != nil {
		return 0, translate(err)
	}
	return id, nil
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

// ticketClockRow is a ticket joined with one of its clocks (nil fields
// when it has none), so that a ticket and its clocks come in one round
// trip.
type ticketClockRow struct {
	Ticket             ticketRow `gorm:"embedded"`
	ClockCode          *string
	ClockTargetSeconds *int64
	ClockBasis         *string
	ClockStartedAt     *time.Time
	ClockDeadline      *time.Time
	ClockStoppedAt     *time.Time
	ClockElapsed       *int64
}

const ticketClockColumns = "t.*, c.code AS clock_code, c.target_seconds AS clock_target_seconds, c.basis AS clock_basis, " +
	"c.started_at AS clock_started_at, c.deadline AS clock_deadline, c.stopped_at AS clock_stopped_at, c.elapsed_seconds AS clock_elapsed"

// getTicket reads a ticket and its clocks in one query; lock holds the
// ticket's row until the transaction ends.
func (s *Store) getTicket(db *gorm.DB, id int64, lock bool) (domain.Ticket, error) {
	q := db.Table("tickets AS t").Select(ticketClockColumns).
		Joins("LEFT JOIN sla_clocks c ON c.ticket_id = t.id").Where("t.id = ?", id).Order("c.code")
	if lock && s.postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "t"}})
	}
	var rows []ticketClockRow
	if err := q.Scan(&rows).Error; err != nil {
		return domain.Ticket{}, translate(err)
	}
	if len(rows) == 0 {
		return domain.Ticket{}, notFound("ticket %d not found", id)
	}
	var clocks []clockRow
	for _, r := range rows {
		if r.ClockCode == nil {
			continue
		}
		clocks = append(clocks, clockRow{
			TicketID: id, Code: *r.ClockCode, TargetSeconds: deref(r.ClockTargetSeconds), Basis: deref(r.ClockBasis),
			StartedAt: deref(r.ClockStartedAt), Deadline: deref(r.ClockDeadline), StoppedAt: r.ClockStoppedAt,
			ElapsedSeconds: deref(r.ClockElapsed),
		})
	}
	return rows[0].Ticket.toDomain(clocks), nil
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
		stopped := clockStops(t.Clocks)
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
			if old, ok := stopped[cr.Code]; ok && sameStop(old, cr) {
				continue // unchanged: an update would only cost a round trip and the rollup trigger
			}
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

// clockStops records each clock's stop as it was read, so that only the
// clocks an action changed are written back.
func clockStops(cs []domain.SLAClock) map[string]clockRow {
	m := make(map[string]clockRow, len(cs))
	for _, c := range cs {
		m[string(c.Code)] = toClockRow(0, c)
	}
	return m
}

func sameStop(a, b clockRow) bool {
	if (a.StoppedAt == nil) != (b.StoppedAt == nil) || a.ElapsedSeconds != b.ElapsedSeconds {
		return false
	}
	return a.StoppedAt == nil || a.StoppedAt.Equal(*b.StoppedAt)
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
		total, capped, err := s.countTickets(db, f)
		if err != nil {
			return page, err
		}
		page.Total, page.TotalCapped = &total, capped
	}
	var rows []ticketRow
	var err error
	if f.ByDue {
		rows, err = s.ticketsByDue(db, f)
	} else {
		rows, page.Next, err = keyset(q, "opened_at", f.Ascending, f.After, f.Limit, func(r ticketRow) (time.Time, int64) { return r.OpenedAt, r.ID })
	}
	if err != nil {
		return page, err
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

// ticketsByDue is one page of a ByDue list: first the tickets with a clock
// not stopped, each at its nearest such deadline, read in order from the
// index sla_clocks_due (the NOT EXISTS keeps one clock per ticket, the
// first by deadline then code); then, when the page has room, the tickets
// without one, newest first.
func (s *Store) ticketsByDue(db *gorm.DB, f domain.TicketFilter) ([]ticketRow, error) {
	if f.After != nil {
		return nil, domain.Invalid("a list by SLA due has one page only", domain.FieldError{Field: "cursor", Detail: "is not allowed when sorting by SLA due"})
	}
	limit := f.Limit
	if limit < 1 || limit > 100 {
		limit = 100
	}
	var rows []ticketRow
	err := s.filterTickets(db.Model(&ticketRow{}), f).Select("tickets.*").
		Joins("JOIN sla_clocks dc ON dc.ticket_id = tickets.id AND dc.stopped_at IS NULL").
		Where("NOT EXISTS (SELECT 1 FROM sla_clocks d2 WHERE d2.ticket_id = dc.ticket_id AND d2.stopped_at IS NULL" +
			" AND (d2.deadline < dc.deadline OR (d2.deadline = dc.deadline AND d2.code < dc.code)))").
		Order("dc.deadline, tickets.id").Limit(limit).Find(&rows).Error
	if err != nil || len(rows) == limit {
		return rows, translate(err)
	}
	var rest []ticketRow
	err = s.filterTickets(db.Model(&ticketRow{}), f).
		Where("NOT EXISTS (SELECT 1 FROM sla_clocks d3 WHERE d3.ticket_id = tickets.id AND d3.stopped_at IS NULL)").
		Order("opened_at DESC, id DESC").Limit(limit - len(rows)).Find(&rest).Error
	return append(rows, rest...), translate(err)
}

// countTickets counts the tickets a filter matches. When the filter names
// only ente, status and level, the rollup table kept by the triggers of
// migration 00004 answers exactly from a few rows; otherwise the count
// stops at domain.TotalLimit, so it never costs more than a bounded index
// range.
func (s *Store) countTickets(db *gorm.DB, f domain.TicketFilter) (total int, capped bool, err error) {
	var n int64
	if f.Service == "" && f.AssigneeID == nil && f.OpenedFrom == nil && f.OpenedTo == nil && f.Text == "" &&
		f.SLACode == "" && f.SLAState == "" && f.SLADueBefore == nil {
		q := db.Table("ticket_counts").Select("COALESCE(SUM(n), 0)")
		if f.EnteCode != "" {
			q = q.Where("ente_code = ?", f.EnteCode)
		}
		if len(f.Statuses) > 0 {
			q = q.Where("status IN ?", f.Statuses)
		}
		if f.Level != 0 {
			q = q.Where("level = ?", int(f.Level))
		}
		if err := q.Scan(&n).Error; err != nil {
			return 0, false, translate(err)
		}
		return int(n), false, nil
	}
	sub := s.filterTickets(db.Model(&ticketRow{}), f).Select("1").Limit(domain.TotalLimit + 1)
	if err := db.Table("(?) AS capped", sub).Count(&n).Error; err != nil {
		return 0, false, translate(err)
	}
	return int(min(n, domain.TotalLimit)), n > domain.TotalLimit, nil
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
			cond += " AND " + slaRunningSQL
			args = append(args, now)
		case domain.SLABreached:
			cond += " AND " + slaBreachedSQL
			args = append(args, now)
		case domain.SLAMet:
			cond += " AND " + slaMetSQL
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
