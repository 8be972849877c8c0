package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cst-firenze/helpdesk/domain"
)

type monitoringSystemRow struct {
	Code           string `gorm:"primaryKey"`
	Name           string
	Kind           string
	CustomerFacing bool
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (monitoringSystemRow) TableName() string { return "monitoring_systems" }

type monitoringProbeRow struct {
	SystemCode string `gorm:"primaryKey"`
	Host       string `gorm:"primaryKey"`
	Service    string `gorm:"primaryKey"`
}

func (monitoringProbeRow) TableName() string { return "monitoring_probes" }

type monitoringEventRow struct {
	ID        int64 `gorm:"primaryKey"`
	EventKey  string
	At        time.Time
	AtYear    int
	AtMonth   int
	Kind      string
	Host      string
	Service   string
	State     string
	Hard      bool
	Attempt   int
	Alert     bool
	Output    string
	ResponseS *float64 `gorm:"column:response_s"`
}

func (monitoringEventRow) TableName() string { return "monitoring_events" }

func (r monitoringEventRow) toDomain() domain.MonitoringEvent {
	return domain.MonitoringEvent{
		At: r.At.UTC(), Kind: domain.MonitoringKind(r.Kind), Host: r.Host, Service: r.Service, State: r.State,
		Hard: r.Hard, Attempt: r.Attempt, Output: r.Output, Response: r.ResponseS,
	}
}

// MonitoringSystems returns every system with its probes, by code.
func (s *Store) MonitoringSystems(ctx context.Context) ([]domain.MonitoringSystem, error) {
	var rows []monitoringSystemRow
	if err := s.conn(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	var probes []monitoringProbeRow
	if err := s.conn(ctx).Order("system_code, host, service").Find(&probes).Error; err != nil {
		return nil, translate(err)
	}
	by := map[string][]domain.Probe{}
	for _, p := range probes {
		by[p.SystemCode] = append(by[p.SystemCode], domain.Probe{Host: p.Host, Service: p.Service})
	}
	out := make([]domain.MonitoringSystem, len(rows))
	for i, r := range rows {
		out[i] = domain.MonitoringSystem{Code: r.Code, Name: r.Name, Kind: r.Kind, CustomerFacing: r.CustomerFacing, Probes: by[r.Code]}
	}
	return out, nil
}

// PutMonitoringSystem creates or replaces a system and its probes.
func (s *Store) PutMonitoringSystem(ctx context.Context, sys domain.MonitoringSystem, now time.Time) (created bool, err error) {
	err = s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var n int64
		if err := db.Model(&monitoringSystemRow{}).Where("code = ?", sys.Code).Count(&n).Error; err != nil {
			return err
		}
		created = n == 0
		row := monitoringSystemRow{Code: sys.Code, Name: sys.Name, Kind: sys.Kind, CustomerFacing: sys.CustomerFacing, UpdatedAt: utc(now)}
		if err := db.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return err
		}
		if err := db.Where("system_code = ?", sys.Code).Delete(&monitoringProbeRow{}).Error; err != nil {
			return err
		}
		probes := make([]monitoringProbeRow, len(sys.Probes))
		for i, p := range sys.Probes {
			probes[i] = monitoringProbeRow{SystemCode: sys.Code, Host: p.Host, Service: p.Service}
		}
		return db.Create(&probes).Error
	})
	return created, translate(err)
}

type availabilitySLARow struct {
	Code        string
	Description string
	Target      float64
	SystemCode  string
}

// AvailabilitySLAs returns the uptime SLAs with the systems they average.
func (s *Store) AvailabilitySLAs(ctx context.Context) ([]domain.AvailabilitySLA, error) {
	var rows []availabilitySLARow
	err := s.conn(ctx).Table("availability_slas a").
		Select("a.code, a.description, a.target, s.system_code").
		Joins("JOIN availability_sla_systems s ON s.sla_code = a.code").
		Order("a.code, s.system_code").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	var out []domain.AvailabilitySLA
	for _, r := range rows {
		if n := len(out); n == 0 || out[n-1].Code != r.Code {
			out = append(out, domain.AvailabilitySLA{Code: r.Code, Description: r.Description, Target: r.Target})
		}
		out[len(out)-1].Systems = append(out[len(out)-1].Systems, r.SystemCode)
	}
	return out, nil
}

