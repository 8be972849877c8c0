package app

import (
	"context"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// EntiStore is what the enti and calendar use cases need from persistence.
type EntiStore interface {
	ListEnti(ctx context.Context) ([]domain.Ente, error)
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	CreateEnte(ctx context.Context, e domain.Ente) (domain.Ente, error)
	UpdateEnte(ctx context.Context, code string, fn func(*domain.Ente) error) (domain.Ente, error)
	Closures(ctx context.Context, enteCode string) ([]domain.EnteClosure, error)
	AddClosure(ctx context.Context, c domain.EnteClosure) (domain.EnteClosure, error)
	DeleteClosure(ctx context.Context, enteCode string, id int64) error
	WeekHours(ctx context.Context) (domain.WeekHours, error)
	SetWeekHours(ctx context.Context, w domain.WeekHours, now time.Time) error
	SLATargets(ctx context.Context) (domain.SLATargets, error)
	SetSLATargets(ctx context.Context, ts domain.SLATargets, now time.Time) error
}

// Enti are the use cases of the enti, their calendars and the SLA targets.
type Enti struct {
	store EntiStore
	now   Clock
	loc   *time.Location // the centre's time zone, of holidays and years
}

// NewEnti builds the enti use cases.
func NewEnti(store EntiStore, now Clock, loc *time.Location) *Enti {
	return &Enti{store: store, now: now, loc: loc}
}

// List returns every ente.
func (u *Enti) List(ctx context.Context) ([]domain.Ente, error) { return u.store.ListEnti(ctx) }

// Get returns an ente.
func (u *Enti) Get(ctx context.Context, code string) (domain.Ente, error) {
	return u.store.GetEnte(ctx, code)
}

// Create validates and stores a new ente (its times and version are set
// here).
func (u *Enti) Create(ctx context.Context, e domain.Ente) (domain.Ente, error) {
	now := u.now.read()
	e.CreatedAt, e.UpdatedAt, e.Version = now, now, 1
	if err := e.Validate(); err != nil {
		return e, err
	}
	return u.store.CreateEnte(ctx, e)
}

// EnteChange holds what may change on an ente; nil fields stay.
type EnteChange struct {
	Name          *string
	Kind          *string
	ContactCenter *bool
	CEDMultiente  *string
	OfficeEmail   *string // the offices' address for outage notices; "" removes it
}

// Update changes an ente under its row lock; version is the version the
// caller read, or AnyVersion.
func (u *Enti) Update(ctx context.Context, code string, ch EnteChange, version int) (domain.Ente, error) {
	now := u.now.read()
	return u.store.UpdateEnte(ctx, code, func(e *domain.Ente) error {
		if err := checkVersion(version, e.Version, "the ente"); err != nil {
			return err
		}
		if ch.Name != nil {
			e.Name = *ch.Name
		}
		if ch.Kind != nil {
			e.Kind = *ch.Kind
		}
		if ch.ContactCenter != nil {
			e.ContactCenter = *ch.ContactCenter
		}
		if ch.CEDMultiente != nil {
			e.CEDMultiente = *ch.CEDMultiente
		}
		if ch.OfficeEmail != nil {
			e.OfficeEmail = *ch.OfficeEmail
		}
		e.UpdatedAt = now
		return e.Validate()
	})
}

// Closures returns the closure days of an existing ente.
func (u *Enti) Closures(ctx context.Context, code string) ([]domain.EnteClosure, error) {
	if _, err := u.store.GetEnte(ctx, code); err != nil {
		return nil, err
	}
	return u.store.Closures(ctx, code)
}

// AddClosure adds a closure day to an ente's calendar. Deadlines already
// computed keep their stored value; only clocks started later see it.
func (u *Enti) AddClosure(ctx context.Context, cl domain.EnteClosure) (domain.EnteClosure, error) {
	if _, err := u.store.GetEnte(ctx, cl.EnteCode); err != nil {
		return cl, err
	}
	if err := cl.Validate(); err != nil {
		return cl, err
	}
	return u.store.AddClosure(ctx, cl)
}

// DeleteClosure removes a closure day of an ente.
func (u *Enti) DeleteClosure(ctx context.Context, code string, id int64) error {
	return u.store.DeleteClosure(ctx, code, id)
}

// CalendarView is the working calendar of a year: counter hours, national
// holidays and, for one ente, its closures.
type CalendarView struct {
	Year     int
	Hours    domain.WeekHours
	Holidays []domain.Holiday
	Ente     string
	Closures []domain.EnteClosure
}

// Calendar shows the working calendar of year (0 is this year), with the
// closures of ente when one is named.
func (u *Enti) Calendar(ctx context.Context, year int, ente string) (CalendarView, error) {
	if year == 0 {
		year = u.now.read().In(u.loc).Year()
	}
	hours, err := u.store.WeekHours(ctx)
	if err != nil {
		return CalendarView{}, err
	}
	v := CalendarView{Year: year, Hours: hours, Holidays: domain.NationalHolidays(year, u.loc), Ente: ente}
	if ente != "" {
		if v.Closures, err = u.Closures(ctx, ente); err != nil {
			return CalendarView{}, err
		}
	}
	return v, nil
}

// SetWeekHours replaces the counter hours.
func (u *Enti) SetWeekHours(ctx context.Context, w domain.WeekHours) error {
	if err := w.Validate(); err != nil {
		return err
	}
	return u.store.SetWeekHours(ctx, w, u.now.read())
}

// SLATargets returns the targets in force.
func (u *Enti) SLATargets(ctx context.Context) (domain.SLATargets, error) {
	return u.store.SLATargets(ctx)
}

// SetSLATargets replaces the targets; tickets already open keep theirs.
func (u *Enti) SetSLATargets(ctx context.Context, ts domain.SLATargets) error {
	if err := ts.Validate(); err != nil {
		return err
	}
	return u.store.SetSLATargets(ctx, ts, u.now.read())
}
