// Package api is the HTTP face of the help desk: gin routes, authentication
// and authorization, request and response types, and RFC 9457 problems.
package api

import (
	"context"
	"github.com/cst-firenze/helpdesk/app"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cst-firenze/helpdesk/domain"
)

// Store is what the handlers need from persistence.
type Store interface {
	Ping(ctx context.Context) error
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Idempotent(ctx context.Context, scope, key, hash string, now time.Time,
		create func(ctx context.Context) (domain.StoredResponse, error)) (domain.StoredResponse, bool, error)

	CountUsers(ctx context.Context) (int64, error)
	CreateUser(ctx context.Context, u domain.User) (domain.User, error)
	GetUser(ctx context.Context, id int64) (domain.User, error)
	UserByUsername(ctx context.Context, username string) (domain.User, error)
	ListUsers(ctx context.Context) ([]domain.User, error)
	UpdateUser(ctx context.Context, id int64, fn func(*domain.User) error) (domain.User, error)

	CreateAPIToken(ctx context.Context, t domain.APIToken) (domain.APIToken, error)
	ListAPITokens(ctx context.Context) ([]domain.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error
	APITokenUser(ctx context.Context, hash []byte, now time.Time) (domain.APIToken, domain.User, error)
	CreateRefreshToken(ctx context.Context, userID int64, family string, hash []byte, now, expires time.Time) error
	RotateRefreshToken(ctx context.Context, oldHash, newHash []byte, now, expires time.Time) (domain.User, error)
	RevokeRefreshFamily(ctx context.Context, family string, now time.Time) error

	ListEnti(ctx context.Context) ([]domain.Ente, error)
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	CreateEnte(ctx context.Context, e domain.Ente) (domain.Ente, error)
	UpdateEnte(ctx context.Context, code string, fn func(*domain.Ente) error) (domain.Ente, error)
	Closures(ctx context.Context, enteCode string) ([]domain.EnteClosure, error)
	AddClosure(ctx context.Context, c domain.EnteClosure) (domain.EnteClosure, error)
	DeleteClosure(ctx context.Context, enteCode string, id int64) error
	Calendar(ctx context.Context, enteCode string) (domain.Calendar, error)
	WeekHours(ctx context.Context) (domain.WeekHours, error)
	SetWeekHours(ctx context.Context, w domain.WeekHours, now time.Time) error
	SLATargets(ctx context.Context) (domain.SLATargets, error)
	SetSLATargets(ctx context.Context, ts domain.SLATargets, now time.Time) error

	CreateTicket(ctx context.Context, t domain.Ticket, opened domain.Event) (domain.Ticket, error)
	GetTicket(ctx context.Context, id int64) (domain.Ticket, error)
	UpdateTicket(ctx context.Context, id int64, fn func(*domain.Ticket) (domain.Event, error)) (domain.Ticket, domain.Event, error)
	TicketEvents(ctx context.Context, ticketID int64) ([]domain.Event, error)
	ListTickets(ctx context.Context, f domain.TicketFilter) (domain.TicketPage, error)

	CreateIntervention(ctx context.Context, iv domain.Intervention, requested domain.InterventionEvent) (domain.Intervention, error)
	GetIntervention(ctx context.Context, id int64) (domain.Intervention, error)
	UpdateIntervention(ctx context.Context, id int64, fn func(*domain.Intervention) (domain.InterventionEvent, error)) (domain.Intervention, domain.InterventionEvent, error)
	InterventionEvents(ctx context.Context, interventionID int64) ([]domain.InterventionEvent, error)
	ListInterventions(ctx context.Context, f domain.InterventionFilter) (domain.InterventionPage, error)
	InterventionStats(ctx context.Context, f domain.InterventionStatsFilter) ([]domain.InterventionStatsRow, error)

	TicketStats(ctx context.Context, q domain.TicketStatsQuery) ([]domain.TicketStatsRow, error)
	TicketYearStats(ctx context.Context, q domain.YearStatsQuery) ([]domain.YearStatsRow, error)
	SLAStats(ctx context.Context, q domain.SLAStatsQuery) ([]domain.SLACounts, error)
	ImportTickets(ctx context.Context, rows []domain.TicketImport) (domain.ImportResult, error)
}

// Config holds the API's settings.
type Config struct {
	JWTSecret      []byte        // HMAC key for access tokens
	Issuer         string        // iss of access tokens
	Audience       string        // aud of access tokens
	AccessTTL      time.Duration // lifetime of an access token
	RefreshTTL     time.Duration // lifetime of a refresh token
	PasswordCost   int           // bcrypt cost
	MaxBodyBytes   int64         // request body limit (413 above)
	MaxImportBytes int64         // body limit of bulk imports
	TrustedProxies []string      // proxies whose X-Forwarded-For is believed; none by default
	Now            func() time.Time
	OpenAPI        []byte // the contract, served at /openapi.yaml
}

func (c *Config) defaults() {
	if c.Issuer == "" {
		c.Issuer = "helpdesk"
	}
	if c.Audience == "" {
		c.Audience = "helpdesk-api"
	}
	if c.AccessTTL == 0 {
		c.AccessTTL = 15 * time.Minute
	}
	if c.RefreshTTL == 0 {
		c.RefreshTTL = 30 * 24 * time.Hour
	}
	if c.PasswordCost == 0 {
		c.PasswordCost = 11
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxImportBytes == 0 {
		c.MaxImportBytes = 64 << 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Server holds the router and what the handlers share.
type Server struct {
	cfg      Config
	store    Store
	engine   *gin.Engine
	metrics  *metrics
	registry *prometheus.Registry
	throttle *loginThrottle
	rome     *time.Location
	policies map[string]Policy
	draining atomic.Bool

	// The use cases the handlers call.
	tickets *app.Tickets
	auth    *app.Auth
}

// New builds the server and its routes.
func New(cfg Config, store Store) (*Server, error) {
	cfg.defaults()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{
		cfg: cfg, store: store, engine: gin.New(), registry: prometheus.NewRegistry(),
		throttle: newLoginThrottle(5, 15*time.Minute), rome: rome,
	}
	clock := app.Clock(cfg.Now)
	s.tickets = app.NewTickets(store, clock)
	s.auth = app.NewAuth(store, clock, app.AuthConfig{RefreshTTL: cfg.RefreshTTL, Check: passwordMatches, DummyHash: string(dummyHash)})
	s.metrics = newMetrics(s.registry)
	if err := s.engine.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	s.engine.HandleMethodNotAllowed = true
	s.engine.ContextWithFallback = true
	s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Routes lists the registered routes as "METHOD /path" with gin's
// :param syntax, for tests that compare them with the spec and policies.
func (s *Server) Routes() []gin.RouteInfo { return s.engine.Routes() }

// now is the server's clock, in UTC truncated to what databases keep.
func (s *Server) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }
