package web

import (
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// Store is what the pages' use cases need: the store the API runs on.
type Store interface {
	app.TicketStore
	app.InterventionStore
	app.ReportStore
	app.MonitoringStore
	app.UserStore
	app.EntiStore
}

// NewServices wires the pages to the app use cases the API calls, on the
// API's store; sign-in goes through the API server's own auth use cases
// and access tokens (Sessions). hash is the API's password hash, so
// accounts made on the pages sign in to the API.
func NewServices(api Sessions, store Store, now app.Clock, hash app.PasswordHash) (Services, error) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return Services{}, err
	}
	monitoring := app.NewMonitoring(store, now)
	return Services{
		Auth:          sessionAuth{api},
		Tickets:       app.NewTickets(store, now, domain.DefaultBackdateWindow),
		Interventions: app.NewInterventions(store, now, domain.DefaultBackdateWindow),
		Reports:       app.NewReports(store, now, rome, monitoring), // the same monitoring figures as the API's SLA table
		Outages:       monitoring,
		Users:         app.NewUsers(store, now, hash),
		Enti:          app.NewEnti(store, now, rome),
	}, nil
}
