package repository

import (
	"context"
	"time"

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