// monitoringEventColumns are the columns an import writes, in order.
const monitoringEventColumns = "event_key, at, at_year, at_month, kind, host, service, state, hard, attempt, alert, output, response_s"

// monitoringEventValues are a record's values in monitoringEventColumns'
// order.
func monitoringEventValues(e domain.MonitoringEvent) []any {
	local := e.At.In(rome)
	var resp any
	if e.Response != nil {
		resp = *e.Response
	}
	return []any{e.Key(), utc(e.At), local.Year(), int(local.Month()), string(e.Kind), e.Host, e.Service, e.State,
		e.Hard, e.Attempt, e.IsAlert(), e.Output, resp}
}

// ImportMonitoringEvents runs feed in one transaction with a writer of its
// records. On PostgreSQL, outside a transaction, records are copied (COPY)
// into temporary tables and merged by one INSERT ... SELECT each; otherwise
// (SQLite, or one live event inside a transaction) they go through prepared
// multi-row INSERTs.
func (s *Store) ImportMonitoringEvents(ctx context.Context, feed func(ctx context.Context, w domain.MonitoringWriter) error) error {
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); inTx || !s.postgres {
		return s.InTx(ctx, func(ctx context.Context) error {
			w := &sqlMonitoringWriter{ctx: ctx, db: s.conn(ctx), postgres: s.postgres}
			defer w.close()
			if err := feed(ctx, w); err != nil {
				return err
			}
			return w.done()
		})
	}
	err := s.db.WithContext(ctx).Connection(func(c *gorm.DB) error {
		conn, ok := c.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("monitoring import: connection is %T, not *sql.Conn", c.Statement.ConnPool)
		}
		return c.Transaction(func(tx *gorm.DB) error {
			ctx := context.WithValue(ctx, txKey{}, tx)
			w := &copyMonitoringWriter{ctx: ctx, db: tx, conn: conn}
			if err := w.begin(); err != nil {
				return err
			}
			return feed(ctx, w)
		})
	})
	return translate(err)
}

// monitoringRowsPerInsert is how many records one prepared INSERT carries
// on the SQL path. The SQLite driver matches each bound parameter against
// the argument list, a cost that grows with the square of their number,
// so a statement stays small.
const monitoringRowsPerInsert = 16

// sqlMonitoringWriter writes an import through prepared multi-row INSERTs
// in the current transaction.
type sqlMonitoringWriter struct {
	ctx      context.Context
	db       *gorm.DB
	postgres bool
	args     []any // queued records' values
	queued   int
	stored   int64 // new since the last Flush
	stmts    map[int]*sql.Stmt
	staged   bool // the alert staging table exists
}

