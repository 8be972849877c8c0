package repository

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
	EnteredAt   *time.Time  // nil: entered when it arrived
	Wait        waitingCols `gorm:"embedded"`
}

func (ticketRow) TableName() string { return "tickets" }

// ticketColumns are the columns of tickets in the order of
// (*ticketRow).fields. GORM maps ticketRow by reflection; the hot paths
// (create, get, actions) read and write these two lists instead, so a new
// column is added to ticketRow, here and in fields, and nowhere else.
var ticketColumns = []string{"id", "ente_code", "subject", "description", "service", "channel", "level", "status",
	"assignee_id", "opened_by", "opened_at", "opened_year", "opened_month", "updated_at", "closed_at", "reason",
	"external_id", "version", "entered_at", "waiting_since", "waiting_on", "wait_until", "wait_reason"}

// fields points at r's fields in the order of ticketColumns, for Scan and
// as statement arguments.
func (r *ticketRow) fields() []any {
	return []any{&r.ID, &r.EnteCode, &r.Subject, &r.Description, &r.Service, &r.Channel, &r.Level, &r.Status,
		&r.AssigneeID, &r.OpenedBy, &r.OpenedAt, &r.OpenedYear, &r.OpenedMonth, &r.UpdatedAt, &r.ClosedAt, &r.Reason,
		&r.ExternalID, &r.Version, &r.EnteredAt, &r.Wait.WaitingSince, &r.Wait.WaitingOn, &r.Wait.WaitUntil, &r.Wait.WaitReason}
}

// ticketValues are r's column values, in the order of ticketColumns,
// without the columns named in skip.
func (r *ticketRow) values(skip ...string) (cols []string, vals []any) {
	for i, f := range r.fields() {
		if slices.Contains(skip, ticketColumns[i]) {
			continue
		}
		cols = append(cols, ticketColumns[i])
		vals = append(vals, pointee(f))
	}
	return cols, vals
}

// pointee is the value a field pointer of a row points at.
func pointee(p any) any {
	switch p := p.(type) {
	case *int64:
		return *p
	case **int64:
		return *p
	case *int:
		return *p
	case *string:
		return *p
	case **string:
		return *p
	case *bool:
		return *p
	case *time.Time:
		return *p
	case **time.Time:
		return *p
	}
	panic(fmt.Sprintf("pointee: unexpected field type %T", p))
}

// waitingCols are the columns of a wait ("in attesa"), on tickets and
// interventions alike.
type waitingCols struct {
	WaitingSince *time.Time
	WaitingOn    string
	WaitUntil    *time.Time
	WaitReason   string
}

func toWaitingCols(w *domain.Waiting) waitingCols {
	if w == nil {
		return waitingCols{}
	}
	return waitingCols{WaitingSince: utcPtr(&w.Since), WaitingOn: string(w.On), WaitUntil: utcPtr(w.Until), WaitReason: w.Reason}
}

func (c waitingCols) toDomain() *domain.Waiting {
	if c.WaitingSince == nil {
		return nil
	}
	return &domain.Waiting{Since: c.WaitingSince.UTC(), On: domain.WaitingOn(c.WaitingOn), Until: utcPtr(c.WaitUntil), Reason: c.WaitReason}
}

// pauseCols are the columns of a clock's pause, on sla_clocks and
// interventions alike.
type pauseCols struct {
	PausedSince        *time.Time
	PauseUntil         *time.Time
	PauseUntilSeconds  int64
	PauseUntilDeadline *time.Time
	PausedSeconds      int64
}

func toPauseCols(p *domain.Pause, paused time.Duration) pauseCols {
	c := pauseCols{PausedSeconds: int64(paused / time.Second)}
	if p != nil {
		c.PausedSince, c.PauseUntil = utcPtr(&p.Since), utcPtr(p.Until)
		if p.Until != nil {
			c.PauseUntilSeconds, c.PauseUntilDeadline = int64(p.UntilPaused/time.Second), utcPtr(&p.UntilDeadline)
		}
	}
	return c
}

