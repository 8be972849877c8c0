package repository

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

type interventionRow struct {
	ID             int64 `gorm:"primaryKey"`
	EnteCode       string
	TicketID       *int64
	Tier           string
	Description    string
	Status         string
	TechnicianID   *int64
	TechnicianName string
	PlannedAt      *time.Time
	RequestedBy    *int64
	RequestedAt    time.Time
	RequestedYear  int
	RequestedMonth int
	Deadline       time.Time
	StartedAt      *time.Time
	CompletedAt    *time.Time
	CancelledAt    *time.Time
	Outcome        string
	CancelReason   string
	WorkingSeconds int64
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
	Version        int
	EnteredAt      *time.Time  // nil: entered when it arrived
	Wait           waitingCols `gorm:"embedded"`
	Pause          pauseCols   `gorm:"embedded"`
}

func (interventionRow) TableName() string { return "interventions" }

type interventionEventRow struct {
	ID             int64 `gorm:"primaryKey"`
	InterventionID int64
	Action         string
	ActorID        *int64
	ActorName      string
	At             time.Time
	Note           string
	FromStatus     string
	ToStatus       string
	TechnicianID   *int64
	PlannedAt      *time.Time
	EnteredAt      *time.Time
	WaitingOn      string
	WaitUntil      *time.Time
}

func (interventionEventRow) TableName() string { return "intervention_events" }

func toInterventionRow(iv domain.Intervention) interventionRow {
	local := iv.RequestedAt.In(rome)
	return interventionRow{
		ID: iv.ID, EnteCode: iv.EnteCode, TicketID: iv.TicketID, Tier: string(iv.Tier), Description: iv.Description,
		Status: string(iv.Status), TechnicianID: iv.TechnicianID, TechnicianName: iv.TechnicianName,
		PlannedAt: utcPtr(iv.PlannedAt), RequestedBy: nonZero(iv.RequestedBy), RequestedAt: utc(iv.RequestedAt),
		RequestedYear: local.Year(), RequestedMonth: int(local.Month()), Deadline: utc(iv.Deadline),
		StartedAt: utcPtr(iv.StartedAt), CompletedAt: utcPtr(iv.CompletedAt), CancelledAt: utcPtr(iv.CancelledAt),
		Outcome: iv.Outcome, CancelReason: iv.CancelReason, WorkingSeconds: iv.WorkingSeconds,
		UpdatedAt: utc(iv.UpdatedAt), Version: iv.Version,
		EnteredAt: enteredAt(iv.RequestedAt, iv.EnteredAt), Wait: toWaitingCols(iv.Waiting), Pause: toPauseCols(iv.Pause, iv.Paused),
	}
}

func (r interventionRow) toDomain() domain.Intervention {
	iv := domain.Intervention{
		ID: r.ID, EnteCode: r.EnteCode, TicketID: r.TicketID, Tier: domain.Tier(r.Tier), Description: r.Description,
		Status: domain.InterventionStatus(r.Status), TechnicianID: r.TechnicianID, TechnicianName: r.TechnicianName,
		PlannedAt: utcPtr(r.PlannedAt), RequestedBy: deref(r.RequestedBy), RequestedAt: r.RequestedAt.UTC(),
		Deadline: r.Deadline.UTC(), StartedAt: utcPtr(r.StartedAt), CompletedAt: utcPtr(r.CompletedAt),
		CancelledAt: utcPtr(r.CancelledAt), Outcome: r.Outcome, CancelReason: r.CancelReason,
		WorkingSeconds: r.WorkingSeconds, UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
		EnteredAt: r.RequestedAt.UTC(), Waiting: r.Wait.toDomain(),
	}
	if r.EnteredAt != nil {
		iv.EnteredAt = r.EnteredAt.UTC()
	}
	iv.Pause, iv.Paused = r.Pause.toDomain()
	return iv
}

