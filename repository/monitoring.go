package repository

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
const monitoringEventColumns = "at, at_year, at_month, kind, host, service, state, hard, attempt, alert, output, response_s"

// monitoringEventRecord is the unique key of a record (migration 00018):
// an import skips the records already stored.
const monitoringEventRecord = "(at, host, service, kind, state, hard, attempt)"

// monitoringEventValues are a record's values in monitoringEventColumns'
// order.
func monitoringEventValues(e domain.MonitoringEvent) []any {
	local := e.At.In(rome)
	var resp any
	if e.Response != nil {
		resp = *e.Response
	}
	return []any{utc(e.At), local.Year(), int(local.Month()), string(e.Kind), e.Host, e.Service, e.State,
		e.Hard, e.Attempt, e.IsAlert(), e.Output, resp}
}

// ImportMonitoringEvents runs feed in one transaction with a writer of its
// records. On PostgreSQL, outside a transaction, records are copied (COPY)
// into temporary tables and merged by INSERT ... SELECT; on
// SQLite they go as JSON arrays, and on PostgreSQL inside a transaction
// (one live event) through prepared multi-row INSERTs.
func (s *Store) ImportMonitoringEvents(ctx context.Context, feed func(ctx context.Context, w domain.MonitoringWriter) error) error {
	if _, inTx := ctx.Value(txKey{}).(*gorm.DB); inTx || !s.postgres {
		return s.InTx(ctx, func(ctx context.Context) error {
			w := &sqlMonitoringWriter{ctx: ctx, db: s.conn(ctx), postgres: s.postgres}
			defer w.close()
			if !inTx && !s.postgres {
				// A large import's indexes outgrow SQLite's default 2 MB
				// page cache, which then spills to the file page by page.
				restore, err := sqliteCacheSize(w.db, importCacheKiB)
				if err != nil {
					return err
				}
				defer restore()
			}
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

// importCacheKiB is SQLite's page cache during an import: well inside the
// import's 100 MB memory budget.
const importCacheKiB = 16 << 10

// sqliteCacheSize sets the connection's page cache to kib KiB and returns
// what puts the previous size back.
func sqliteCacheSize(db *gorm.DB, kib int) (restore func(), err error) {
	var prev int64
	if err := db.Raw("PRAGMA cache_size").Scan(&prev).Error; err != nil {
		return nil, err
	}
	if err := db.Exec(fmt.Sprintf("PRAGMA cache_size = -%d", kib)).Error; err != nil {
		return nil, err
	}
	return func() { _ = db.Exec(fmt.Sprintf("PRAGMA cache_size = %d", prev)).Error }, nil
}

// monitoringRowsPerInsert is how many records one prepared INSERT carries
// on the SQL path (PostgreSQL inside a transaction, and on SQLite a record
// JSON cannot carry). The SQLite driver matches each bound parameter
// against the argument list, a cost that grows with the square of their
// number, so a statement stays small.
const monitoringRowsPerInsert = 16

// sqlMonitoringWriter writes an import in the current transaction: on
// SQLite as JSON arrays (monitoring_sqlite.go), on PostgreSQL through
// prepared multi-row INSERTs.
type sqlMonitoringWriter struct {
	ctx      context.Context
	db       *gorm.DB
	postgres bool
	args     []any // queued records' values
	queued   int
	json     []byte // on SQLite, the queued records as a JSON array
	jsonRows int
	stored   int64 // new since the last Flush
	stmts    map[int]*sql.Stmt
	staged   map[string]bool // count staging tables made
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
		// On SQLite, OR IGNORE rather than ON CONFLICT DO NOTHING: no
		// constraint can then abort the statement halfway, so SQLite
		// keeps no statement journal, which otherwise copies every page
		// the statement touches (all already dirty in the import's one
		// transaction) to a temporary file.
		q := "INSERT OR IGNORE INTO monitoring_events (" + monitoringEventColumns + ") VALUES " + w.placeholders(rows, 12)
		if w.postgres {
			q = "INSERT INTO monitoring_events (" + monitoringEventColumns + ") VALUES " + w.placeholders(rows, 12) +
				" ON CONFLICT " + monitoringEventRecord + " DO NOTHING"
		}
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
		if !w.postgres {
			if err := w.putJSON(e); err != nil {
				return err
			}
			continue
		}
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
	if err := w.execJSON(); err != nil {
		return 0, err
	}
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

// CountAlerts implements domain.MonitoringWriter.
func (w *sqlMonitoringWriter) CountAlerts(hours []domain.AlertHour) error {
	return w.stageCounts(alertCounts, alertCountValues(hours))
}

// CountResponses implements domain.MonitoringWriter.
func (w *sqlMonitoringWriter) CountResponses(samples []domain.ResponseHour) error {
	return w.stageCounts(responseCounts, responseCountValues(samples))
}

// stageCounts adds counts to a temporary table of the transaction, summed
// by Merge.
func (w *sqlMonitoringWriter) stageCounts(t countTable, rows [][]any) error {
	if !w.staged[t.stage] {
		q := "CREATE TEMP TABLE " + t.stage + " (" + t.ddl + ")"
		if w.postgres {
			q += " ON COMMIT DROP"
		}
		if err := w.db.Exec(q).Error; err != nil {
			return err
		}
		if w.staged == nil {
			w.staged = map[string]bool{}
		}
		w.staged[t.stage] = true
	}
	cols := t.columns()
	const per = 64
	for len(rows) > 0 {
		n := min(len(rows), per)
		args := make([]any, 0, n*len(cols))
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		q := "INSERT INTO " + t.stage + " (" + strings.Join(cols, ", ") + ") VALUES " + w.placeholders(n, len(cols))
		if _, err := w.db.Statement.ConnPool.ExecContext(w.ctx, q, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// Merge implements domain.MonitoringWriter.
func (w *sqlMonitoringWriter) Merge() (int64, error) {
	var alerts int64
	for _, t := range []countTable{alertCounts, responseCounts} {
		if !w.staged[t.stage] {
			continue
		}
		added, err := t.merge(w.db, w.postgres, t.stage == alertCounts.stage)
		if err != nil {
			return 0, err
		}
		if t.stage == alertCounts.stage {
			alerts = added
		}
	}
	return alerts, nil
}

// done drops the staging tables, which on SQLite outlive the transaction.
func (w *sqlMonitoringWriter) done() error {
	for stage := range w.staged {
		if err := w.db.Exec("DROP TABLE " + stage).Error; err != nil {
			return err
		}
	}
	clear(w.staged)
	return nil
}

func (w *sqlMonitoringWriter) close() {
	for _, st := range w.stmts {
		_ = st.Close()
	}
}

// countTable is a table of counts an import adds to: per probe and hour
// (and value), an imported count, the largest any import gave, and a live
// one; a count is the larger of the two, as a log holds every state change
// that was also received live.
type countTable struct {
	table, stage string
	keys         []string // what identifies a count
	extra        []string // columns that follow from the keys
	ddl          string   // the staging table's columns
}

var (
	alertCounts = countTable{table: "monitoring_alert_hours", stage: "monitoring_alert_stage",
		keys: []string{"host", "service", "hour"}, extra: []string{"at_year", "at_month"},
		ddl: "host TEXT NOT NULL, service TEXT NOT NULL, hour BIGINT NOT NULL, at_year INTEGER NOT NULL, at_month INTEGER NOT NULL, n BIGINT NOT NULL"}
	responseCounts = countTable{table: "monitoring_response_hours", stage: "monitoring_response_stage",
		keys: []string{"host", "service", "hour", "response_s"},
		ddl:  "host TEXT NOT NULL, service TEXT NOT NULL, hour BIGINT NOT NULL, response_s DOUBLE PRECISION NOT NULL, n BIGINT NOT NULL"}
)

// columns are the staging table's columns in order.
func (t countTable) columns() []string {
	return append(append(slices.Clone(t.keys), t.extra...), "n")
}

func alertCountValues(hours []domain.AlertHour) [][]any {
	rows := make([][]any, len(hours))
	for i, h := range hours {
		local := time.Unix(h.Hour, 0).In(rome)
		rows[i] = []any{h.Host, h.Service, h.Hour, local.Year(), int(local.Month()), h.Count}
	}
	return rows
}

func responseCountValues(samples []domain.ResponseHour) [][]any {
	rows := make([][]any, len(samples))
	for i, r := range samples {
		rows[i] = []any{r.Host, r.Service, r.Hour, r.Seconds, r.Count}
	}
	return rows
}

// merge folds the staged counts into the table, each keeping the larger
// of its imported count and the import's, and, if asked, returns how many
// that added.
func (t countTable) merge(db *gorm.DB, postgres, count bool) (int64, error) {
	if postgres {
		// A temporary table has no statistics until analysed, and the
		// planner's guess for one of 100,000 rows joins it badly.
		if err := db.Exec("ANALYZE " + t.stage).Error; err != nil {
			return 0, err
		}
	}
	keys := strings.Join(t.keys, ", ")
	sel := keys
	for _, c := range t.extra {
		sel += ", MIN(" + c + ") AS " + c
	}
	staged := "SELECT " + sel + ", SUM(n) AS n FROM " + t.stage + " WHERE TRUE GROUP BY " + keys
	var on []string
	for _, k := range t.keys {
		on = append(on, "h."+k+" = s."+k)
	}
	var added int64
	if count {
		err := db.Raw("SELECT CAST(COALESCE(SUM(s.n - COALESCE(h.imported, 0)), 0) AS BIGINT) FROM (" + staged + ") s " +
			"LEFT JOIN " + t.table + " h ON " + strings.Join(on, " AND ") + " WHERE s.n > COALESCE(h.imported, 0)").Scan(&added).Error
		if err != nil {
			return 0, err
		}
	}
	err := db.Exec("INSERT INTO " + t.table + " (" + strings.Join(append(append(slices.Clone(t.keys), t.extra...), "imported"), ", ") + ") " + staged +
		" ON CONFLICT (" + keys + ") DO UPDATE SET imported = CASE WHEN excluded.imported > " + t.table + ".imported" +
		" THEN excluded.imported ELSE " + t.table + ".imported END").Error
	if err != nil {
		return 0, err
	}
	return added, db.Exec("DELETE FROM " + t.stage).Error
}

// addLive counts one live record.
func (t countTable) addLive(db *gorm.DB, row []any) error {
	cols := append(append(slices.Clone(t.keys), t.extra...), "live")
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	return db.Exec("INSERT INTO "+t.table+" ("+strings.Join(cols, ", ")+") VALUES ("+marks+") ON CONFLICT ("+strings.Join(t.keys, ", ")+
		") DO UPDATE SET live = "+t.table+".live + excluded.live", row...).Error
}

// copyMonitoringWriter writes an import on PostgreSQL: records and counts
// are copied (COPY, through the pgx connection under database/sql) into
// temporary tables of the transaction, and moved into the real tables by
// INSERT ... SELECT ... ON CONFLICT: records every copyMerge and at each
// Flush, counts at Merge.
type copyMonitoringWriter struct {
	ctx    context.Context
	db     *gorm.DB
	conn   *sql.Conn
	rows   [][]any
	ord    int64
	staged int   // records in the staging table
	stored int64 // new since the last Flush
}

// copyMerge is how many staged records are merged at a time: the merge
// sorts them by their order in the log, and 20,000 of the generated log's
// sort in 3.5 MB, within PostgreSQL's default work_mem of 4 MB, instead of
// through temporary files.
const copyMerge = 4 * copyBatch

// copyBatch is how many rows one COPY carries.
const copyBatch = 5000

func (w *copyMonitoringWriter) begin() error {
	if err := w.db.Exec("CREATE TEMP TABLE monitoring_events_stage (ord BIGINT NOT NULL, " +
		"at TIMESTAMPTZ NOT NULL, at_year INTEGER NOT NULL, at_month INTEGER NOT NULL, kind TEXT NOT NULL, " +
		"host TEXT NOT NULL, service TEXT NOT NULL, state TEXT NOT NULL, hard BOOLEAN NOT NULL, attempt INTEGER NOT NULL, " +
		"alert BOOLEAN NOT NULL, output TEXT NOT NULL, response_s DOUBLE PRECISION) ON COMMIT DROP").Error; err != nil {
		return err
	}
	for _, t := range []countTable{alertCounts, responseCounts} {
		if err := w.db.Exec("CREATE TEMP TABLE " + t.stage + " (" + t.ddl + ") ON COMMIT DROP").Error; err != nil {
			return err
		}
	}
	return nil
}

// copy sends rows to a staging table on the transaction's connection.
func (w *copyMonitoringWriter) copy(table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	return withPgx(w.ctx, w.conn, func(c *pgx.Conn) error {
		_, err := c.CopyFrom(w.ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
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
			w.staged += len(w.rows)
			w.rows = w.rows[:0]
			if w.staged >= copyMerge {
				if err := w.merge(); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// merge moves the staged records into monitoring_events.
func (w *copyMonitoringWriter) merge() error {
	if err := w.copy("monitoring_events_stage", eventStageColumns, w.rows); err != nil {
		return err
	}
	w.rows = w.rows[:0]
	res := w.db.Exec("INSERT INTO monitoring_events (" + monitoringEventColumns + ") SELECT " + monitoringEventColumns +
		" FROM monitoring_events_stage ORDER BY ord ON CONFLICT " + monitoringEventRecord + " DO NOTHING")
	if res.Error != nil {
		return res.Error
	}
	w.stored += res.RowsAffected
	w.staged = 0
	return w.db.Exec("TRUNCATE monitoring_events_stage").Error
}

// Flush implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) Flush() (int64, error) {
	if err := w.merge(); err != nil {
		return 0, err
	}
	n := w.stored
	w.stored = 0
	return n, nil
}

// CountAlerts implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) CountAlerts(hours []domain.AlertHour) error {
	return w.copy(alertCounts.stage, alertCounts.columns(), alertCountValues(hours))
}

// CountResponses implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) CountResponses(samples []domain.ResponseHour) error {
	return w.copy(responseCounts.stage, responseCounts.columns(), responseCountValues(samples))
}

// Merge implements domain.MonitoringWriter.
func (w *copyMonitoringWriter) Merge() (int64, error) {
	if _, err := responseCounts.merge(w.db, true, false); err != nil {
		return 0, err
	}
	return alertCounts.merge(w.db, true, true)
}

// CountLive counts an alert, and a response time, received live.
func (s *Store) CountLive(ctx context.Context, alert *domain.AlertHour, response *domain.ResponseHour) error {
	db := s.conn(ctx)
	if alert != nil {
		if err := alertCounts.addLive(db, alertCountValues([]domain.AlertHour{*alert})[0]); err != nil {
			return translate(err)
		}
	}
	if response != nil {
		if err := responseCounts.addLive(db, responseCountValues([]domain.ResponseHour{*response})[0]); err != nil {
			return translate(err)
		}
	}
	return nil
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

type responseCountRow struct {
	ResponseS float64
	N         int64
}

// ResponseTimes returns the perfdata response times of a probe in a
// period, sorted, for SLA.3's maximum and percentiles. They are counted
// per hour, so the period is taken in whole hours (reports ask for days).
func (s *Store) ResponseTimes(ctx context.Context, p domain.Probe, period domain.Span) ([]float64, error) {
	var rows []responseCountRow
	err := s.conn(ctx).Table(responseCounts.table).
		Select("response_s, CAST(SUM(CASE WHEN imported > live THEN imported ELSE live END) AS BIGINT) AS n").
		Where("host = ? AND service = ? AND hour >= ? AND hour < ?", p.Host, p.Service, domain.HourOf(period.From.Unix()), period.To.Unix()).
		Group("response_s").Order("response_s").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	var out []float64
	for _, r := range rows {
		for range r.N {
			out = append(out, r.ResponseS)
		}
	}
	return out, nil
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

// CreateOutage stores a new outage with its systems and enti, and
// enqueues its outage.created notice in the same transaction.
func (s *Store) CreateOutage(ctx context.Context, o domain.Outage) (domain.Outage, error) {
	var saved domain.Outage
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		row := toOutageRow(o)
		row.Version = 1
		if err := db.Create(&row).Error; err != nil {
			return err
		}
		o.ID, o.Version = row.ID, 1
		if err := saveOutageLinks(db, o); err != nil {
			return err
		}
		var err error
		if saved, err = s.GetOutage(ctx, o.ID); err != nil {
			return err
		}
		return s.publish(ctx, domain.OutageNotices(saved, true))
	})
	if err != nil {
		return o, outageRefError(err)
	}
	return saved, nil
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

// UpdateOutage locks an outage, lets fn change it, and saves it with its
// outage.updated notice in one transaction.
func (s *Store) UpdateOutage(ctx context.Context, id int64, fn func(*domain.Outage) error) (domain.Outage, error) {
	var saved domain.Outage
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
		if err := saveOutageLinks(db, o); err != nil {
			return err
		}
		var err error
		if saved, err = s.GetOutage(ctx, id); err != nil {
			return err
		}
		return s.publish(ctx, domain.OutageNotices(saved, false))
	})
	if err != nil {
		return domain.Outage{}, outageRefError(err)
	}
	return saved, nil
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