func (c pauseCols) toDomain() (*domain.Pause, time.Duration) {
	paused := time.Duration(c.PausedSeconds) * time.Second
	if c.PausedSince == nil {
		return nil, paused
	}
	p := &domain.Pause{Since: c.PausedSince.UTC(), Until: utcPtr(c.PauseUntil)}
	if p.Until != nil {
		p.UntilPaused, p.UntilDeadline = time.Duration(c.PauseUntilSeconds)*time.Second, deref(c.PauseUntilDeadline).UTC()
	}
	return p, paused
}

// enteredAt is stored only when it differs from the arrival.
func enteredAt(arrived, entered time.Time) *time.Time {
	if entered.IsZero() || entered.Equal(arrived) {
		return nil
	}
	return utcPtr(&entered)
}

type clockRow struct {
	TicketID       int64  `gorm:"primaryKey"`
	Code           string `gorm:"primaryKey"`
	TargetSeconds  int64
	Basis          string
	StartedAt      time.Time
	Deadline       time.Time
	StoppedAt      *time.Time
	ElapsedSeconds int64
	Pause          pauseCols `gorm:"embedded"`
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
	EnteredAt  *time.Time
	WaitingOn  string
	WaitUntil  *time.Time
}

func (eventRow) TableName() string { return "ticket_events" }

// eventInsertColumns are the columns an event is inserted with, in the
// order of (*eventRow).insertValues; the hot paths insert events with
// these, GORM maps eventRow elsewhere.
const eventInsertColumns = "ticket_id, action, actor_id, actor_name, at, body, internal, from_status, to_status, from_level, to_level, entered_at, waiting_on, wait_until"

func (r *eventRow) insertValues() []any {
	return []any{r.TicketID, r.Action, r.ActorID, r.ActorName, r.At, r.Body, r.Internal,
		r.FromStatus, r.ToStatus, r.FromLevel, r.ToLevel, r.EnteredAt, r.WaitingOn, r.WaitUntil}
}

// placeholders is "?, ?, ..." for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

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
		EnteredAt: enteredAt(t.OpenedAt, t.EnteredAt), Wait: toWaitingCols(t.Waiting),
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
		EnteredAt: r.OpenedAt.UTC(), Waiting: r.Wait.toDomain(),
	}
	if r.EnteredAt != nil {
		t.EnteredAt = r.EnteredAt.UTC()
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
		Pause: toPauseCols(c.Pause, c.Paused),
	}
}

func (r clockRow) toDomain() domain.SLAClock {
	c := domain.SLAClock{
		Code: domain.SLACode(r.Code), Target: time.Duration(r.TargetSeconds) * time.Second,
		Basis: domain.Basis(r.Basis), StartedAt: r.StartedAt.UTC(), Deadline: r.Deadline.UTC(),
		StoppedAt: utcPtr(r.StoppedAt), Elapsed: time.Duration(r.ElapsedSeconds) * time.Second,
	}
	c.Pause, c.Paused = r.Pause.toDomain()
	return c
}

func toEventRow(e domain.Event) eventRow {
	return eventRow{
		ID: e.ID, TicketID: e.TicketID, Action: string(e.Action), ActorID: nonZero(e.ActorID),
		ActorName: e.ActorName, At: utc(e.At), Body: e.Body, Internal: e.Internal,
		FromStatus: string(e.FromStatus), ToStatus: string(e.ToStatus),
		FromLevel: int(e.FromLevel), ToLevel: int(e.ToLevel),
		EnteredAt: enteredAt(e.At, e.EnteredAt), WaitingOn: string(e.WaitingOn), WaitUntil: utcPtr(e.WaitUntil),
	}
}

func (r eventRow) toDomain() domain.Event {
	e := domain.Event{
		ID: r.ID, TicketID: r.TicketID, Action: domain.Action(r.Action), ActorID: deref(r.ActorID),
		ActorName: r.ActorName, At: r.At.UTC(), Body: r.Body, Internal: r.Internal,
		FromStatus: domain.Status(r.FromStatus), ToStatus: domain.Status(r.ToStatus),
		FromLevel: domain.Level(r.FromLevel), ToLevel: domain.Level(r.ToLevel),
		WaitingOn: domain.WaitingOn(r.WaitingOn), WaitUntil: utcPtr(r.WaitUntil),
	}
	if r.EnteredAt != nil {
		e.EnteredAt = r.EnteredAt.UTC()
	}
	return e
}

