// Package web is the desk in a browser: server-rendered pages in Italian,
// built with Bootstrap Italia, that call the same use cases as the API.
// Every page works without JavaScript.
package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Tokens is what a sign-in or a refresh hands out: the same pair an API
// client gets, so a browser session follows the API's revocation rules.
type Tokens struct {
	Access  string
	Refresh string
	Expires time.Time // when the access token expires
}

// Auth signs people in and keeps their sessions.
type Auth interface {
	Login(ctx context.Context, username, password, address string) (Tokens, error)
	Refresh(ctx context.Context, refresh string) (Tokens, error)
	Authenticate(ctx context.Context, access string) (domain.Principal, error)
	Logout(ctx context.Context, refresh string) error
	EndSessions(ctx context.Context, userID int64) error // an admin's revocation (app.Auth)
}

// Tickets is the ticket use cases the pages call (app.Tickets).
type Tickets interface {
	Open(ctx context.Context, p domain.Principal, req app.OpenTicket) (domain.Ticket, error)
	Get(ctx context.Context, p domain.Principal, id int64) (domain.Ticket, error)
	Events(ctx context.Context, p domain.Principal, id int64) ([]domain.Event, error)
	List(ctx context.Context, f domain.TicketFilter) (domain.TicketPage, error)
	Apply(ctx context.Context, p domain.Principal, id int64, a domain.Action, body string, version int) (domain.Ticket, error)
	Wait(ctx context.Context, p domain.Principal, id int64, w domain.WaitCommand, version int) (domain.Ticket, error)
}

// Interventions is the intervention use cases the pages call
// (app.Interventions).
type Interventions interface {
	List(ctx context.Context, f domain.InterventionFilter) (domain.InterventionPage, error)
	Apply(ctx context.Context, p domain.Principal, id int64, cmd domain.InterventionCommand, version int) (domain.Intervention, error)
}

// Users is the account use cases of the admin pages (app.Users).
type Users interface {
	List(ctx context.Context) ([]domain.User, error)
	Get(ctx context.Context, id int64) (domain.User, error)
	Create(ctx context.Context, n app.NewAccount) (domain.User, error)
	Update(ctx context.Context, id int64, ch app.AccountChange, version int) (domain.User, error)
}

// Enti is the enti, closures and SLA target use cases of the admin pages
// (app.Enti).
type Enti interface {
	List(ctx context.Context) ([]domain.Ente, error)
	Get(ctx context.Context, code string) (domain.Ente, error)
	Create(ctx context.Context, e domain.Ente) (domain.Ente, error)
	Update(ctx context.Context, code string, ch app.EnteChange, version int) (domain.Ente, error)
	Closures(ctx context.Context, code string) ([]domain.EnteClosure, error)
	AddClosure(ctx context.Context, cl domain.EnteClosure) (domain.EnteClosure, error)
	DeleteClosure(ctx context.Context, code string, id int64) error
	SLATargets(ctx context.Context) (domain.SLATargets, error)
	SetSLATargets(ctx context.Context, ts domain.SLATargets) error
}

// Outages is the outage use cases the pages call (app.Monitoring).
type Outages interface {
	Outages(ctx context.Context, from, to time.Time, viewer string) ([]domain.Outage, error)
	OutagesReport(ctx context.Context, from, to time.Time) (app.OutageReport, error)
	Outage(ctx context.Context, id int64, viewer string) (domain.Outage, error)
	CreateOutage(ctx context.Context, started time.Time, p app.OutagePatch) (domain.Outage, error)
	PatchOutage(ctx context.Context, id int64, p app.OutagePatch) (domain.Outage, error)
	Systems(ctx context.Context) ([]domain.MonitoringSystem, error)
}

// OutageNotices is the outage notice use case (app.Mailing); nil when
// the service sends no e-mail (no SMTP configured).
type OutageNotices interface {
	SendOutageNotice(ctx context.Context, id int64, a domain.NoticeAudience) (app.OutageNoticeResult, error)
}

// Services are the use cases behind the pages.
type Services struct {
	Auth          Auth
	Tickets       Tickets
	Interventions Interventions
	Reports       Reports
	Users         Users
	Enti          Enti
	Outages       Outages
	Notices       OutageNotices // nil without SMTP: the pages say e-mail is not configured
}

// Config holds the pages' settings.
type Config struct {
	Key            []byte   // HMAC key for CSRF tokens
	TrustedProxies []string // addresses (IP or CIDR) whose X-Forwarded-Proto is believed
	Now            func() time.Time
	Log            *slog.Logger
}

// Handler serves the pages.
type Handler struct {
	cfg           Config
	auth          Auth
	tickets       Tickets
	interventions Interventions
	reports       Reports
	users         Users
	enti          Enti
	outages       Outages
	notices       OutageNotices
	pages         map[string]*template.Template
	mux           *http.ServeMux
	rome          *time.Location
	proxies       []*net.IPNet
}

