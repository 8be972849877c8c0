package repository

import (
	"context"
	"errors"
	"time"

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

func toMonitoringEventRow(e domain.MonitoringEvent) monitoringEventRow {
	local := e.At.In(rome)
	return monitoringEventRow{
		EventKey: e.Key(), At: utc(e.At), AtYear: local.Year(), AtMonth: int(local.Month()), Kind: string(e.Kind),
		Host: e.Host, Service: e.Service, State: e.State, Hard: e.Hard, Attempt: e.Attempt, Alert: e.IsAlert(),
		Output: e.Output, ResponseS: e.Response,
	}
}

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

// monitoringBatch is how many records one INSERT carries: large enough to
// amortise the round trip, small enough to stay under SQLite's and
// PostgreSQL's bound-parameter limits (14 columns each).
const monitoringBatch = 500

// ImportMonitoringEvents stores, in one transaction, every batch that feed
// puts; records already stored (same key) are skipped. If feed or a put
// fails nothing is stored. It returns how many records were new.
func (s *Store) ImportMonitoringEvents(ctx context.Context, feed func(put func([]domain.MonitoringEvent) error) error) (int64, error) {
	var stored int64
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		rows := make([]monitoringEventRow, 0, monitoringBatch)
		return feed(func(evs []domain.MonitoringEvent) error {
			for len(evs) > 0 {
				n := min(len(evs), monitoringBatch)
				rows = rows[:0]
				for _, e := range evs[:n] {
					rows = append(rows, toMonitoringEventRow(e))
				}
				res := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_key"}}, DoNothing: true}).Create(&rows)
				if res.Error != nil {
					return res.Error
				}
				stored += res.RowsAffected
				evs = evs[n:]
			}
			return nil
		})
	})
	if err != nil {
		return 0, translate(err)
	}
	return stored, nil
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
	err := db.Table("monitoring_events").Select("'' AS system_code, at_year, at_month, COUNT(*) AS n").
		Where("alert AND at_year IN ?", years).Group("at_year, at_month").Scan(&total).Error
	if err != nil {
		return nil, translate(err)
	}
	err = db.Table("monitoring_events e").Select("p.system_code, e.at_year, e.at_month, COUNT(*) AS n").
		Joins("JOIN monitoring_probes p ON p.host = e.host AND p.service = e.service").
		Where("e.alert AND e.at_year IN ?", years).Group("p.system_code, e.at_year, e.at_month").Scan(&per).Error
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