// CreateTicket stores a new ticket with its clocks and its opening event.
func (s *Store) CreateTicket(ctx context.Context, t domain.Ticket, opened domain.Event) (domain.Ticket, error) {
	if s.postgres {
		return s.createTicketPostgres(ctx, t, opened)
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
		if err := db.Create(&ev).Error; err != nil {
			return translate(err)
		}
		st := stateFrom(row, opened)
		if err := db.Create(&st).Error; err != nil {
			return translate(err)
		}
		opened.ID = ev.ID
		return s.publish(ctx, domain.TicketNotices(t, opened))
	})
	return t, err
}

// createTicketPostgres writes the ticket in one statement, atomic without
// a transaction of its own, when no job will be needed for its notices:
// no outbox, or no notice that may mail and no enabled webhook subscribed
// to the others, read just before. Otherwise it writes it and enqueues its
// notices in one transaction.
func (s *Store) createTicketPostgres(ctx context.Context, t domain.Ticket, opened domain.Event) (domain.Ticket, error) {
	notices := domain.TicketNotices(t, opened) // who is told depends on their types, not on the id
	var subs *domain.Webhook
	if l := pendingCreate(ctx); l != nil && l.tx == nil && l.ticket == nil {
		// Inside Idempotent, before anything else was written: take the
		// id now, with the subscriptions in the same round trip, and if
		// no job is needed let Idempotent write the ticket with its key.
		var err error
		if subs, err = s.takeTicketID(ctx, &t); err != nil {
			return t, err
		}
		if !s.tells(notices, subs) {
			l.ticket, l.opened = &t, opened
			return t, nil
		}
	} else if s.outbox != nil && SQLTx(ctx) == nil {
		w, err := subscriptions(s.db.WithContext(ctx))
		if err != nil {
			return t, err
		}
		subs = &w
	}
	if !s.tells(notices, subs) {
		id, err := createTicketOneStatement(s.conn(ctx), t, opened, nil)
		t.ID = id
		return t, err
	}
	err := s.InTx(ctx, func(ctx context.Context) error {
		id, err := createTicketOneStatement(s.conn(ctx), t, opened, nil)
		t.ID, opened.TicketID = id, id
		if err != nil {
			return err
		}
		return s.publishWith(ctx, domain.TicketNotices(t, opened), subs)
	})
	return t, err
}

// takeTicketID takes a ticket id from the sequence and, with an outbox,
// reads the webhooks' subscriptions in the same statement.
func (s *Store) takeTicketID(ctx context.Context, t *domain.Ticket) (*domain.Webhook, error) {
	db := s.db.WithContext(ctx)
	if s.outbox == nil {
		return &domain.Webhook{}, scanOne(db, "SELECT nextval(pg_get_serial_sequence('tickets', 'id'))", nil, &t.ID)
	}
	var types string
	if err := scanOne(db, "SELECT nextval(pg_get_serial_sequence('tickets', 'id')), coalesce(string_agg(event_types, ','), '') "+
		"FROM webhooks WHERE enabled", nil, &t.ID, &types); err != nil {
		return nil, err
	}
	return &domain.Webhook{EventTypes: eventTypes(types)}, nil
}

