package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// TicketStore is what the ticket use cases need from persistence.
type TicketStore interface {
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	Calendar(ctx context.Context, enteCode string) (domain.Calendar, error)
	SLATargets(ctx context.Context) (domain.SLATargets, error)
	CreateTicket(ctx context.Context, t domain.Ticket, opened domain.Event) (domain.Ticket, error)
	GetTicket(ctx context.Context, id int64) (domain.Ticket, error)
	UpdateTicket(ctx context.Context, id int64, fn func(*domain.Ticket) (domain.Event, error)) (domain.Ticket, domain.Event, error)
	TicketEvents(ctx context.Context, ticketID int64) ([]domain.Event, error)
	ListTickets(ctx context.Context, f domain.TicketFilter) (domain.TicketPage, error)
}

// Tickets are the use cases of tickets.
type Tickets struct {
	store  TicketStore
	now    Clock
	window time.Duration
}

// NewTickets builds the ticket use cases. window is how far back a
// received_at may lie (0: domain.DefaultBackdateWindow).
func NewTickets(store TicketStore, now Clock, window time.Duration) *Tickets {
	return &Tickets{store: store, now: now, window: backdateWindow(window)}
}

// OpenTicket is a request to open a ticket. Level nil means "not chosen".
type OpenTicket struct {
	Ente        string
	Subject     string
	Description string
	Service     string
	Channel     domain.Channel
	Level       *domain.Level
	ReceivedAt  time.Time // when the report arrived; zero: now
}

// Open validates the request, starts the SLA clocks on the ente's calendar
// with the targets in force, and stores the ticket. Ente users may not
// choose the level (the help desk triages it) and open for their own ente
// by default.
func (u *Tickets) Open(ctx context.Context, p domain.Principal, req OpenTicket) (domain.Ticket, error) {
	n := domain.NewTicket{EnteCode: req.Ente, Subject: req.Subject, Description: req.Description,
		Service: req.Service, Channel: req.Channel, Level: 1, ReceivedAt: req.ReceivedAt, Window: u.window}
	if p.Role == domain.RoleEnte {
		if req.Level != nil {
			return domain.Ticket{}, &domain.Error{Code: domain.CodeForbidden, Message: "ente users cannot choose the level; the help desk triages it",
				Fields: []domain.FieldError{{Field: "level", Detail: "may not be set by an ente user"}}}
		}
		if n.EnteCode == "" {
			n.EnteCode = p.EnteCode
		}
	}
	if req.Level != nil {
		n.Level = *req.Level
	}
	if err := n.Validate(); err != nil {
		return domain.Ticket{}, err
	}
	if _, err := u.store.GetEnte(ctx, n.EnteCode); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Ticket{}, unknownEnte(n.EnteCode)
		}
		return domain.Ticket{}, err
	}
	cal, err := u.store.Calendar(ctx, n.EnteCode)
	if err != nil {
		return domain.Ticket{}, err
	}
	targets, err := u.store.SLATargets(ctx)
	if err != nil {
		return domain.Ticket{}, err
	}
	t, opened, err := domain.Open(n, p, u.now.read(), targets, cal)
	if err != nil {
		return domain.Ticket{}, err
	}
	return u.store.CreateTicket(ctx, t, opened)
}

// Get returns a ticket the principal may see; another ente's ticket is
// not found.
func (u *Tickets) Get(ctx context.Context, p domain.Principal, id int64) (domain.Ticket, error) {
	t, err := u.store.GetTicket(ctx, id)
	if err != nil {
		return domain.Ticket{}, err
	}
	return t, notFoundFor(p, t.EnteCode, "ticket", id)
}

// Events returns the history of a ticket as the principal may see it
// (ente users do not see internal notes).
func (u *Tickets) Events(ctx context.Context, p domain.Principal, id int64) ([]domain.Event, error) {
	t, err := u.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	evs, err := u.store.TicketEvents(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	return domain.VisibleEvents(p, evs), nil
}

// Apply carries out one action on a ticket under its row lock. version is
// the version the caller read, or AnyVersion. The ticket is read once,
// locked: who may see it and which calendar applies are decided on that
// read. The calendar comes from the store's reference-data cache, which
// reads outside the transaction (a pool connection, or SQLite's read pool).
func (u *Tickets) Apply(ctx context.Context, p domain.Principal, id int64, a domain.Action, body string, version int) (domain.Ticket, error) {
	return u.apply(ctx, p, id, domain.Command{Action: a, Body: body}, version)
}

// Wait puts a ticket on hold ("in attesa") with a reason: its reply
// clock stops until a resume, a reply of the ente or w.Until.
func (u *Tickets) Wait(ctx context.Context, p domain.Principal, id int64, w domain.WaitCommand, version int) (domain.Ticket, error) {
	return u.apply(ctx, p, id, domain.Command{Action: domain.ActionWait, Body: w.Reason, Wait: w}, version)
}

func (u *Tickets) apply(ctx context.Context, p domain.Principal, id int64, cmd domain.Command, version int) (domain.Ticket, error) {
	cmd.By, cmd.At = p, u.now.read()
	t, _, err := u.store.UpdateTicket(ctx, id, func(t *domain.Ticket) (domain.Event, error) {
		if err := notFoundFor(p, t.EnteCode, "ticket", id); err != nil {
			return domain.Event{}, err
		}
		if err := checkVersion(version, t.Version, fmt.Sprintf("ticket %d", t.ID)); err != nil {
			return domain.Event{}, err
		}
		cal, err := u.store.Calendar(ctx, t.EnteCode)
		if err != nil {
			return domain.Event{}, err
		}
		return t.Apply(cmd, cal)
	})
	return t, err
}

// List returns one page of the tickets a filter matches; f.Now, when
// zero, is this use case's now.
func (u *Tickets) List(ctx context.Context, f domain.TicketFilter) (domain.TicketPage, error) {
	if f.Now.IsZero() {
		f.Now = u.now.read()
	}
	return u.store.ListTickets(ctx, f)
}
