package repository

import (
	"context"
	"encoding/json"
	"time"

	"errors"
	"gorm.io/gorm/clause"

	"github.com/cst-firenze/helpdesk/domain"
)

type enteRow struct {
	Code          string `gorm:"primaryKey"`
	Name          string
	Kind          string
	ContactCenter bool
	CedMultiente  string
	OfficeEmail   string
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"`
	Version       int
}

func (enteRow) TableName() string { return "enti" }

func toEnteRow(e domain.Ente) enteRow {
	return enteRow{
		Code: e.Code, Name: e.Name, Kind: e.Kind, ContactCenter: e.ContactCenter, CedMultiente: e.CEDMultiente,
		OfficeEmail: e.OfficeEmail, CreatedAt: utc(e.CreatedAt), UpdatedAt: utc(e.UpdatedAt), Version: e.Version,
	}
}

func (r enteRow) toDomain() domain.Ente {
	return domain.Ente{
		Code: r.Code, Name: r.Name, Kind: r.Kind, ContactCenter: r.ContactCenter, CEDMultiente: r.CedMultiente,
		OfficeEmail: r.OfficeEmail, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
}

// ListEnti returns every ente by code.
func (s *Store) ListEnti(ctx context.Context) ([]domain.Ente, error) {
	var rows []enteRow
	if err := s.conn(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.Ente, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// GetEnte returns one ente.
func (s *Store) GetEnte(ctx context.Context, code string) (domain.Ente, error) {
	ref, err := s.ref(ctx)
	if err != nil {
		return domain.Ente{}, err
	}
	e, ok := ref.enti[code]
	if !ok {
		return domain.Ente{}, notFound("ente %q not found", code)
	}
	return e, nil
}

// CreateEnte stores a new ente; a taken code is a conflict.
func (s *Store) CreateEnte(ctx context.Context, e domain.Ente) (domain.Ente, error) {
	defer s.forgetRef()
	row := toEnteRow(e)
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		if domain.ErrorCode(translate(err)) == domain.CodeConflict {
			return e, domain.Errorf(domain.CodeConflict, "an ente with code %q exists", e.Code)
		}
		return e, translate(err)
	}
	return row.toDomain(), nil
}

// UpdateEnte locks an ente, lets fn change it, and saves it.
func (s *Store) UpdateEnte(ctx context.Context, code string, fn func(*domain.Ente) error) (domain.Ente, error) {
	defer s.forgetRef()
	var e domain.Ente
	err := s.InTx(ctx, func(ctx context.Context) error {
		var row enteRow
		if err := s.forUpdate(s.conn(ctx)).Where("code = ?", code).Take(&row).Error; err != nil {
			return missing(err, notFound("ente %q not found", code))
		}
		e = row.toDomain()
		if err := fn(&e); err != nil {
			return err
		}
		e.Code, e.Version = code, e.Version+1
		nr := toEnteRow(e)
		return translate(s.conn(ctx).Model(&enteRow{}).Where("code = ?", code).Select("*").Omit("code", "created_at").Updates(&nr).Error)
	})
	return e, err
}

type closureRow struct {
	ID       int64 `gorm:"primaryKey"`
	EnteCode string
	Month    int
	Day      int
	Year     int
	FromYear int
	Reason   string
}

func (closureRow) TableName() string { return "ente_closures" }

func (r closureRow) toDomain() domain.EnteClosure {
	return domain.EnteClosure{ID: r.ID, EnteCode: r.EnteCode, Closure: domain.Closure{
		Month: time.Month(r.Month), Day: r.Day, Year: r.Year, FromYear: r.FromYear, Reason: r.Reason,
	}}
}

// Closures returns an ente's own closures.
func (s *Store) Closures(ctx context.Context, enteCode string) ([]domain.EnteClosure, error) {
	var rows []closureRow
	if err := s.conn(ctx).Where("ente_code = ?", enteCode).Order("month, day, id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.EnteClosure, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// AddClosure stores a closure of an ente.
func (s *Store) AddClosure(ctx context.Context, c domain.EnteClosure) (domain.EnteClosure, error) {
	defer s.forgetRef()
	row := closureRow{EnteCode: c.EnteCode, Month: int(c.Month), Day: c.Day, Year: c.Year, FromYear: c.FromYear, Reason: c.Reason}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return c, translate(err)
	}
	return row.toDomain(), nil
}

// DeleteClosure removes a closure of an ente.
func (s *Store) DeleteClosure(ctx context.Context, enteCode string, id int64) error {
	defer s.forgetRef()
	res := s.conn(ctx).Where("ente_code = ? AND id = ?", enteCode, id).Delete(&closureRow{})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("closure %d of ente %q not found", id, enteCode)
	}
	return nil
}

type settingRow struct {
	Key       string `gorm:"primaryKey"`
	Value     string
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (settingRow) TableName() string { return "settings" }

const (
	settingSLATargets = "sla_targets"
	settingWeekHours  = "week_hours"
)

// getSetting decodes a JSON setting into v; a missing setting leaves v as
// the caller's default.
func (s *Store) getSetting(ctx context.Context, key string, v any) error {
	var row settingRow
	err := s.conn(ctx).Where("key = ?", key).Take(&row).Error
	if errors.Is(translate(err), domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return translate(err)
	}
	return json.Unmarshal([]byte(row.Value), v)
}

func (s *Store) putSetting(ctx context.Context, key string, v any, now time.Time) error {
	defer s.forgetRef()
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	row := settingRow{Key: key, Value: string(b), UpdatedAt: utc(now)}
	return translate(s.conn(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&row).Error)
}

// SLATargets returns the targets in force (the contractual defaults until
// an admin changes them).
func (s *Store) SLATargets(ctx context.Context) (domain.SLATargets, error) {
	ref, err := s.ref(ctx)
	if err != nil {
		return nil, err
	}
	return append(domain.SLATargets(nil), ref.targets...), nil
}

// SetSLATargets replaces the targets for tickets opened from now on.
func (s *Store) SetSLATargets(ctx context.Context, ts domain.SLATargets, now time.Time) error {
	return s.putSetting(ctx, settingSLATargets, ts, now)
}

// WeekHours returns the counter hours (Monday–Friday 08:00–18:00 until an
// admin changes them).
func (s *Store) WeekHours(ctx context.Context) (domain.WeekHours, error) {
	ref, err := s.ref(ctx)
	if err != nil {
		return domain.WeekHours{}, err
	}
	return cloneHours(ref.hours), nil
}

// cloneHours copies the cached hours so a caller cannot change them.
func cloneHours(w domain.WeekHours) domain.WeekHours {
	for d := range w {
		w[d] = append([]domain.Interval(nil), w[d]...)
	}
	return w
}

// SetWeekHours replaces the counter hours.
func (s *Store) SetWeekHours(ctx context.Context, w domain.WeekHours, now time.Time) error {
	return s.putSetting(ctx, settingWeekHours, w, now)
}

// Calendar returns the working calendar of an ente: the counter hours, the
// national holidays and the ente's own closures.
func (s *Store) Calendar(ctx context.Context, enteCode string) (domain.Calendar, error) {
	ref, err := s.ref(ctx)
	if err != nil {
		return domain.Calendar{}, err
	}
	return domain.Calendar{Location: rome, Hours: cloneHours(ref.hours), Closures: ref.closures[enteCode]}, nil
}