// createTicketOneStatement writes a ticket, its clocks, its opening event
// and its first state range in one PostgreSQL statement: one round trip
// instead of four, and atomic without a transaction of its own. Its
// columns come from ticketColumns, clockRow, eventInsertColumns and
// stateRow. With key, the ticket
// (whose id was taken from the sequence) is written only if the key's
// row is: no row back means the key already exists.
func createTicketOneStatement(db *gorm.DB, t domain.Ticket, opened domain.Event, key *idempotencyRow) (int64, error) {
	r, ev := toTicketRow(t), toEventRow(opened)
	var q strings.Builder
	var cols []string
	var args []any
	if key == nil {
		if t.ID == 0 {
			cols, args = r.values("id")
		} else { // an id taken from the sequence already (lazyTx)
			cols, args = r.values()
		}
		q.WriteString("WITH t AS (\n    INSERT INTO tickets (" + strings.Join(cols, ", ") + ")\n    VALUES (" + placeholders(len(cols)) + ")\n    RETURNING id\n)")
	} else {
		q.WriteString(`WITH k AS (
    INSERT INTO idempotency_keys (scope, key, request_hash, location, body, created_at)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING RETURNING 1
)`)
		args = []any{key.Scope, key.Key, key.RequestHash, key.Location, key.Body, key.CreatedAt}
		var vals []any
		cols, vals = r.values()
		args = append(args, vals...)
		q.WriteString(", t AS (\n    INSERT INTO tickets (" + strings.Join(cols, ", ") + ")\n    SELECT " + placeholders(len(cols)) + " WHERE EXISTS (SELECT 1 FROM k)\n    RETURNING id\n)")
	}
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
	evArgs := ev.insertValues()[1:] // the ticket id comes from t
	q.WriteString(`, e AS (
    INSERT INTO ticket_events (` + eventInsertColumns + `)
    SELECT t.id, ` + placeholders(len(evArgs)) + ` FROM t
), s AS (
    INSERT INTO ticket_states (` + stateInsertColumns + `)
    SELECT t.id, ` + placeholders(9) + ` FROM t
)
SELECT id FROM t`)
	evArgs = append(evArgs, stateFrom(r, opened).insertValues()[1:]...)
	var id int64
	err := scanOne(db, q.String(), append(args, evArgs...), &id)
	return id, err
}

// queryRows runs q (? placeholders) and lets scan read its rows. On
// PostgreSQL outside a transaction pgx runs and scans it on a pooled
// connection, without database/sql's per-column conversion; otherwise it
// goes through GORM's Rows, which, unlike Scan, neither formats the SQL for
// a logger (ExplainSQL) nor reflects over the destinations.
func queryRows(db *gorm.DB, q string, args []any, scan func(rowScanner) error) error {
	if pool, ok := db.Statement.ConnPool.(*sql.DB); ok && db.Dialector.Name() == "postgres" {
		return translate(pgQuery(db.Statement.Context, pool, pgPlaceholders(q), args, func(rows pgx.Rows) error {
			return scan(rows)
		}))
	}
	rows, err := db.Raw(q, args...).Rows()
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	if err := scan(rows); err != nil {
		return translate(err)
	}
	return translate(rows.Close())
}

// scanOne reads the first row of q into dest; no row is not found.
func scanOne(db *gorm.DB, q string, args []any, dest ...any) error {
	return queryRows(db, q, args, func(rows rowScanner) error {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return gorm.ErrRecordNotFound
		}
		return rows.Scan(dest...)
	})
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
	if s.stmts != nil && ctx.Value(txKey{}) == nil && pendingCreate(ctx) == nil {
		// SQLite outside a transaction: the read pool, on the statement
		// compiled once per connection.
		var t domain.Ticket
		err := s.stmts.query(ctx, ticketClockSQL, []int64{id}, func(rows rowScanner) (err error) {
			t, err = scanTicketClocks(rows, id)
			return err
		})
		return t, translate(err)
	}
	return s.getTicket(s.conn(ctx), id, false)
}

// ticketClockSQL reads a ticket joined with each of its clocks (NULLs
// when it has none), so that a ticket and its clocks come in one round
// trip; the clock columns follow ticketColumns.
var ticketClockSQL = "SELECT t." + strings.Join(ticketColumns, ", t.") +
	", c.code, c.target_seconds, c.basis, c.started_at, c.deadline, c.stopped_at, c.elapsed_seconds" +
	", c.paused_since, c.pause_until, c.pause_until_seconds, c.pause_until_deadline, c.paused_seconds" +
	" FROM tickets t LEFT JOIN sla_clocks c ON c.ticket_id = t.id WHERE t.id = ? ORDER BY c.code"

// getTicket reads a ticket and its clocks in one query, scanned without
// reflection (by pgx itself outside a transaction on PostgreSQL); lock
// holds the ticket's row until the transaction ends.
func (s *Store) getTicket(db *gorm.DB, id int64, lock bool) (domain.Ticket, error) {
	q := ticketClockSQL
	if lock && s.postgres {
		q += " FOR UPDATE OF t"
	}
	var t domain.Ticket
	err := queryRows(db, q, []any{id}, func(rows rowScanner) (err error) {
		t, err = scanTicketClocks(rows, id)
		return err
	})
	return t, err
}