// New parses the templates and registers the pages.
func New(cfg Config, svc Services) (*Handler, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if len(cfg.Key) == 0 {
		cfg.Key = make([]byte, 32)
		_, _ = rand.Read(cfg.Key)
	}
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, auth: svc.Auth, tickets: svc.Tickets, interventions: svc.Interventions, reports: svc.Reports, users: svc.Users, enti: svc.Enti, outages: svc.Outages, notices: svc.Notices, mux: http.NewServeMux(), rome: rome}
	for _, p := range cfg.TrustedProxies {
		if !strings.Contains(p, "/") {
			if strings.Contains(p, ":") {
				p += "/128"
			} else {
				p += "/32"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, err
		}
		h.proxies = append(h.proxies, n)
	}
	if h.pages, err = parsePages(h.funcs()); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// Mount registers the pages on the binary's router, beside the API
// (which keeps /api/v1 and its probes).
func (h *Handler) Mount(mux *http.ServeMux) {
	for _, p := range []string{"GET /{$}", "POST /accedi", "POST /esci", "/static/", "/ticket", "/ticket/",
		"GET /dichiarazione-accessibilita", "/interventi", "/interventi/", "/report", "/report/", "/admin/", "GET /interruzioni", "/interruzioni/"} {
		mux.Handle(p, h)
	}
}

func (h *Handler) routes() {
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("/static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))
	h.mux.HandleFunc("GET /{$}", h.home)
	h.mux.HandleFunc("POST /accedi", h.loginCheck)
	h.mux.HandleFunc("POST /esci", h.signedIn(h.logout))
	h.mux.HandleFunc("GET /dichiarazione-accessibilita", h.accessibility)
	h.mux.HandleFunc("GET /ticket", h.signedIn(h.ticketList))
	h.mux.HandleFunc("GET /ticket/nuovo", h.signedIn(h.ticketNew))
	h.mux.HandleFunc("POST /ticket/nuovo", h.signedIn(h.ticketCreate))
	h.mux.HandleFunc("GET /ticket/{id}", h.signedIn(h.ticketShow))
	h.mux.HandleFunc("POST /ticket/{id}/azione", h.signedIn(h.ticketAct))
	h.mux.HandleFunc("GET /report", h.signedIn(h.report))
	h.mux.HandleFunc("GET /report/{anno}/csv", h.signedIn(h.reportFile))
	h.mux.HandleFunc("GET /report/{anno}/xlsx", h.signedIn(h.reportFile))
	h.mux.HandleFunc("GET /interventi", h.signedIn(h.interventionList))
	h.mux.HandleFunc("POST /interventi/{id}/azione", h.signedIn(h.interventionAct))
	h.mux.HandleFunc("GET /interruzioni", h.signedIn(h.outageList))
	h.mux.HandleFunc("GET /interruzioni/nuova", h.signedIn(h.outageNew))
	h.mux.HandleFunc("POST /interruzioni/nuova", h.signedIn(h.outageCreate))
	h.mux.HandleFunc("GET /interruzioni/{id}", h.signedIn(h.outageShow))
	h.mux.HandleFunc("POST /interruzioni/{id}", h.signedIn(h.outagePatch))
	h.mux.HandleFunc("POST /interruzioni/{id}/avvisi", h.signedIn(h.outageNotice))
	h.mux.HandleFunc("GET /report/interruzioni", h.signedIn(h.outageReport))
	h.mux.HandleFunc("GET /admin/utenti", h.admin(domain.ActManageUsers, h.userList))
	h.mux.HandleFunc("POST /admin/utenti", h.admin(domain.ActManageUsers, h.userCreate))
	h.mux.HandleFunc("GET /admin/utenti/{id}", h.admin(domain.ActManageUsers, h.userShow))
	h.mux.HandleFunc("POST /admin/utenti/{id}/azione", h.admin(domain.ActManageUsers, h.userAct))
	h.mux.HandleFunc("GET /admin/enti", h.admin(domain.ActManageEnti, h.enteList))
	h.mux.HandleFunc("POST /admin/enti", h.admin(domain.ActManageEnti, h.enteCreate))
	h.mux.HandleFunc("GET /admin/enti/{code}", h.admin(domain.ActManageEnti, h.enteShow))
	h.mux.HandleFunc("POST /admin/enti/{code}", h.admin(domain.ActManageEnti, h.enteUpdate))
	h.mux.HandleFunc("POST /admin/enti/{code}/chiusure", h.admin(domain.ActManageEnti, h.closureAdd))
	h.mux.HandleFunc("POST /admin/enti/{code}/chiusure/{id}/elimina", h.admin(domain.ActManageEnti, h.closureDelete))
	h.mux.HandleFunc("GET /admin/sla", h.admin(domain.ActManageSLA, h.slaShow))
	h.mux.HandleFunc("POST /admin/sla", h.admin(domain.ActManageSLA, h.slaSave))
}

// ServeHTTP sets the security headers every page carries and routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

func cacheForever(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		next.ServeHTTP(w, r)
	})
}

// csrfToken binds a form to the browser's CSRF cookie: an attacker's page
// can make the browser send the cookie, never read it.
func (h *Handler) csrfToken(seed string) string {
	m := hmac.New(sha256.New, h.cfg.Key)
	m.Write([]byte("csrf\x00" + seed))
	return encode(m.Sum(nil))
}

// errorPage renders the error of a use case as a page with a fitting status.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, msg := http.StatusInternalServerError, "Si è verificato un errore imprevisto. Riprova più tardi."
	switch domain.ErrorCode(err) {
	case domain.CodeNotFound:
		status, msg = http.StatusNotFound, "La pagina richiesta non esiste o non è visibile al tuo utente."
	case domain.CodeForbidden:
		status, msg = http.StatusForbidden, "Il tuo utente non può eseguire questa operazione."
	case domain.CodeInvalid:
		status, msg = http.StatusBadRequest, "I parametri della richiesta non sono validi."
	case domain.CodeUnavailable:
		status, msg = http.StatusServiceUnavailable, "Il servizio è momentaneamente non disponibile. Riprova tra poco."
	default:
		var de *domain.Error
		if !errors.As(err, &de) || de.Code == domain.CodeInternal {
			h.cfg.Log.Error("page failed", "path", r.URL.Path, "err", err)
		}
	}
	w.WriteHeader(status)
	h.render(w, r, s, "error", "Errore", map[string]any{"Status": status, "Message": msg})
}
