// Package api is the HTTP face of the help desk: gin routes, authentication
// and authorization, request and response types, and RFC 9457 problems.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// Store is what the server needs from persistence: the stores of the use
// cases it builds, and the few things that are the HTTP layer's own
// (readiness, idempotent replays, API-token authentication, the bulk
// import).
type Store interface {
	app.TicketStore
	app.InterventionStore
	app.ReportStore
	app.UserStore
	app.AuthStore
	app.EntiStore

	Ping(ctx context.Context) error
	Idempotent(ctx context.Context, scope, key, hash string, now time.Time,
		create func(ctx context.Context) (domain.StoredResponse, error)) (domain.StoredResponse, bool, error)
	APITokenUser(ctx context.Context, hash []byte, now time.Time) (domain.APIToken, domain.User, error)
	SessionVersion(ctx context.Context, userID int64) (int, error)
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
	Logger         *slog.Logger // request and error logs; slog.Default() when nil
	OpenAPI        []byte       // the contract, served at /openapi.yaml

	// BackdateWindow is how far back received_at and requested_at may lie
	// (HELPDESK_BACKDATE_WINDOW); 0 means domain.DefaultBackdateWindow.
	BackdateWindow time.Duration

	Monitoring            MonitoringService // systems, ingest, availability and alerts
	MaxMonitoringLogBytes int64             // body limit of a nagios.log import; it is streamed, so it can be large

	Webhooks WebhookService // webhook endpoints and their delivery log; 503 without
	Jobs     JobService     // the background job queue, for /jobs and /metrics; 503 without
	Mail     MailLog        // the log of e-mail sends; 503 without (no SMTP configured)
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
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxMonitoringLogBytes == 0 {
		c.MaxMonitoringLogBytes = 1 << 30
	}
}

// Server holds the router and what the handlers share.
type Server struct {
	cfg      Config
	store    Store
	engine   *gin.Engine
	metrics  *metrics
	registry *prometheus.Registry
	// dummyHash is compared against when the username does not exist; it
	// has the configured cost, so a login takes as long either way.
	dummyHash []byte
	rome      *time.Location
	policies  map[string]Policy
	draining  atomic.Bool
	verified  tokenCache // access tokens already verified, until they expire

	// The use cases the handlers call.
	tickets       *app.Tickets
	interventions *app.Interventions
	auth          *app.Auth
	reports       *app.Reports
	users         *app.Users
	enti          *app.Enti
	deadlines     *app.Deadlines
	imports       *app.Imports
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
		rome: rome,
	}
	if s.dummyHash, err = bcrypt.GenerateFromPassword([]byte(app.RandomSecret(16)), cfg.PasswordCost); err != nil {
		return nil, fmt.Errorf("password cost %d: %w", cfg.PasswordCost, err)
	}
	clock := app.Clock(cfg.Now)
	s.tickets = app.NewTickets(store, clock, cfg.BackdateWindow)
	s.interventions = app.NewInterventions(store, clock, cfg.BackdateWindow)
	s.deadlines = app.NewDeadlines(store)
	s.reports = app.NewReports(store, clock, rome, cfg.Monitoring)
	s.enti = app.NewEnti(store, clock, rome)
	s.imports = app.NewImports(store, clock)
	s.users = app.NewUsers(store, clock, func(pw string) (string, error) { return HashPassword(pw, cfg.PasswordCost) })
	s.auth = app.NewAuth(store, clock, app.AuthConfig{
		RefreshTTL: cfg.RefreshTTL, Check: passwordMatches, DummyHash: string(s.dummyHash), SessionKey: cfg.JWTSecret,
	})
	s.metrics = newMetrics(s.registry)
	if cfg.Jobs != nil {
		s.registry.MustRegister(newJobsCollector(cfg.Jobs))
	}
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