func (w *sqlMonitoringWriter) placeholders(rows, cols int) string {
	var b strings.Builder
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			n++
			if w.postgres {
				fmt.Fprintf(&b, "$%d", n)
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// exec runs the prepared INSERT of rows records (made once per size).
func (w *sqlMonitoringWriter) exec(rows int, args []any) error {
	st, ok := w.stmts[rows]
	if !ok {
		q := "INSERT INTO monitoring_events (" + monitoringEventColumns + ") VALUES " + w.placeholders(rows, 13) +
			" ON CONFLICT (event_key) DO NOTHING"
		var err error
		if st, err = w.db.Statement.ConnPool.PrepareContext(w.ctx, q); err != nil {
			return err
		}
		if w.stmts == nil {
			w.stmts = map[int]*sql.Stmt{}
		}
		w.stmts[rows] = st
	}
	res, err := st.ExecContext(w.ctx, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	w.stored += n
	return err
}

// Put implements domain.MonitoringWriter.
func (w *sqlMonitoringWriter) Put(evs []domain.MonitoringEvent) error {
	for _, e := range evs {
		w.args = append(w.args, monitoringEventValues(e)...)
		if w.queued++; w.queued == monitoringRowsPerInsert {
			if err := w.exec(w.queued, w.args); err != nil {
				return err
			}
			w.args, w.queued = w.args[:0], 0
		}
	}
	return nil
}

// Flush implements domain.MonitoringWriter.
func (w *sqlMonitoringWriter) Flush() (int64, error) {
	if w.queued > 0 {
		if err := w.exec(w.queued, w.args); err != nil {
			return 0, err
		}
		w.args, w.queued = w.args[:0], 0
	}
	n := w.stored
	w.stored = 0
	return n, nil
}

// CountAlerts implements domain.MonitoringWriter: the counts go to a
// temporary table, summed by MergeAlerts.
func (w *sqlMonitoringWriter) CountAlerts(hours []domain.AlertHour) error {
	if !w.staged {
		q := "CREATE TEMP TABLE monitoring_alert_stage (" + alertStageColumns + ")"
		if w.postgres {
			q += " ON COMMIT DROP"
		}
		if err := w.db.Exec(q).Error; err != nil {
			return err
		}
		w.staged = true
	}
	const per = 100
	for len(hours) > 0 {
		n := min(len(hours), per)
		args := make([]any, 0, n*6)
		for _, h := range hours[:n] {
			args = append(args, alertStageValues(h)...)
		}
		q := "INSERT INTO monitoring_alert_stage (host, service, hour, at_year, at_month, n) VALUES " + w.placeholders(n, 6)
		if _, err := w.db.Statement.ConnPool.ExecContext(w.ctx, q, args...); err != nil {
			return err
		}
		hours = hours[n:]
	}
	return nil
}

// MergeAlerts implements domain.MonitoringWriter.
func (w *sqlMonitoringWriter) MergeAlerts() (int64, error) {
	if !w.staged {
		return 0, nil
	}
	return mergeAlerts(w.db)
}

// done drops the staging table, which on SQLite outlives the transaction.
func (w *sqlMonitoringWriter) done() error {
	if !w.staged {
		return nil
	}
	w.staged = false
	return w.db.Exec("DROP TABLE monitoring_alert_stage").Error
}

func (w *sqlMonitoringWriter) close() {
	for _, st := range w.stmts {
		_ = st.Close()
	}
}

// alertStageColumns is the staging table of an import's alert counts.
const alertStageColumns = "host TEXT NOT NULL, service TEXT NOT NULL, hour BIGINT NOT NULL, at_year INTEGER NOT NULL, at_month INTEGER NOT NULL, n BIGINT NOT NULL"

func alertStageValues(h domain.AlertHour) []any {
	local := time.Unix(h.Hour, 0).In(rome)
	return []any{h.Host, h.Service, h.Hour, local.Year(), int(local.Month()), h.Count}
}

// mergeAlerts folds the staged counts into monitoring_alert_hours, each
// hour keeping the larger of its imported count and the import's, and
// returns how many alerts that added.
func mergeAlerts(db *gorm.DB) (int64, error) {
	const staged = "SELECT host, service, hour, MIN(at_year) AS at_year, MIN(at_month) AS at_month, SUM(n) AS n FROM monitoring_alert_stage WHERE TRUE GROUP BY host, service, hour"
	var added int64
	err := db.Raw("SELECT CAST(COALESCE(SUM(s.n - COALESCE(h.imported, 0)), 0) AS BIGINT) FROM (" + staged + ") s " +
		"LEFT JOIN monitoring_alert_hours h ON h.host = s.host AND h.service = s.service AND h.hour = s.hour " +
		"WHERE s.n > COALESCE(h.imported, 0)").Scan(&added).Error
	if err != nil {
		return 0, err
	}
	err = db.Exec("INSERT INTO monitoring_alert_hours (host, service, hour, at_year, at_month, imported) " + staged +
		" ON CONFLICT (host, service, hour) DO UPDATE SET imported = CASE WHEN excluded.imported > monitoring_alert_hours.imported" +
		" THEN excluded.imported ELSE monitoring_alert_hours.imported END").Error
	if err != nil {
		return 0, err
	}
	return added, db.Exec("DELETE FROM monitoring_alert_stage").Error
}

// copyMonitoringWriter writes an import on PostgreSQL: records and counts
// are copied (COPY, through the pgx connection under database/sql) into
// temporary tables of the transaction, and each Flush or MergeAlerts is one
// INSERT ... SELECT ... ON CONFLICT into the real table.
type copyMonitoringWriter struct {
	ctx    context.Context
	db     *gorm.DB
	conn   *sql.Conn
	rows   [][]any
	alerts [][]any
	ord    int64
}

// copyBatch is how many rows one COPY carries.
const copyBatch = 5000

func (w *copyMonitoringWriter) begin() error {
	if err := w.db.Exec("CREATE TEMP TABLE monitoring_events_stage (ord BIGINT NOT NULL, " +
		"event_key TEXT NOT NULL, at TIMESTAMPTZ NOT NULL, at_year INTEGER NOT NULL, at_month INTEGER NOT NULL, kind TEXT NOT NULL, " +
		"host TEXT NOT NULL, service TEXT NOT NULL, state TEXT NOT NULL, hard BOOLEAN NOT NULL, attempt INTEGER NOT NULL, " +
		"alert BOOLEAN NOT NULL, output TEXT NOT NULL, response_s DOUBLE PRECISION) ON COMMIT DROP").Error; err != nil {
		return err
	}
	return w.db.Exec("CREATE TEMP TABLE monitoring_alert_stage (" + alertStageColumns + ") ON COMMIT DROP").Error
}

// copy sends rows to a staging table on the transaction's connection.
func (w *copyMonitoringWriter) copy(table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return w.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("monitoring import: driver connection is %T, not pgx", dc)
		}
		_, err := c.Conn().CopyFrom(w.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		return err
	})
}

var eventStageColumns = append([]string{"ord"}, strings.Split(strings.ReplaceAll(monitoringEventColumns, " ", ""), ",")...)

// Put implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) Put(evs []domain.MonitoringEvent) error {
	for _, e := range evs {
		w.ord++
		w.rows = append(w.rows, append([]any{w.ord}, monitoringEventValues(e)...))
		if len(w.rows) == copyBatch {
			if err := w.copy("monitoring_events_stage", eventStageColumns, w.rows); err != nil {
				return err
			}
			w.rows = w.rows[:0]
		}
	}
	return nil
}