// scanTicketClocks reads the rows of ticketClockSQL for ticket id.
func scanTicketClocks(rows rowScanner, id int64) (domain.Ticket, error) {
	var (
		r      ticketRow
		clocks []clockRow
		n      int
	)
	for rows.Next() {
		var (
			c                 clockRow
			code, basis       *string
			target, elapsed   *int64
			untilSec, paused  *int64
			started, deadline *time.Time
			dest              = r.fields()
		)
		dest = append(dest, &code, &target, &basis, &started, &deadline, &c.StoppedAt, &elapsed,
			&c.Pause.PausedSince, &c.Pause.PauseUntil, &untilSec, &c.Pause.PauseUntilDeadline, &paused)
		if err := rows.Scan(dest...); err != nil {
			return domain.Ticket{}, translate(err)
		}
		n++
		if code == nil {
			continue
		}
		c.TicketID, c.Code, c.TargetSeconds, c.Basis = id, *code, deref(target), deref(basis)
		c.StartedAt, c.Deadline, c.ElapsedSeconds = deref(started), deref(deadline), deref(elapsed)
		c.Pause.PauseUntilSeconds, c.Pause.PausedSeconds = deref(untilSec), deref(paused)
		clocks = append(clocks, c)
	}
	if err := rows.Err(); err != nil {
		return domain.Ticket{}, translate(err)
	}
	if n == 0 {
		return domain.Ticket{}, notFound("ticket %d not found", id)
	}
	return r.toDomain(clocks), nil
}

// UpdateTicket locks the ticket, lets fn change it and name the event that
// records the change, and saves both in one transaction: one locked read,
// then on PostgreSQL one statement for the ticket, the clocks fn changed
// and the event.
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
		cols, args := row.values("id", "opened_year", "opened_month")
		set := strings.Join(cols, " = ?, ") + " = ?"
		var changed []clockRow
		for _, c := range t.Clocks {
			cr := toClockRow(id, c)
			if old, ok := stopped[cr.Code]; ok && sameStop(old, cr) {
				continue // unchanged: an update would only cost a round trip and the rollup trigger
			}
			changed = append(changed, cr)
		}
		er := toEventRow(ev)
		if s.postgres {
			var next *stateRow
			if ev.ChangesState() {
				st := stateFrom(row, ev)
				next = &st
			}
			if ev.ID, err = updateTicketOneStatement(db, id, before, set, args, changed, er, next); err != nil {
				return err
			}
			return s.publish(ctx, domain.TicketNotices(t, ev))
		}
		res := db.Exec("UPDATE tickets SET "+set+" WHERE id = ? AND version = ?", append(args, id, before)...)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return staleTicket(id)
		}
		for _, cr := range changed {
			if err := db.Exec("UPDATE sla_clocks SET "+clockStopSet+" WHERE ticket_id = ? AND code = ?",
				append(cr.stopValues(), id, cr.Code)...).Error; err != nil {
				return translate(err)
			}
		}
		vals := er.insertValues()
		if err := scanOne(db, "INSERT INTO ticket_events ("+eventInsertColumns+") VALUES ("+placeholders(len(vals))+") RETURNING id", vals, &ev.ID); err != nil {
			return err
		}
		if err := moveState(db, row, ev); err != nil {
			return err
		}
		return s.publish(ctx, domain.TicketNotices(t, ev))
	})
	return t, ev, err
}

// clockStopSet and (clockRow).stopValues are what an action may change in
// a clock: its stop, and its pause, which moves its deadline.
const clockStopSet = "stopped_at = ?, elapsed_seconds = ?, deadline = ?, paused_since = ?, pause_until = ?, " +
	"pause_until_seconds = ?, pause_until_deadline = ?, paused_seconds = ?"

func (r clockRow) stopValues() []any {
	return []any{r.StoppedAt, r.ElapsedSeconds, r.Deadline, r.Pause.PausedSince, r.Pause.PauseUntil,
		r.Pause.PauseUntilSeconds, r.Pause.PauseUntilDeadline, r.Pause.PausedSeconds}
}

