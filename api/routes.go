package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// access is who may call a route: anyone (public), or the roles that
// domain.Permissions gives one act. A route is registered as
// s.handle(method, path, can(domain.ActX), h).
type access struct {
	act    domain.Act
	public bool
}

// public routes need no authentication.
var public = access{public: true}

// can lets through the roles that domain.Permissions allows act.
func can(act domain.Act) access { return access{act: act} }

// Policy says who may call a route: nobody needs to sign in when Public,
// otherwise the roles domain.Permissions gives Act.
type Policy struct {
	Act    domain.Act
	Roles  []domain.Role
	Public bool
}

// Policies returns the policy of every registered route, keyed by
// "METHOD /path" with gin's :param syntax.
func (s *Server) Policies() map[string]Policy { return s.policies }

// handle registers a route with who may call it. Every route goes through
// here, so none exists without a policy, and a protected one must name an
// act of the table.
func (s *Server) handle(method, path string, who access, h gin.HandlerFunc) {
	chain := []gin.HandlerFunc{rejectControlParams, accepting(routeMediaTypes(path)...)}
	pol := Policy{Act: who.act, Public: who.public}
	if !pol.Public {
		roles, ok := domain.Permissions[who.act]
		if !ok {
			panic(fmt.Sprintf("route %s %s: act %q is not in domain.Permissions", method, path, who.act))
		}
		pol.Roles = roles
		chain = append(chain, s.authenticate, allow(who.act))
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

	s.handle(http.MethodGet, "/healthz", public, func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	s.handle(http.MethodGet, "/readyz", public, s.ready)
	s.handle(http.MethodGet, "/openapi.yaml", public, func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", s.cfg.OpenAPI) })

	const v1 = "/api/v1"
	s.handle(http.MethodPost, v1+"/auth/token", public, s.login)
	s.handle(http.MethodPost, v1+"/auth/refresh", public, s.refresh)
	s.handle(http.MethodPost, v1+"/auth/logout", can(domain.ActOwnSession), s.logout)
	s.handle(http.MethodGet, v1+"/me", can(domain.ActOwnSession), s.me)

	s.handle(http.MethodGet, v1+"/users", can(domain.ActManageUsers), s.listUsers)
	s.handle(http.MethodPost, v1+"/users", can(domain.ActManageUsers), s.createUser)
	s.handle(http.MethodGet, v1+"/users/:id", can(domain.ActManageUsers), s.getUser)
	s.handle(http.MethodPatch, v1+"/users/:id", can(domain.ActManageUsers), s.patchUser)
	s.handle(http.MethodPost, v1+"/users/:id/revoke-sessions", can(domain.ActManageUsers), s.revokeSessions)
	s.handle(http.MethodGet, v1+"/api-tokens", can(domain.ActManageUsers), s.listAPITokens)
	s.handle(http.MethodPost, v1+"/api-tokens", can(domain.ActManageUsers), s.createAPIToken)
	s.handle(http.MethodDelete, v1+"/api-tokens/:id", can(domain.ActManageUsers), s.revokeAPIToken)

	s.handle(http.MethodGet, v1+"/webhooks", can(domain.ActManageNotifications), s.listWebhooks)
	s.handle(http.MethodPost, v1+"/webhooks", can(domain.ActManageNotifications), s.createWebhook)
	s.handle(http.MethodGet, v1+"/webhooks/:id", can(domain.ActManageNotifications), s.getWebhook)
	s.handle(http.MethodPatch, v1+"/webhooks/:id", can(domain.ActManageNotifications), s.patchWebhook)
	s.handle(http.MethodDelete, v1+"/webhooks/:id", can(domain.ActManageNotifications), s.deleteWebhook)
	s.handle(http.MethodGet, v1+"/webhooks/:id/deliveries", can(domain.ActManageNotifications), s.listDeliveries)
	s.handle(http.MethodPost, v1+"/webhooks/:id/deliveries/:delivery/redeliver", can(domain.ActManageNotifications), s.redeliver)
	s.handle(http.MethodGet, v1+"/jobs", can(domain.ActManageNotifications), s.listJobs)
	s.handle(http.MethodGet, v1+"/mail", can(domain.ActManageNotifications), s.listMail)

	s.handle(http.MethodGet, v1+"/enti", can(domain.ActReadEnti), s.listEnti)
	s.handle(http.MethodPost, v1+"/enti", can(domain.ActManageEnti), s.createEnte)
	s.handle(http.MethodGet, v1+"/enti/:code", can(domain.ActReadEnti), s.getEnte)
	s.handle(http.MethodPatch, v1+"/enti/:code", can(domain.ActManageEnti), s.patchEnte)
	s.handle(http.MethodGet, v1+"/enti/:code/closures", can(domain.ActReadEnti), s.listClosures)
	s.handle(http.MethodPost, v1+"/enti/:code/closures", can(domain.ActManageEnti), s.addClosure)
	s.handle(http.MethodDelete, v1+"/enti/:code/closures/:id", can(domain.ActManageEnti), s.deleteClosure)
	s.handle(http.MethodGet, v1+"/calendar", can(domain.ActReadEnti), s.getCalendar)
	s.handle(http.MethodPut, v1+"/calendar/hours", can(domain.ActManageHours), s.putHours)
	s.handle(http.MethodGet, v1+"/calendar/deadline", can(domain.ActReadEnti), s.calendarDeadline)
	s.handle(http.MethodGet, v1+"/settings/sla", can(domain.ActReadSLA), s.getSLATargets)
	s.handle(http.MethodPut, v1+"/settings/sla", can(domain.ActManageSLA), s.putSLATargets)

	s.handle(http.MethodGet, v1+"/tickets", can(domain.ActReadTickets), s.listTickets)
	s.handle(http.MethodPost, v1+"/tickets", can(domain.ActOpenTicket), s.createTicket)
	s.handle(http.MethodGet, v1+"/tickets/:id", can(domain.ActReadTickets), s.getTicket)
	s.handle(http.MethodGet, v1+"/tickets/:id/events", can(domain.ActReadTickets), s.ticketEvents)
	for path, action := range ticketActionPaths {
		s.handle(http.MethodPost, v1+"/tickets/:id/"+path, can(domain.TicketActionAct(action)), s.ticketAction(action))
	}
	s.handle(http.MethodPost, v1+"/tickets/:id/wait", can(domain.TicketActionAct(domain.ActionWait)), s.ticketWait)
	s.interventionRoutes(v1)
	s.reportRoutes(v1)
	s.handle(http.MethodGet, v1+"/monitoring/systems", can(domain.ActReadReports), s.listMonitoringSystems)
	s.handle(http.MethodPut, v1+"/monitoring/systems/:code", can(domain.ActManageMonitoring), s.putMonitoringSystem)
	s.handle(http.MethodPost, v1+"/monitoring/events", can(domain.ActPostMonitorEvents), s.postMonitoringEvent)
	s.handle(http.MethodPost, v1+"/import/monitoring", can(domain.ActImportMonitoring), s.importMonitoring)
	s.handle(http.MethodGet, v1+"/reports/availability", can(domain.ActReadReports), s.availabilityReport)
	s.handle(http.MethodGet, v1+"/reports/alerts", can(domain.ActReadReports), s.alertsReport)
	s.handle(http.MethodGet, v1+"/outages", can(domain.ActReadReports), s.listOutages)
	s.handle(http.MethodPost, v1+"/outages", can(domain.ActRecordOutages), s.createOutage)
	s.handle(http.MethodGet, v1+"/outages/:id", can(domain.ActReadReports), s.getOutage)
	s.handle(http.MethodPatch, v1+"/outages/:id", can(domain.ActRecordOutages), s.patchOutage)
	s.handle(http.MethodPost, v1+"/outages/:id/notices", can(domain.ActSendOutageNotices), s.sendOutageNotice)
	s.handle(http.MethodGet, v1+"/reports/outages", can(domain.ActReadOutageReport), s.outagesReport)
	s.handle(http.MethodPost, v1+"/reports/outages/deliveries", can(domain.ActRecordOutages), s.recordOutageReportDelivery)
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
