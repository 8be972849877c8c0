// Command helpdesk runs the help-desk API; `helpdesk help` lists its
// subcommands and environment variables.
package main

import (
	"bufio"
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
	"runtime/debug"
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

// version is stamped by the build (-ldflags "-X main.version=..."); when
// it is not, the module version and VCS revision come from the build info.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "helpdesk:", err)
		os.Exit(1)
	}
}

// config is everything read from the environment.
type config struct {
	addr           string
	metricsAddr    string
	databaseURL    string
	adminPassword  string
	jwtSecret      []byte
	trustedProxies []string
	logLevel       slog.Level
	passwordCost   int
	shutdown       time.Duration
	drain          time.Duration
	backdateWindow time.Duration
	jobs           jobsConfig
}

// jobsConfig tunes the background jobs; tests shorten the waits.
type jobsConfig struct {
	allowPrivate bool          // webhooks may target private addresses
	retryFirst   time.Duration // first webhook retry; later ones double
	poll         time.Duration // how often idle workers look for jobs
	rescueAfter  time.Duration // a job running in a dead process is retried after this
	sweepEvery   time.Duration // how often the leader sweeps the SLA clocks
	warnShare    float64       // share of a clock's target after which operators are warned
	smtpURL      string        // where mail goes; "" sends none
	smtpFrom     string
}