func toInterventionEventRow(e domain.InterventionEvent) interventionEventRow {
	return interventionEventRow{
		ID: e.ID, InterventionID: e.InterventionID, Action: string(e.Action), ActorID: nonZero(e.ActorID),
		ActorName: e.ActorName, At: utc(e.At), Note: e.Note, FromStatus: string(e.FromStatus),
		ToStatus: string(e.ToStatus), TechnicianID: e.TechnicianID, PlannedAt: utcPtr(e.PlannedAt),
		EnteredAt: enteredAt(e.At, e.EnteredAt), WaitingOn: string(e.WaitingOn), WaitUntil: utcPtr(e.WaitUntil),
	}
}

func (r interventionEventRow) toDomain() domain.InterventionEvent {
	e := domain.InterventionEvent{
		ID: r.ID, InterventionID: r.InterventionID, Action: domain.InterventionAction(r.Action),
		ActorID: deref(r.ActorID), ActorName: r.ActorName, At: r.At.UTC(), Note: r.Note,
		FromStatus: domain.InterventionStatus(r.FromStatus), ToStatus: domain.InterventionStatus(r.ToStatus),
		TechnicianID: r.TechnicianID, PlannedAt: utcPtr(r.PlannedAt),
		WaitingOn: domain.WaitingOn(r.WaitingOn), WaitUntil: utcPtr(r.WaitUntil),
	}
	if r.EnteredAt != nil {
		e.EnteredAt = r.EnteredAt.UTC()
	}
	return e
}

// CreateIntervention stores a new intervention with the event that
// records its request, in one transaction.
func (s *Store) CreateIntervention(ctx context.Context, iv domain.Intervention, requested domain.InterventionEvent) (domain.Intervention, error) {
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		row := toInterventionRow(iv)
		if err := db.Create(&row).Error; err != nil {
			return translate(err)
		}
		iv = row.toDomain()
		requested.InterventionID = iv.ID
		ev := toInterventionEventRow(requested)
		if err := db.Create(&ev).Error; err != nil {
			return translate(err)
		}
		requested.ID = ev.ID
		return s.publish(ctx, domain.InterventionNotices(iv, requested))
	})
	return iv, err
}

// GetIntervention returns one intervention.
func (s *Store) GetIntervention(ctx context.Context, id int64) (domain.Intervention, error) {
	return s.getIntervention(s.conn(ctx), id, false)
}

// getIntervention reads an intervention; lock holds its row until the
// transaction ends.
func (s *Store) getIntervention(db *gorm.DB, id int64, lock bool) (domain.Intervention, error) {
	var row interventionRow
	q := db
	if lock {
		q = s.forUpdate(db)
	}
	if err := q.Where("id = ?", id).Take(&row).Error; err != nil {
		return domain.Intervention{}, missing(err, notFound("intervention %d not found", id))
	}
	return row.toDomain(), nil
}

// UpdateIntervention locks the intervention, lets fn change it and name
// the event that records the change, and saves both in one transaction.
func (s *Store) UpdateIntervention(ctx context.Context, id int64, fn func(*domain.Intervention) (domain.InterventionEvent, error)) (domain.Intervention, domain.InterventionEvent, error) {
	var (
		iv domain.Intervention
		ev domain.InterventionEvent
	)
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var err error
		if iv, err = s.getIntervention(db, id, true); err != nil {
			return err
		}
		before := iv.Version
		if ev, err = fn(&iv); err != nil {
			return err
		}
		row := toInterventionRow(iv)
		// The request's own facts (who, when) never change; the deadline
		// moves only by a pause, which the domain measured.
		res := db.Model(&interventionRow{}).Where("id = ? AND version = ?", id, before).Select("*").
			Omit("id", "ente_code", "tier", "requested_by", "requested_at", "requested_year", "requested_month", "entered_at").
			Updates(&row)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.CodePreconditionFailed, "intervention %d was changed by someone else; read it again", id)
		}
		ev.InterventionID = id
		er := toInterventionEventRow(ev)
		if err := db.Create(&er).Error; err != nil {
			return translate(err)
		}
		ev.ID = er.ID
		return s.publish(ctx, domain.InterventionNotices(iv, ev))
	})
	return iv, ev, err
}