// Flush implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) Flush() (int64, error) {
	if err := w.copy("monitoring_events_stage", eventStageColumns, w.rows); err != nil {
		return 0, err
	}
	w.rows = w.rows[:0]
	res := w.db.Exec("INSERT INTO monitoring_events (" + monitoringEventColumns + ") SELECT " + monitoringEventColumns +
		" FROM monitoring_events_stage ORDER BY ord ON CONFLICT (event_key) DO NOTHING")
	if res.Error != nil {
		return 0, res.Error
	}
	return res.RowsAffected, w.db.Exec("TRUNCATE monitoring_events_stage").Error
}

var alertStageCols = []string{"host", "service", "hour", "at_year", "at_month", "n"}

// CountAlerts implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) CountAlerts(hours []domain.AlertHour) error {
	w.alerts = w.alerts[:0]
	for _, h := range hours {
		w.alerts = append(w.alerts, alertStageValues(h))
	}
	return w.copy("monitoring_alert_stage", alertStageCols, w.alerts)
}

// MergeAlerts implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) MergeAlerts() (int64, error) { return mergeAlerts(w.db) }

// CountLiveAlert counts an alert received live in its probe-hour.
func (s *Store) CountLiveAlert(ctx context.Context, h domain.AlertHour) error {
	v := alertStageValues(h)
	err := s.conn(ctx).Exec("INSERT INTO monitoring_alert_hours (host, service, hour, at_year, at_month, live) VALUES (?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (host, service, hour) DO UPDATE SET live = monitoring_alert_hours.live + excluded.live", v...).Error
	return translate(err)
}