// envVars are every environment variable, with its default, for the
// usage text; README.md has the same table.
var envVars = [][3]string{
	{"HELPDESK_ADDR", ":8080", "listen address of the API"},
	{"HELPDESK_DATABASE_URL", "helpdesk.db", "a SQLite file path, or postgres://user:pass@host:5432/db?sslmode=disable"},
	{"HELPDESK_ADMIN_PASSWORD", "generated, logged once", "password of admin, used only when the first start creates it"},
	{"HELPDESK_JWT_SECRET", "random per process", "HMAC key for access tokens, at least 32 bytes"},
	{"HELPDESK_TRUSTED_PROXIES", "none", "comma-separated proxies whose X-Forwarded-For is believed"},
	{"HELPDESK_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"HELPDESK_BCRYPT_COST", "11", "bcrypt cost of stored passwords (4 to 15)"},
	{"HELPDESK_SHUTDOWN_DRAIN", "2s", "after SIGTERM, serve this long with /readyz failing"},
	{"HELPDESK_SHUTDOWN_TIMEOUT", "20s", "then wait this long for in-flight requests"},
	{"HELPDESK_METRICS_ADDR", "off", "serve Prometheus /metrics on this separate address"},
	{"HELPDESK_PPROF_ADDR", "off", "serve net/http/pprof on this separate address"},
	{"HELPDESK_BACKDATE_WINDOW", "168h", "how far back received_at / requested_at may lie (the import has no limit)"},
	{"HELPDESK_MEMORY_LIMIT", "48MiB", "soft memory limit of the Go runtime, with GOGC=400; off for Go's defaults"},
	{"HELPDESK_WEBHOOK_ALLOW_PRIVATE", "false", "true lets webhooks target loopback, link-local and private addresses"},
	{"HELPDESK_WEBHOOK_RETRY_FIRST", "30s", "wait before the first webhook retry; each later one doubles (at most 2h), for a day"},
	{"HELPDESK_JOBS_POLL", "1s", "how often idle job workers look for new jobs"},
	{"HELPDESK_JOBS_RESCUE_AFTER", "1h", "a job left running by a dead process is retried after this"},
	{"HELPDESK_SLA_SWEEP_EVERY", "1m", "how often one replica looks for SLA clocks to warn about or that breached"},
	{"HELPDESK_SLA_WARNING_SHARE", "0.8", "share of an SLA target (working time) after which operators are warned"},
	{"HELPDESK_SMTP_URL", "off", "smtp://user:pass@host:port?tls=none|starttls|tls; e-mail notices are sent only when set"},
	{"HELPDESK_SMTP_FROM", "none", "sender address of e-mail notices (required with HELPDESK_SMTP_URL)"},
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: helpdesk [command]

Commands:
  serve                    migrate the database and serve the API (the default)
  migrate                  apply the database migrations and exit
  users set-password NAME  set a user's password, read from standard input
                           (one line), and end the user's sessions
  healthcheck              exit 0 when the local server answers /readyz
  version                  print the version and VCS revision
  help, -h, --help         print this help

Environment (secrets also as NAME_FILE, a file holding the value):
`)
	for _, v := range envVars {
		fmt.Fprintf(w, "  %-26s %s (default: %s)\n", v[0], v[2], v[1])
	}
}

// versionString is the stamped version, or the module version and VCS
// revision from the build info.
func versionString() string {
	v, rev, dirty := version, "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if rev != "" {
		v += " " + rev
		if dirty {
			v += "-dirty"
		}
	}
	return v
}

// withFiles lets each secret NAME be given as NAME_FILE, the path of a file
// holding it (Docker and Kubernetes secrets), trailing newline dropped.
func withFiles(getenv func(string) string) (func(string) string, error) {
	vals := map[string]string{}
	for _, name := range []string{"HELPDESK_DATABASE_URL", "HELPDESK_ADMIN_PASSWORD", "HELPDESK_JWT_SECRET"} {
		path := getenv(name + "_FILE")
		if path == "" {
			continue
		}
		if getenv(name) != "" {
			return nil, fmt.Errorf("%s and %s_FILE are both set; set one", name, name)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s_FILE: %w", name, err)
		}
		vals[name] = strings.TrimRight(string(b), "\r\n")
	}
	return func(k string) string {
		if v, ok := vals[k]; ok {
			return v
		}
		return getenv(k)
	}, nil
}

func loadConfig(getenv func(string) string) (config, error) {
	getenv, err := withFiles(getenv)
	if err != nil {
		return config{}, err
	}
	cfg := config{
		addr:          getenv("HELPDESK_ADDR"),
		metricsAddr:   getenv("HELPDESK_METRICS_ADDR"),
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
	if v := getenv("HELPDESK_BACKDATE_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("HELPDESK_BACKDATE_WINDOW must be a positive duration such as 168h")
		}
		cfg.backdateWindow = d
	}
	if err := loadJobsConfig(getenv, &cfg.jobs); err != nil {
		return cfg, err
	}
	if len(cfg.jwtSecret) > 0 && len(cfg.jwtSecret) < 32 {
		return cfg, errors.New("HELPDESK_JWT_SECRET must be at least 32 bytes")
	}
	return cfg, nil
}

func loadJobsConfig(getenv func(string) string, jc *jobsConfig) error {
	switch v := getenv("HELPDESK_WEBHOOK_ALLOW_PRIVATE"); v {
	case "", "false":
	case "true":
		jc.allowPrivate = true
	default:
		return fmt.Errorf("HELPDESK_WEBHOOK_ALLOW_PRIVATE must be true or false, not %q", v)
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{"HELPDESK_WEBHOOK_RETRY_FIRST", &jc.retryFirst}, {"HELPDESK_JOBS_POLL", &jc.poll}, {"HELPDESK_JOBS_RESCUE_AFTER", &jc.rescueAfter},
		{"HELPDESK_SLA_SWEEP_EVERY", &jc.sweepEvery}} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		n, err := time.ParseDuration(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s must be a positive duration such as 30s", d.name)
		}
		*d.to = n
	}
	jc.smtpURL, jc.smtpFrom = getenv("HELPDESK_SMTP_URL"), getenv("HELPDESK_SMTP_FROM")
	if v := getenv("HELPDESK_SLA_WARNING_SHARE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f >= 1 {
			return errors.New("HELPDESK_SLA_WARNING_SHARE must be a number between 0 and 1, such as 0.8")
		}
		jc.warnShare = f
	}
	return nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	case "version":
		fmt.Fprintln(stdout, "helpdesk", versionString())
		return nil
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.logLevel}))
	slog.SetDefault(log)
	memory, err := setMemoryLimit(getenv)
	if err != nil {
		return err
	}
	log.Debug("memory", "limit", memory)
	if addr := getenv("HELPDESK_PPROF_ADDR"); addr != "" {
		go servePprof(addr, log)
	}

	switch cmd {
	case "serve", "migrate":
	case "users":
		if len(args) != 3 || args[1] != "set-password" {
			return errors.New("usage: helpdesk users set-password NAME (the password is read from standard input)")
		}
	case "healthcheck":
		return healthcheck(ctx, cfg.addr)
	default:
		return fmt.Errorf("unknown command %q (run helpdesk help)", cmd)
	}

	// The listener binds first, so a busy port fails before any migration.
	var ln net.Listener
	if cmd == "serve" {
		if ln, err = net.Listen("tcp", cfg.addr); err != nil {
			return fmt.Errorf("HELPDESK_ADDR %s: %w", cfg.addr, err)
		}
		defer ln.Close()
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
	switch cmd {
	case "migrate":
		return nil
	case "users":
		return setPassword(ctx, store, args[2], stdin, cfg.passwordCost, stdout)
	}
	if err := ensureAdmin(ctx, store, cfg, log); err != nil {
		return err
	}
	if len(cfg.jwtSecret) == 0 {
		cfg.jwtSecret = make([]byte, 32)
		_, _ = rand.Read(cfg.jwtSecret)
		log.Warn("HELPDESK_JWT_SECRET is not set: using a random key, so access tokens end with this process")
	}
	queue, guard, mailing, err := newQueue(store, cfg.jobs, log)
	if err != nil {
		return err
	}
	acfg := api.Config{
		JWTSecret: cfg.jwtSecret, PasswordCost: cfg.passwordCost,
		TrustedProxies: cfg.trustedProxies, OpenAPI: openapi.Spec,
		Monitoring: app.NewMonitoring(store, time.Now), Logger: log, BackdateWindow: cfg.backdateWindow,
		Webhooks: app.NewWebhooks(store, guard, queue, time.Now), Jobs: queue,
	}
	if mailing != nil { // a nil *app.Mailing in the interface would not read as nil
		acfg.Mail = mailing
	}
	srv, err := api.New(acfg, store)
	if err != nil {
		return err
	}
	svc, err := web.NewServices(srv, store, app.Clock(time.Now), func(pw string) (string, error) { return api.HashPassword(pw, cfg.passwordCost) })
	if err != nil {
		return err
	}
	if mailing != nil { // as the API's Mail: without SMTP the pages say e-mail is not configured
		svc.Notices = mailing
	}
	pages, err := web.New(web.Config{Key: cfg.jwtSecret, TrustedProxies: cfg.trustedProxies, Log: log}, svc)
	if err != nil {
		return err
	}
	// The queue works until the HTTP server has finished its in-flight
	// requests, then lets running jobs end within the shutdown timeout.
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start the job queue: %w", err)
	}
	serr := serve(ctx, cfg, ln, desk(srv, pages), srv.Metrics(), log)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdown)
	defer cancel()
	if err := queue.Stop(sctx); err != nil {
		log.Error("job queue stopped with an error", "err", err)
	}
	log.Info("job queue stopped")
	return serr
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
	for attempt := 1; ; attempt++ {
		applied, err := store.Migrate(ctx)
		if err == nil || time.Now().After(deadline) || domain.ErrorCode(err) != domain.CodeUnavailable && store.Ping(ctx) == nil {
			return applied, err
		}
		log.Warn("database not reachable yet; retrying for up to a minute", "attempt", attempt, "err", err)
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
	if err != nil {
		return err
	}
	if n > 0 {
		if cfg.adminPassword != "" {
			log.Warn("HELPDESK_ADMIN_PASSWORD is ignored: the database already has users, and it only sets the password of the admin created on the first start; to change a password run: helpdesk users set-password admin")
		}
		return nil
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

// setPassword sets a user's password from the first line of stdin; the
// store ends the user's sessions, as for any password change.
func setPassword(ctx context.Context, store *repository.Store, name string, stdin io.Reader, cost int, stdout io.Writer) error {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	u, err := store.UserByUsername(ctx, name)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("there is no user %q", name)
	}
	if err != nil {
		return err
	}
	hashed, err := api.NewUser(u.Username, password, u.Role, u.Level, u.EnteCode, cost, time.Now())
	if err != nil {
		return err
	}
	if _, err := store.UpdateUser(ctx, u.ID, func(u *domain.User) error {
		u.PasswordHash, u.UpdatedAt = hashed.PasswordHash, time.Now()
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s set; its sessions have ended\n", name)
	return nil
}

// serve runs the HTTP server until ctx ends, then stops taking new
// connections and lets in-flight requests finish.
func serve(ctx context.Context, cfg config, ln net.Listener, h drainer, metrics http.Handler, log *slog.Logger) error {
	if cfg.metricsAddr != "" {
		stop, err := serveMetrics(cfg.metricsAddr, metrics, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
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

// serveMetrics serves the Prometheus metrics on their own listener
// (HELPDESK_METRICS_ADDR), never on the API's; it returns a stop function.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("HELPDESK_METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	log.Info("serving metrics", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
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
