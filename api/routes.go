package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// Role sets used by the route table.
var (
	anyone []domain.Role // public: no authentication
	// everyone but monitor, which can only post events
	everyone    = []domain.Role{domain.RoleAdmin, domain.RoleOperator, domain.RoleTechnician, domain.RoleEnte, domain.RoleReporter}
	admins      = []domain.Role{domain.RoleAdmin}
	staff       = []domain.Role{domain.RoleAdmin, domain.RoleOperator}
	ticketUsers = []domain.Role{domain.RoleAdmin, domain.RoleOperator, domain.RoleTechnician, domain.RoleEnte}
	readers     = app.ReportReaders
)

// Policy says who may call a route; nil roles means the route is public.
type Policy struct {
	Roles  []domain.Role
	Public bool
}

// Policies returns the roles allowed on every registered route, keyed by
// "METHOD /path" with gin's :param syntax.
func (s *Server) Policies() map[string]Policy { return s.policies }

// handle registers a route with the roles allowed on it. Every route goes
// through here, so none exists without a policy.
func (s *Server) handle(method, path string, roles []domain.Role, h gin.HandlerFunc) {
	chain := []gin.HandlerFunc{rejectControlParams, accepting(routeMediaTypes(path)...)}
	pol := Policy{Roles: roles, Public: roles == nil}
	if !pol.Public {
		chain = append(chain, s.authenticate, allow(roles))
	}
	if s.policies == nil {
		s.policies = map[string]Policy{}
	}
	s.policies[method+" "+path] = pol
	s.engine.Handle(method, path, append(chain, h)...)
}