// ProbeHistory returns what availability needs of one probe over period:
// its last HARD state and last downtime record before the period, then its
// HARD states and downtime records inside it, in time order. Host downtime
// covers the host's services too.
func (s *Store) ProbeHistory(ctx context.Context, p domain.Probe, period domain.Span) (domain.ProbeHistory, error) {
	h := domain.ProbeHistory{Probe: p}
	db := s.conn(ctx)
	var before []monitoringEventRow
	var last monitoringEventRow
	err := db.Where("host = ? AND service = ? AND hard AND kind <> 'downtime' AND at < ?", p.Host, p.Service, utc(period.From)).
		Order("at DESC, id DESC").Limit(1).Find(&last).Error
	if err != nil {
		return h, translate(err)
	}
	if last.ID != 0 {
		before = append(before, last)
	}
	last = monitoringEventRow{}
	err = db.Where("host = ? AND service IN (?, '') AND kind = 'downtime' AND at < ?", p.Host, p.Service, utc(period.From)).
		Order("at DESC, id DESC").Limit(1).Find(&last).Error
	if err != nil {
		return h, translate(err)
	}
	if last.ID != 0 {
		before = append(before, last)
	}
	var in []monitoringEventRow
	err = db.Where("host = ? AND ((service = ? AND hard AND kind <> 'downtime') OR (service IN (?, '') AND kind = 'downtime')) AND at >= ? AND at < ?",
		p.Host, p.Service, p.Service, utc(period.From), utc(period.To)).
		Order("at, id").Find(&in).Error
	if err != nil {
		return h, translate(err)
	}
	if len(before) == 2 && before[1].At.Before(before[0].At) {
		before[0], before[1] = before[1], before[0]
	}
	for _, r := range append(before, in...) {
		h.Events = append(h.Events, r.toDomain())
	}
	return h, nil
}

type alertCountRow struct {
	SystemCode string
	AtYear     int
	AtMonth    int
	N          int64
}

// AlertCounts counts alerts and warnings per month of the given years, in
// total (System "") and per system whose probes raised them.
func (s *Store) AlertCounts(ctx context.Context, years []int) ([]domain.AlertCount, error) {
	var total, per []alertCountRow
	db := s.conn(ctx)
	// An hour counts the larger of its imported and live alerts: a log
	// holds every state change that was also received live.
	const n = "CAST(SUM(CASE WHEN h.imported > h.live THEN h.imported ELSE h.live END) AS BIGINT) AS n"
	err := db.Table("monitoring_alert_hours h").Select("'' AS system_code, h.at_year, h.at_month, "+n).
		Where("h.at_year IN ?", years).Group("h.at_year, h.at_month").Scan(&total).Error
	if err != nil {
		return nil, translate(err)
	}
	err = db.Table("monitoring_alert_hours h").Select("p.system_code, h.at_year, h.at_month, "+n).
		Joins("JOIN monitoring_probes p ON p.host = h.host AND p.service = h.service").
		Where("h.at_year IN ?", years).Group("p.system_code, h.at_year, h.at_month").Scan(&per).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]domain.AlertCount, 0, len(total)+len(per))
	for _, r := range append(total, per...) {
		out = append(out, domain.AlertCount{System: r.SystemCode, Year: r.AtYear, Month: r.AtMonth, Count: r.N})
	}
	return out, nil
}

// ResponseTimes returns the perfdata response times of a probe in a
// period, sorted, for SLA.3's maximum and percentiles.
func (s *Store) ResponseTimes(ctx context.Context, p domain.Probe, period domain.Span) ([]float64, error) {
	var out []float64
	err := s.conn(ctx).Model(&monitoringEventRow{}).
		Where("host = ? AND service = ? AND response_s IS NOT NULL AND at >= ? AND at < ?", p.Host, p.Service, utc(period.From), utc(period.To)).
		Order("response_s").Pluck("response_s", &out).Error
	return out, translate(err)
}

type responseSLARow struct {
	Code        string
	Description string
	TargetMs    float64
	Host        string
	Service     string
}

func (responseSLARow) TableName() string { return "response_slas" }

// ResponseSLAs returns the response-time SLAs (SLA.3) with their probes.
func (s *Store) ResponseSLAs(ctx context.Context) ([]domain.ResponseSLA, error) {
	var rows []responseSLARow
	if err := s.conn(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.ResponseSLA, len(rows))
	for i, r := range rows {
		out[i] = domain.ResponseSLA{Code: r.Code, Description: r.Description, TargetMS: r.TargetMs, Probe: domain.Probe{Host: r.Host, Service: r.Service}}
	}
	return out, nil
}

type outageRow struct {
	ID                    int64 `gorm:"primaryKey"`
	StartedAt             time.Time
	InterventionStartedAt *time.Time
	EndedAt               *time.Time
	Planned               bool
	Proposed              bool
	Cause                 string
	PublicText            string
	OfficesNoticeAt       *time.Time
	UsersNoticeAt         *time.Time
	CreatedAt             time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt             time.Time `gorm:"autoUpdateTime:false"`
	Version               int
}

func (outageRow) TableName() string { return "outages" }