func staleTicket(id int64) error {
	return domain.Errorf(domain.CodePreconditionFailed, "ticket %d was changed by someone else; read it again", id)
}

// updateTicketOneStatement writes an action's ticket row, changed clocks
// and event in one PostgreSQL statement, and with next, the state range
// the event begins (moveState's work): the current range is closed first,
// because the new one's insert reads what that update returns, so the
// one-current-range index never sees two. No row back means the version
// moved under the lock (it cannot, but the check is what guards it).
func updateTicketOneStatement(db *gorm.DB, id int64, before int, set string, args []any, clocks []clockRow, er eventRow, next *stateRow) (int64, error) {
	var q strings.Builder
	q.WriteString("WITH u AS (UPDATE tickets SET " + set + " WHERE id = ? AND version = ? RETURNING id)")
	args = append(args, id, before)
	for i, cr := range clocks {
		fmt.Fprintf(&q, ", c%d AS (UPDATE sla_clocks SET %s WHERE ticket_id = (SELECT id FROM u) AND code = ?)", i, clockStopSet)
		args = append(args, append(cr.stopValues(), cr.Code)...)
	}
	if next != nil {
		q.WriteString(", sc AS (UPDATE ticket_states SET valid_to = ? WHERE ticket_id = (SELECT id FROM u) AND valid_to IS NULL RETURNING 1)" +
			", sn AS (INSERT INTO ticket_states (" + stateInsertColumns + ") SELECT u.id, " + placeholders(9) +
			" FROM u WHERE (SELECT count(*) FROM sc) >= 0)")
		args = append(append(args, next.ValidFrom), next.insertValues()[1:]...)
	}
	vals := er.insertValues()[1:]
	q.WriteString(", e AS (INSERT INTO ticket_events (" + eventInsertColumns + ") SELECT u.id, " + placeholders(len(vals)) + " FROM u RETURNING id) SELECT id FROM e")
	var evID int64
	err := scanOne(db, q.String(), append(args, vals...), &evID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return 0, staleTicket(id)
	}
	return evID, err
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
	return sameInstant(a.StoppedAt, b.StoppedAt) && a.ElapsedSeconds == b.ElapsedSeconds && a.Deadline.Equal(b.Deadline) &&
		sameInstant(a.Pause.PausedSince, b.Pause.PausedSince) && sameInstant(a.Pause.PauseUntil, b.Pause.PauseUntil) &&
		a.Pause.PausedSeconds == b.Pause.PausedSeconds && a.Pause.PauseUntilSeconds == b.Pause.PauseUntilSeconds
}

func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
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
	var clocks map[int64][]clockRow
	var err error
	if f.ByDue {
		rows, clocks, page.Next, err = s.ticketsByDue(db, f)
	} else {
		rows, page.Next, err = keyset(q, "opened_at", f.Ascending, f.After, f.Limit, func(r ticketRow) (time.Time, int64) { return r.OpenedAt, r.ID })
	}
	if err != nil {
		return page, err
	}
	if clocks == nil {
		if clocks, err = s.clocksOf(db, rows); err != nil {
			return page, err
		}
	}
	page.Tickets = make([]domain.Ticket, len(rows))
	for i, r := range rows {
		page.Tickets[i] = r.toDomain(clocks[r.ID])
	}
	return page, nil
}

