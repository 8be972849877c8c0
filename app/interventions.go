package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// InterventionStore is what the intervention use cases need from
// persistence.
type InterventionStore interface {
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	Calendar(ctx context.Context, enteCode string) (domain.Calendar, error)
	GetTicket(ctx context.Context, id int64) (domain.Ticket, error)
	GetUser(ctx context.Context, id int64) (domain.User, error)
	CreateIntervention(ctx context.Context, iv domain.Intervention, requested domain.InterventionEvent) (domain.Intervention, error)
	GetIntervention(ctx context.Context, id int64) (domain.Intervention, error)
	UpdateIntervention(ctx context.Context, id int64, fn func(*domain.Intervention) (domain.InterventionEvent, error)) (domain.Intervention, domain.InterventionEvent, error)
	InterventionEvents(ctx context.Context, interventionID int64) ([]domain.InterventionEvent, error)
	ListInterventions(ctx context.Context, f domain.InterventionFilter) (domain.InterventionPage, error)
}

// Interventions are the use cases of on-site interventions.
type Interventions struct {
	store  InterventionStore
	now    Clock
	window time.Duration
}

// NewInterventions builds the intervention use cases. window is how far
// back a requested_at may lie (0: domain.DefaultBackdateWindow).
func NewInterventions(store InterventionStore, now Clock, window time.Duration) *Interventions {
	return &Interventions{store: store, now: now, window: backdateWindow(window)}
}

// Request validates a request for an intervention, computes its deadline
// on the ente's calendar and stores it with its first event. An ente
// user's request is for their own ente unless they name it.
func (u *Interventions) Request(ctx context.Context, p domain.Principal, n domain.NewIntervention) (domain.Intervention, error) {
	if p.Role == domain.RoleEnte && n.EnteCode == "" {
		n.EnteCode = p.EnteCode
	}
	n.Window = u.window
	if err := n.Validate(); err != nil {
		return domain.Intervention{}, err
	}
	ente, err := u.store.GetEnte(ctx, n.EnteCode)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Intervention{}, unknownEnte(n.EnteCode)
	}
	if err != nil {
		return domain.Intervention{}, err
	}
	cal, err := u.store.Calendar(ctx, n.EnteCode)
	if err != nil {
		return domain.Intervention{}, err
	}
	iv, ev, err := domain.RequestIntervention(n, ente, p, u.now.read(), cal)
	if err != nil {
		return domain.Intervention{}, err
	}
	if n.TicketID != nil {
		// Not found and another ente's ticket answer alike, so an ente user
		// learns nothing about tickets that are not theirs.
		t, err := u.store.GetTicket(ctx, *n.TicketID)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return domain.Intervention{}, err
		}
		if err != nil || t.EnteCode != n.EnteCode {
			return domain.Intervention{}, &domain.Error{Code: domain.CodeUnprocessable,
				Message: fmt.Sprintf("there is no ticket %d of ente %q", *n.TicketID, n.EnteCode),
				Fields:  []domain.FieldError{{Field: "ticket_id", Detail: "is not a ticket of this ente"}}}
		}
	}
	return u.store.CreateIntervention(ctx, iv, ev)
}

// Get returns an intervention the principal may see; another ente's
// intervention is not found.
func (u *Interventions) Get(ctx context.Context, p domain.Principal, id int64) (domain.Intervention, error) {
	iv, err := u.store.GetIntervention(ctx, id)
	if err != nil {
		return domain.Intervention{}, err
	}
	return iv, notFoundFor(p, iv.EnteCode, "intervention", id)
}

// Events returns the history of an intervention the principal may see.
func (u *Interventions) Events(ctx context.Context, p domain.Principal, id int64) ([]domain.InterventionEvent, error) {
	iv, err := u.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	return u.store.InterventionEvents(ctx, iv.ID)
}

// Apply carries out one step of the lifecycle under the row lock. cmd's
// By and At are set here. A technician who schedules without naming
// anyone schedules themselves; the scheduled user must be an active
// technician. version is the version the caller read, or AnyVersion.
func (u *Interventions) Apply(ctx context.Context, p domain.Principal, id int64, cmd domain.InterventionCommand, version int) (domain.Intervention, error) {
	cmd.By, cmd.At = p, u.now.read()
	iv, err := u.Get(ctx, p, id)
	if err != nil {
		return domain.Intervention{}, err
	}
	if cmd.Action == domain.InterventionSchedule {
		if cmd.TechnicianID == 0 && p.Role == domain.RoleTechnician {
			cmd.TechnicianID = p.UserID
		}
		if cmd.TechnicianID > 0 {
			if cmd.TechnicianName, err = u.technician(ctx, cmd.TechnicianID); err != nil {
				return domain.Intervention{}, err
			}
		}
	}
	cal, err := u.store.Calendar(ctx, iv.EnteCode)
	if err != nil {
		return domain.Intervention{}, err
	}
	iv, _, err = u.store.UpdateIntervention(ctx, iv.ID, func(iv *domain.Intervention) (domain.InterventionEvent, error) {
		if err := checkVersion(version, iv.Version, fmt.Sprintf("intervention %d", iv.ID)); err != nil {
			return domain.InterventionEvent{}, err
		}
		return iv.Apply(cmd, cal)
	})
	return iv, err
}

// technician checks that the scheduled user is an active technician and
// returns their username for display.
func (u *Interventions) technician(ctx context.Context, id int64) (string, error) {
	bad := &domain.Error{Code: domain.CodeUnprocessable, Message: fmt.Sprintf("user %d is not an active technician", id),
		Fields: []domain.FieldError{{Field: "technician_id", Detail: "must be the id of an active technician"}}}
	usr, err := u.store.GetUser(ctx, id)
	if errors.Is(err, domain.ErrNotFound) {
		return "", bad
	}
	if err != nil {
		return "", err
	}
	if usr.Role != domain.RoleTechnician || !usr.Active {
		return "", bad
	}
	return usr.Username, nil
}

// List returns one page of the interventions a filter matches; f.Now,
// when zero, is this use case's now.
func (u *Interventions) List(ctx context.Context, f domain.InterventionFilter) (domain.InterventionPage, error) {
	if f.Now.IsZero() {
		f.Now = u.now.read()
	}
	return u.store.ListInterventions(ctx, f)
}