type outageSystemRow struct {
	OutageID   int64  `gorm:"primaryKey"`
	SystemCode string `gorm:"primaryKey"`
}

func (outageSystemRow) TableName() string { return "outage_systems" }

type outageEnteRow struct {
	OutageID int64  `gorm:"primaryKey"`
	EnteCode string `gorm:"primaryKey"`
}

func (outageEnteRow) TableName() string { return "outage_enti" }

func toOutageRow(o domain.Outage) outageRow {
	return outageRow{ID: o.ID, StartedAt: utc(o.StartedAt), InterventionStartedAt: utcPtr(o.InterventionStartedAt), EndedAt: utcPtr(o.EndedAt),
		Planned: o.Planned, Proposed: o.Proposed, Cause: o.Cause, PublicText: o.PublicText, OfficesNoticeAt: utcPtr(o.OfficesNoticeAt), UsersNoticeAt: utcPtr(o.UsersNoticeAt),
		CreatedAt: utc(o.CreatedAt), UpdatedAt: utc(o.UpdatedAt), Version: o.Version}
}

func (r outageRow) toDomain() domain.Outage {
	return domain.Outage{ID: r.ID, StartedAt: r.StartedAt.UTC(), InterventionStartedAt: utcPtr(r.InterventionStartedAt), EndedAt: utcPtr(r.EndedAt),
		Planned: r.Planned, Proposed: r.Proposed, Cause: r.Cause, PublicText: r.PublicText, OfficesNoticeAt: utcPtr(r.OfficesNoticeAt), UsersNoticeAt: utcPtr(r.UsersNoticeAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version}
}

// saveOutageLinks replaces the systems and enti of an outage.
func saveOutageLinks(db *gorm.DB, o domain.Outage) error {
	if err := db.Where("outage_id = ?", o.ID).Delete(&outageSystemRow{}).Error; err != nil {
		return err
	}
	if err := db.Where("outage_id = ?", o.ID).Delete(&outageEnteRow{}).Error; err != nil {
		return err
	}
	for _, s := range o.Systems {
		if err := db.Create(&outageSystemRow{OutageID: o.ID, SystemCode: s}).Error; err != nil {
			return err
		}
	}
	for _, e := range o.Enti {
		if err := db.Create(&outageEnteRow{OutageID: o.ID, EnteCode: e}).Error; err != nil {
			return err
		}
	}
	return nil
}

// outageRefError says which list names an unknown system or ente.
func outageRefError(err error) error {
	if domain.ErrorCode(translate(err)) == domain.CodeUnprocessable || errors.Is(err, gorm.ErrForeignKeyViolated) {
		return domain.Invalid("the outage is not valid", domain.FieldError{Field: "systems", Detail: "systems and enti must be known codes"})
	}
	return translate(err)
}

// CreateOutage stores a new outage with its systems and enti.
func (s *Store) CreateOutage(ctx context.Context, o domain.Outage) (domain.Outage, error) {
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		row := toOutageRow(o)
		row.Version = 1
		if err := db.Create(&row).Error; err != nil {
			return err
		}
		o.ID, o.Version = row.ID, 1
		return saveOutageLinks(db, o)
	})
	if err != nil {
		return o, outageRefError(err)
	}
	return s.GetOutage(ctx, o.ID)
}

// loadOutageLinks fills the systems and enti of the outages.
func (s *Store) loadOutageLinks(db *gorm.DB, out []domain.Outage) error {
	if len(out) == 0 {
		return nil
	}
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, o := range out {
		ids[i], at[o.ID] = o.ID, i
	}
	var sys []outageSystemRow
	if err := db.Where("outage_id IN ?", ids).Order("outage_id, system_code").Find(&sys).Error; err != nil {
		return err
	}
	var en []outageEnteRow
	if err := db.Where("outage_id IN ?", ids).Order("outage_id, ente_code").Find(&en).Error; err != nil {
		return err
	}
	for _, r := range sys {
		out[at[r.OutageID]].Systems = append(out[at[r.OutageID]].Systems, r.SystemCode)
	}
	for _, r := range en {
		out[at[r.OutageID]].Enti = append(out[at[r.OutageID]].Enti, r.EnteCode)
	}
	return nil
}