// ticketsByDue is one page of a ByDue list, a keyset page like the
// others: first the tickets with a clock not stopped, each at its nearest
// such deadline, by (deadline, id) from the index sla_clocks_due (the NOT
// EXISTS keeps one clock per ticket, the first by deadline then code);
// then the tickets without one (NULL dues last), newest first by
// (opened_at, id). A cursor in the first part holds the last row's due
// and id, one in the tail (NoDue) its opened_at and id; a page that ends
// the first part exactly hands out its last due, after which the first
// part is empty and the tail starts.
func (s *Store) ticketsByDue(db *gorm.DB, f domain.TicketFilter) ([]ticketRow, map[int64][]clockRow, *domain.Cursor, error) {
	limit := f.Limit
	if limit < 1 || limit > 100 {
		limit = 100
	}
	tail := func(after *domain.Cursor, n int) ([]ticketRow, *domain.Cursor, error) {
		q := s.filterTickets(db.Model(&ticketRow{}), f).
			Where("NOT EXISTS (SELECT 1 FROM sla_clocks d3 WHERE d3.ticket_id = tickets.id AND d3.stopped_at IS NULL)")
		rows, next, err := keyset(q, "opened_at", false, after, n, func(r ticketRow) (time.Time, int64) { return r.OpenedAt, r.ID })
		if next != nil {
			next.NoDue = true
		}
		return rows, next, err
	}
	if f.After != nil && f.After.NoDue {
		rows, next, err := tail(f.After, limit)
		return rows, nil, next, err
	}
	q := s.filterTickets(db.Model(&ticketRow{}), f).Select("tickets.*").
		Joins("JOIN sla_clocks dc ON dc.ticket_id = tickets.id AND dc.stopped_at IS NULL").
		Where("NOT EXISTS (SELECT 1 FROM sla_clocks d2 WHERE d2.ticket_id = dc.ticket_id AND d2.stopped_at IS NULL" +
			" AND (d2.deadline < dc.deadline OR (d2.deadline = dc.deadline AND d2.code < dc.code)))")
	if f.After != nil {
		q = q.Where("(dc.deadline, tickets.id) > (?, ?)", utc(f.After.At), f.After.ID)
	}
	var rows []ticketRow
	if err := q.Order("dc.deadline, tickets.id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, nil, nil, translate(err)
	}
	more := len(rows) > limit
	if more {
		rows = rows[:limit]
	}
	clocks, err := s.clocksOf(db, rows)
	if err != nil {
		return nil, nil, nil, err
	}
	last := func() *domain.Cursor {
		r := rows[len(rows)-1]
		return &domain.Cursor{At: nearestDue(clocks[r.ID]).UTC(), ID: r.ID}
	}
	if more {
		return rows, clocks, last(), nil
	}
	if len(rows) == limit {
		// The first part ends here; a next page exists if the tail is not empty.
		rest, _, err := tail(nil, 1)
		if err != nil || len(rest) == 0 {
			return rows, clocks, nil, err
		}
		return rows, clocks, last(), nil
	}
	rest, next, err := tail(nil, limit-len(rows))
	if err != nil {
		return nil, nil, nil, err
	}
	restClocks, err := s.clocksOf(db, rest)
	if err != nil {
		return nil, nil, nil, err
	}
	if clocks == nil {
		clocks = restClocks
	} else {
		for id, cs := range restClocks {
			clocks[id] = cs
		}
	}
	return append(rows, rest...), clocks, next, nil
}

// nearestDue is the deadline a ByDue list orders a ticket by: the nearest
// of its clocks not stopped, as the join of ticketsByDue picks it.
func nearestDue(cs []clockRow) time.Time {
	var due time.Time
	for _, c := range cs {
		if c.StoppedAt == nil && (due.IsZero() || c.Deadline.Before(due)) {
			due = c.Deadline
		}
	}
	return due
}

// countTickets counts the tickets a filter matches. When the filter names
// only ente, status and level, the rollup table kept by the triggers of
// migration 00004 answers exactly from a few rows; otherwise the count
// stops at domain.TotalLimit, so it never costs more than a bounded index
// range.
func (s *Store) countTickets(db *gorm.DB, f domain.TicketFilter) (total int, capped bool, err error) {
	var n int64
	if f.Service == "" && f.AssigneeID == nil && f.OpenedFrom == nil && f.OpenedTo == nil && f.Text == "" && f.ExternalID == "" &&
		f.SLACode == "" && f.SLAState == "" && f.SLADueBefore == nil && f.Waiting == nil {
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
	if f.ExternalID != "" {
		q = q.Where("external_id = ?", f.ExternalID)
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
	if f.Waiting != nil {
		if *f.Waiting {
			q = q.Where(waitingSQL, utc(f.Now))
		} else {
			q = q.Where("NOT "+waitingSQL, utc(f.Now))
		}
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
			cond += " AND " + slaDueBeforeSQL
			args = append(args, utc(*f.SLADueBefore))
		}
		q = q.Where("EXISTS (SELECT 1 FROM sla_clocks c WHERE "+cond+")", args...)
	}
	return q
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
