// Command helpdesk runs the help-desk API.
//
//	helpdesk [serve]   migrate the database and serve the API (default)
//	helpdesk migrate   apply the database migrations and exit
//	helpdesk healthcheck  exit 0 when the local server answers /readyz (for
//	                      container healthchecks on an image without curl)
//	helpdesk version   print the version
//
// Configuration is read from the environment; see README.md.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Europe/Rome must resolve even on a scratch image

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/openapi"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/web"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		os.Exit(1)
	}
}

// config is everything read from the environment.
type config struct {
	addr           string
	databaseURL    string
	adminPassword  string
	jwtSecret      []byte
	trustedProxies []string
	logLevel       slog.Level
	passwordCost   int
	shutdown       time.Duration
	drain          time.Duration
}

func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{
		addr:          getenv("HELPDESK_ADDR"),
		databaseURL:   getenv("HELPDESK_DATABASE_URL"),
		adminPassword: getenv("HELPDESK_ADMIN_PASSWORD"),
		jwtSecret:     []byte(getenv("HELPDESK_JWT_SECRET")),
		passwordCost:  11,
		shutdown:      20 * time.Second,
		drain:         2 * time.Second,
	}
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}
	if cfg.databaseURL == "" {
		cfg.databaseURL = "helpdesk.db"
	}
	if v := getenv("HELPDESK_TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			cfg.trustedProxies = append(cfg.trustedProxies, strings.TrimSpace(p))
		}
	}
	if v := getenv("HELPDESK_LOG_LEVEL"); v != "" {
		if err := cfg.logLevel.UnmarshalText([]byte(v)); err != nil {
			return cfg, fmt.Errorf("HELPDESK_LOG_LEVEL: %w", err)
		}
	}
	if v := getenv("HELPDESK_BCRYPT_COST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 4 || n > 15 {
			return cfg, errors.New("HELPDESK_BCRYPT_COST must be 4 to 15")
		}
		cfg.passwordCost = n
	}
	if v := getenv("HELPDESK_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return cfg, fmt.Errorf("HELPDESK_SHUTDOWN_TIMEOUT: %w", err)
		}
		cfg.shutdown = d
	}
	if v := getenv("HELPDESK_SHUTDOWN_DRAIN"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return cfg, fmt.Errorf("HELPDESK_SHUTDOWN_DRAIN must be a duration such as 2s")
		}
		cfg.drain = d
	}
	if len(cfg.jwtSecret) > 0 && len(cfg.jwtSecret) < 32 {
		return cfg, errors.New("HELPDESK_JWT_SECRET must be at least 32 bytes")
	}
	return cfg, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.logLevel}))
	slog.SetDefault(log)
	if addr := getenv("HELPDESK_PPROF_ADDR"); addr != "" {
		go servePprof(addr, log)
	}

	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve", "migrate":
	case "version":
		fmt.Fprintln(stdout, version)
		return nil
	case "healthcheck":
		return healthcheck(ctx, cfg.addr)
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate, healthcheck or version)", cmd)
	}

	store, err := repository.Open(cfg.databaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	applied, err := migrateWithRetry(ctx, store, log)
	if err != nil {
		return err
	}
	log.Info("database ready", "dialect", store.Dialect(), "migrations_applied", len(applied))
	if cmd == "migrate" {
		return nil
	}
	if err := ensureAdmin(ctx, store, cfg, log); err != nil {
		return err
	}
	if len(cfg.jwtSecret) == 0 {
		cfg.jwtSecret = make([]byte, 32)
		_, _ = rand.Read(cfg.jwtSecret)
		log.Warn("HELPDESK_JWT_SECRET is not set: using a random key, so access tokens end with this process")
	}
	srv, err := api.New(api.Config{
		JWTSecret: cfg.jwtSecret, PasswordCost: cfg.passwordCost,
		TrustedProxies: cfg.trustedProxies, OpenAPI: openapi.Spec,
	}, store)
	if err != nil {
		return err
	}
	svc := web.APIServices(srv)
	svc.Tickets = app.NewTickets(store, app.Clock(time.Now))
	pages, err := web.New(web.Config{Key: cfg.jwtSecret, TrustedProxies: cfg.trustedProxies, Log: log}, svc)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, desk(srv, pages), log)
}

// desk routes the pages' paths to the pages and everything else to the API.
func desk(apiSrv *api.Server, pages *web.Handler) drainer {
	mux := http.NewServeMux()
	mux.Handle("/", apiSrv)
	pages.Mount(mux)
	return deskHandler{Handler: mux, api: apiSrv}
}

type deskHandler struct {
	http.Handler
	api *api.Server
}

func (d deskHandler) Drain() { d.api.Drain() }

// drainer is a handler that can prepare for a graceful shutdown.
type drainer interface {
	http.Handler
	Drain()
}

// healthcheck asks the server listening on addr whether it is ready.
func healthcheck(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz answered %s", resp.Status)
	}
	return nil
}

// migrateWithRetry waits for a database that is still starting (compose
// starts both at once) for up to a minute.
func migrateWithRetry(ctx context.Context, store *repository.Store, log *slog.Logger) ([]string, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		applied, err := store.Migrate(ctx)
		if err == nil || time.Now().After(deadline) || domain.ErrorCode(err) != domain.CodeUnavailable && store.Ping(ctx) == nil {
			return applied, err
		}
		log.Warn("database not reachable yet; retrying", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// ensureAdmin creates the user admin on first start with an empty
// database, with HELPDESK_ADMIN_PASSWORD or a random password printed once.
func ensureAdmin(ctx context.Context, store *repository.Store, cfg config, log *slog.Logger) error {
	n, err := store.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password, generated := cfg.adminPassword, false
	if password == "" {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	u, err := api.NewUser("admin", password, domain.RoleAdmin, 0, "", cfg.passwordCost, time.Now())
	if err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	if _, err := store.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("first admin: %w", err)
	}
	if generated {
		log.Warn("created user admin with a generated password; it is shown only this once", "username", "admin", "password", password)
	} else {
		log.Info("created user admin with HELPDESK_ADMIN_PASSWORD", "username", "admin")
	}
	return nil
}

// serve runs the HTTP server until ctx ends, then stops taking new
// connections and lets in-flight requests finish.
func serve(ctx context.Context, cfg config, h drainer, log *slog.Logger) error {
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Keep serving for the drain period while /readyz fails and responses
	// close their connections, then stop accepting and finish what is in
	// flight.
	log.Info("draining: /readyz fails, connections close after each response", "drain", cfg.drain.String())
	h.Drain()
	time.Sleep(cfg.drain)
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// servePprof serves the runtime profiles on their own listener, opt-in
// with HELPDESK_PPROF_ADDR (e.g. 127.0.0.1:6060) and never on the API's
// address, for profiling a benchmark run (see BENCHMARKS.md).
func servePprof(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	log.Warn("serving pprof profiles", "addr", addr)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("pprof listener stopped", "err", err)
	}
}