// GetOutage returns one outage.
func (s *Store) GetOutage(ctx context.Context, id int64) (domain.Outage, error) {
	var row outageRow
	db := s.conn(ctx)
	if err := db.Where("id = ?", id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.Outage{}, notFound("outage %d not found", id)
		}
		return domain.Outage{}, translate(err)
	}
	out := []domain.Outage{row.toDomain()}
	if err := s.loadOutageLinks(db, out); err != nil {
		return domain.Outage{}, translate(err)
	}
	return out[0], nil
}

// ListOutages returns the outages that started in [from, to), newest
// first, only those affecting ente when it is not empty.
func (s *Store) ListOutages(ctx context.Context, from, to time.Time, ente string) ([]domain.Outage, error) {
	db := s.conn(ctx)
	q := db.Model(&outageRow{}).Where("started_at >= ? AND started_at < ?", utc(from), utc(to))
	if ente != "" {
		q = q.Where("id IN (?)", db.Model(&outageEnteRow{}).Select("outage_id").Where("ente_code = ?", ente))
	}
	var rows []outageRow
	if err := q.Order("started_at DESC, id DESC").Limit(1000).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Outage, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	if err := s.loadOutageLinks(db, out); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// OpenProposal reports whether the system has an outage proposed by
// monitoring that no operator has confirmed yet.
// The system's row is locked first, so that two down states arriving at
// once on PostgreSQL cannot both find no proposal.
func (s *Store) OpenProposal(ctx context.Context, system string) (bool, error) {
	var sys monitoringSystemRow
	if err := s.forUpdate(s.conn(ctx)).Where("code = ?", system).Take(&sys).Error; err != nil {
		return false, translate(err)
	}
	var n int64
	err := s.conn(ctx).Model(&outageRow{}).Where("proposed AND id IN (?)",
		s.conn(ctx).Model(&outageSystemRow{}).Select("outage_id").Where("system_code = ?", system)).Count(&n).Error
	return n > 0, translate(err)
}

// UpdateOutage locks an outage, lets fn change it, and saves it.
func (s *Store) UpdateOutage(ctx context.Context, id int64, fn func(*domain.Outage) error) (domain.Outage, error) {
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var row outageRow
		if err := s.forUpdate(db).Where("id = ?", id).Take(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return notFound("outage %d not found", id)
			}
			return err
		}
		cur := []domain.Outage{row.toDomain()}
		if err := s.loadOutageLinks(db, cur); err != nil {
			return err
		}
		o := cur[0]
		if err := fn(&o); err != nil {
			return err
		}
		o.ID, o.Version = id, row.Version+1
		next := toOutageRow(o)
		if err := db.Select("*").Omit("created_at").Where("id = ?", id).Updates(&next).Error; err != nil {
			return err
		}
		return saveOutageLinks(db, o)
	})
	if err != nil {
		return domain.Outage{}, outageRefError(err)
	}
	return s.GetOutage(ctx, id)
}

type deliveryRow struct {
	ID          int64 `gorm:"primaryKey"`
	PeriodFrom  time.Time
	PeriodTo    time.Time
	DeliveredAt time.Time
	Note        string
}

func (deliveryRow) TableName() string { return "outage_report_deliveries" }

func (r deliveryRow) toDomain() domain.OutageReportDelivery {
	return domain.OutageReportDelivery{ID: r.ID, From: r.PeriodFrom.UTC(), To: r.PeriodTo.UTC(), DeliveredAt: r.DeliveredAt.UTC(), Note: r.Note}
}

// CreateOutageReportDelivery records a delivery of the SLA.11 report.
func (s *Store) CreateOutageReportDelivery(ctx context.Context, d domain.OutageReportDelivery) (domain.OutageReportDelivery, error) {
	row := deliveryRow{PeriodFrom: utc(d.From), PeriodTo: utc(d.To), DeliveredAt: utc(d.DeliveredAt), Note: d.Note}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return d, translate(err)
	}
	return row.toDomain(), nil
}

// OutageReportDeliveries returns the deliveries made in [from, to).
func (s *Store) OutageReportDeliveries(ctx context.Context, from, to time.Time) ([]domain.OutageReportDelivery, error) {
	var rows []deliveryRow
	if err := s.conn(ctx).Where("delivered_at >= ? AND delivered_at < ?", utc(from), utc(to)).Order("delivered_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.OutageReportDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}