// InterventionEvents returns an intervention's history, oldest first.
func (s *Store) InterventionEvents(ctx context.Context, interventionID int64) ([]domain.InterventionEvent, error) {
	var rows []interventionEventRow
	if err := s.conn(ctx).Where("intervention_id = ?", interventionID).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.InterventionEvent, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// ListInterventions returns one page of interventions, newest first unless
// asked otherwise, after the cursor. Pages are keyset pages on
// (requested_at, id), so a page costs the same however deep it is.
func (s *Store) ListInterventions(ctx context.Context, f domain.InterventionFilter) (domain.InterventionPage, error) {
	q := s.filterInterventions(s.conn(ctx).Model(&interventionRow{}), f)
	var page domain.InterventionPage
	rows, next, err := keyset(q, "requested_at", f.Ascending, f.After, f.Limit, func(r interventionRow) (time.Time, int64) { return r.RequestedAt, r.ID })
	if err != nil {
		return page, err
	}
	page.Next = next
	page.Interventions = make([]domain.Intervention, len(rows))
	for i, r := range rows {
		page.Interventions[i] = r.toDomain()
	}
	return page, nil
}

func (s *Store) filterInterventions(q *gorm.DB, f domain.InterventionFilter) *gorm.DB {
	if f.EnteCode != "" {
		q = q.Where("ente_code = ?", f.EnteCode)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("status IN ?", f.Statuses)
	}
	if len(f.Tiers) > 0 {
		q = q.Where("tier IN ?", f.Tiers)
	}
	if f.TechnicianID != nil {
		q = q.Where("technician_id = ?", *f.TechnicianID)
	}
	if f.Overdue != nil {
		open := domain.InterventionOpenStatuses
		if *f.Overdue {
			q = q.Where(ivOverdueSQL, open, utc(f.Now))
		} else {
			q = q.Where("NOT "+ivOverdueSQL, open, utc(f.Now))
		}
	}
	if f.Waiting != nil {
		if *f.Waiting {
			q = q.Where(waitingSQL, utc(f.Now))
		} else {
			q = q.Where("NOT "+waitingSQL, utc(f.Now))
		}
	}
	if f.RequestedFrom != nil {
		q = q.Where("requested_at >= ?", utc(*f.RequestedFrom))
	}
	if f.RequestedTo != nil {
		q = q.Where("requested_at < ?", utc(*f.RequestedTo))
	}
	return q
}

// statsColumns maps each group key to its columns in the interventions
// table, in the order they are selected and sorted.
var statsColumns = map[string][]string{
	domain.GroupByTier:  {"tier"},
	domain.GroupByEnte:  {"ente_code"},
	domain.GroupByMonth: {"requested_year", "requested_month"},
}

type statsRow struct {
	Tier           string
	EnteCode       string
	RequestedYear  int
	RequestedMonth int
	NTotal         int64
	NCompleted     int64
	NOnTime        int64
	OnTimeShare    *float64
	MedianSeconds  *int64
	P90Seconds     *int64
}

// InterventionStats counts the interventions requested in [From, To), per
// group, with the share completed on time and the median and 90th
// percentile of the working time of the completed ones.
//
// Everything is computed by the database in SQL that PostgreSQL and SQLite
// both run alike. Percentiles use the nearest-rank definition (see
// domain.InterventionStatsRow): the completed ones of each group are
// numbered by working time with ROW_NUMBER() and counted with COUNT() over
// the same partition, and the p-th percentile is the value at rank
// ceil(p × n / 100), written with integer division as (n + 1) / 2 for the
// median and (9n + 9) / 10 for the 90th percentile. percentile_cont is not
// used: SQLite lacks it and it interpolates.
func (s *Store) InterventionStats(ctx context.Context, f domain.InterventionStatsFilter) ([]domain.InterventionStatsRow, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var keys []string
	for _, g := range domain.InterventionGroupKeys {
		if f.Groups(g) {
			keys = append(keys, statsColumns[g]...)
		}
	}
	list := strings.Join(keys, ", ")
	sel, cSel, groupBy, orderBy, partition, join := "", "", "", "", "", "1 = 1"
	if len(keys) > 0 {
		cKeys := make([]string, len(keys))
		on := make([]string, len(keys))
		for i, k := range keys {
			cKeys[i] = "c." + k
			on[i] = "c." + k + " = p." + k
		}
		sel, cSel = list+", ", strings.Join(cKeys, ", ")+", "
		groupBy = " GROUP BY " + list
		orderBy = " ORDER BY " + strings.Join(cKeys, ", ")
		partition = "PARTITION BY " + list + " "
		join = strings.Join(on, " AND ")
	}
	// As at an instant, an intervention requested later does not exist
	// yet, and one completed later was still open then: the base masks
	// its completion, so the counting below is the one rule for both.
	cols, args := "status, working_seconds, completed_at, deadline", []any{}
	if f.AsOf != nil {
		at := utc(*f.AsOf)
		cols = `CASE WHEN status = 'completed' AND completed_at > ? THEN 'in_progress' ELSE status END AS status,
        working_seconds, CASE WHEN completed_at <= ? THEN completed_at END AS completed_at, deadline`
		args = append(args, at, at)
	}
	where := "requested_at >= ? AND requested_at < ?"
	args = append(args, utc(f.From), utc(f.To))
	if f.AsOf != nil {
		where += " AND requested_at <= ?"
		args = append(args, utc(*f.AsOf))
	}
	if f.EnteCode != "" {
		where += " AND ente_code = ?"
		args = append(args, f.EnteCode)
	}
	sql := `
WITH base AS (
    SELECT ` + sel + cols + `
    FROM interventions WHERE ` + where + `
), counts AS (
    SELECT ` + sel + `COUNT(*) AS n_total,
        COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS n_completed,
        COALESCE(SUM(CASE WHEN ` + ivOnTimeSQL + ` THEN 1 ELSE 0 END), 0) AS n_on_time
    FROM base` + groupBy + `
), ranked AS (
    SELECT ` + sel + `working_seconds,
        ROW_NUMBER() OVER (` + partition + `ORDER BY working_seconds) AS rn,
        COUNT(*) OVER (` + partition + `) AS n
    FROM base WHERE status = 'completed'
), pct AS (
    SELECT ` + sel + `
        MIN(CASE WHEN rn = (n + 1) / 2 THEN working_seconds END) AS median_seconds,
        MIN(CASE WHEN rn = (9 * n + 9) / 10 THEN working_seconds END) AS p90_seconds
    FROM ranked` + groupBy + `
)
SELECT ` + cSel + `c.n_total, c.n_completed, c.n_on_time,
    CASE WHEN c.n_completed > 0 THEN CAST(c.n_on_time AS DOUBLE PRECISION) / c.n_completed END AS on_time_share,
    p.median_seconds, p.p90_seconds
FROM counts c LEFT JOIN pct p ON ` + join + orderBy
	var rows []statsRow
	if err := s.conn(ctx).Raw(sql, args...).Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.InterventionStatsRow, len(rows))
	for i, r := range rows {
		out[i] = domain.InterventionStatsRow{
			Tier: domain.Tier(r.Tier), EnteCode: r.EnteCode, Year: r.RequestedYear, Month: r.RequestedMonth,
			Count: r.NTotal, Completed: r.NCompleted, CompletedOnTime: r.NOnTime, OnTimeShare: r.OnTimeShare,
			MedianSeconds: r.MedianSeconds, P90Seconds: r.P90Seconds,
		}
	}
	return out, nil
}