func (s *Server) routes() {
	e := s.engine
	e.Use(s.withLogger, recovery, withRequestID, securityHeaders, s.observe, s.closeWhenDraining)
	e.NoRoute(notFoundRoute)
	e.NoMethod(methodNotAllowed)

	s.handle(http.MethodGet, "/healthz", anyone, func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	s.handle(http.MethodGet, "/readyz", anyone, s.ready)
	s.handle(http.MethodGet, "/openapi.yaml", anyone, func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", s.cfg.OpenAPI) })

	const v1 = "/api/v1"
	s.handle(http.MethodPost, v1+"/auth/token", anyone, s.login)
	s.handle(http.MethodPost, v1+"/auth/refresh", anyone, s.refresh)
	s.handle(http.MethodPost, v1+"/auth/logout", everyone, s.logout)
	s.handle(http.MethodGet, v1+"/me", everyone, s.me)

	s.handle(http.MethodGet, v1+"/users", admins, s.listUsers)
	s.handle(http.MethodPost, v1+"/users", admins, s.createUser)
	s.handle(http.MethodGet, v1+"/users/:id", admins, s.getUser)
	s.handle(http.MethodPatch, v1+"/users/:id", admins, s.patchUser)
	s.handle(http.MethodPost, v1+"/users/:id/revoke-sessions", admins, s.revokeSessions)
	s.handle(http.MethodGet, v1+"/api-tokens", admins, s.listAPITokens)
	s.handle(http.MethodPost, v1+"/api-tokens", admins, s.createAPIToken)
	s.handle(http.MethodDelete, v1+"/api-tokens/:id", admins, s.revokeAPIToken)

	s.handle(http.MethodGet, v1+"/enti", everyone, s.listEnti)
	s.handle(http.MethodPost, v1+"/enti", admins, s.createEnte)
	s.handle(http.MethodGet, v1+"/enti/:code", everyone, s.getEnte)
	s.handle(http.MethodPatch, v1+"/enti/:code", admins, s.patchEnte)
	s.handle(http.MethodGet, v1+"/enti/:code/closures", everyone, s.listClosures)
	s.handle(http.MethodPost, v1+"/enti/:code/closures", admins, s.addClosure)
	s.handle(http.MethodDelete, v1+"/enti/:code/closures/:id", admins, s.deleteClosure)
	s.handle(http.MethodGet, v1+"/calendar", everyone, s.getCalendar)
	s.handle(http.MethodPut, v1+"/calendar/hours", admins, s.putHours)
	s.handle(http.MethodGet, v1+"/settings/sla", staff, s.getSLATargets)
	s.handle(http.MethodPut, v1+"/settings/sla", admins, s.putSLATargets)

	s.handle(http.MethodGet, v1+"/tickets", ticketUsers, s.listTickets)
	s.handle(http.MethodPost, v1+"/tickets", []domain.Role{domain.RoleAdmin, domain.RoleOperator, domain.RoleEnte}, s.createTicket)
	s.handle(http.MethodGet, v1+"/tickets/:id", ticketUsers, s.getTicket)
	s.handle(http.MethodGet, v1+"/tickets/:id/events", ticketUsers, s.ticketEvents)
	for path, action := range ticketActionPaths {
		roles := staff
		if action == domain.ActionReply {
			// ente users reply to their own ente's tickets (domain.Ticket.Allows)
			roles = []domain.Role{domain.RoleAdmin, domain.RoleOperator, domain.RoleEnte}
		}
		s.handle(http.MethodPost, v1+"/tickets/:id/"+path, roles, s.ticketAction(action))
	}
	s.interventionRoutes(v1)
	s.reportRoutes(v1)
	s.handle(http.MethodGet, v1+"/monitoring/systems", readers, s.listMonitoringSystems)
	s.handle(http.MethodPut, v1+"/monitoring/systems/:code", admins, s.putMonitoringSystem)
	s.handle(http.MethodPost, v1+"/monitoring/events", []domain.Role{domain.RoleAdmin, domain.RoleMonitor}, s.postMonitoringEvent)
	s.handle(http.MethodPost, v1+"/import/monitoring", admins, s.importMonitoring)
	s.handle(http.MethodGet, v1+"/reports/availability", readers, s.availabilityReport)
	s.handle(http.MethodGet, v1+"/reports/alerts", readers, s.alertsReport)
	s.handle(http.MethodGet, v1+"/outages", readers, s.listOutages)
	s.handle(http.MethodPost, v1+"/outages", staff, s.createOutage)
	s.handle(http.MethodGet, v1+"/outages/:id", readers, s.getOutage)
	s.handle(http.MethodPatch, v1+"/outages/:id", staff, s.patchOutage)
	s.handle(http.MethodGet, v1+"/reports/outages", app.OutageReportReaders, s.outagesReport)
	s.handle(http.MethodPost, v1+"/reports/outages/deliveries", staff, s.recordOutageReportDelivery)
	// @more-routes: each further resource adds one line above this comment.
}

// ready answers 200 when the database answers within a second.
func (s *Server) ready(c *gin.Context) {
	if s.draining.Load() {
		fail(c, domain.Errorf(domain.CodeUnavailable, "the server is shutting down"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		fail(c, &domain.Error{Code: domain.CodeUnavailable, Message: "the database is not reachable", Err: err})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// Drain prepares a graceful shutdown: /readyz fails, so load balancers stop
// sending new work, and every response asks its client to close the
// connection, so that no keep-alive connection is idle (and about to be
// closed under a client's next request) when the server finally stops.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) closeWhenDraining(c *gin.Context) {
	if s.draining.Load() {
		c.Header("Connection", "close")
	}
	c.Next()
}

// securityHeaders: no response may be sniffed into another type, and none
// under /api/ (tickets, users, tokens, reports) may be kept by a browser
// or proxy cache; handlers that need another policy set their own.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		h.Set("Cache-Control", "no-store")
	}
	c.Next()
}

// routeMediaTypes are the media types a route answers with, for the 406
// check; a report also answers as a spreadsheet.
func routeMediaTypes(path string) []string {
	switch {
	case path == "/openapi.yaml":
		return []string{"application/yaml"}
	case strings.HasPrefix(path, "/api/v1/reports/"):
		return reportMediaTypes
	}
	return []string{"application/json"}
}
