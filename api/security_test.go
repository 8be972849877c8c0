package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/openapi/openapitest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// The security suite has its own small harness, prefixed sec, so that it
// does not collide with the helpers of other test files in this package.

const secPassword = "security-suite-password"

// secKey is the HMAC key of the suite's servers; jwt_test.go forges tokens
// with it to prove that only the claims it changes make a token fail.
var secKey = []byte("security-suite-hmac-key-32-bytes")

// secStart is Tuesday 10 March 2026, 09:00 in Rome: inside counter hours.
var secStart = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

// The enti of the own / foreign checks: the ente user belongs to ente A.
const (
	secEnteA = "firenze"
	secEnteB = "fiesole"
)

// who names a principal of the suite. The two operator levels are separate
// principals because some rules depend on the level.
type who string

const (
	wAdmin     who = "admin"
	wOperator1 who = "operator1"
	wOperator2 who = "operator2"
	wTech      who = "technician"
	wEnteA     who = "ente-a" // ente user of ente A
	wReporter  who = "reporter"
	wReporterT who = "reporter-api-token" // the reporter through a long-lived API token
	wMonitorT  who = "monitor-api-token"  // Nagios posting events through an API token of a monitor user
	wEnteB     who = "ente-b"             // ente user of ente B; used for own / foreign checks
)

// matrixWho is every principal the authorization matrix tries.
var matrixWho = []who{wAdmin, wOperator1, wOperator2, wTech, wEnteA, wReporter, wReporterT, wMonitorT}

// secEnv is one server over one fresh database, with a logged-in token per
// principal, and one ticket of each of ente A and ente B.
type secEnv struct {
	srv     *api.Server
	store   *repository.Store
	clock   *openapitest.Clock
	tokens  map[who]string
	ids     map[who]int64
	ticketA int64 // a ticket of ente A, level 1, status nuovo
	ticketB int64 // a ticket of ente B
	spare   int64 // a user no principal depends on, target of /users/:id
}

func newSecEnv(tb testing.TB, store *repository.Store) *secEnv {
	tb.Helper()
	clk := openapitest.NewClock(secStart)
	guard := &jobs.Guard{}
	queue := jobstest.Start(tb, store, jobs.Config{Guard: guard})
	mailing := app.NewMailing(store, clk.Now)
	mailing.SetQueue(queue)
	srv, err := api.New(api.Config{JWTSecret: secKey, PasswordCost: bcrypt.MinCost, Now: clk.Now, Monitoring: app.NewMonitoring(store, clk.Now),
		Webhooks: app.NewWebhooks(store, guard, queue, clk.Now), Jobs: queue, Mail: mailing}, store)
	if err != nil {
		tb.Fatalf("api.New: %v", err)
	}
	e := &secEnv{srv: srv, store: store, clock: clk, tokens: map[who]string{}, ids: map[who]int64{}}
	users := []struct {
		w     who
		role  domain.Role
		level domain.Level
		ente  string
	}{
		{wAdmin, domain.RoleAdmin, 0, ""},
		{wOperator1, domain.RoleOperator, 1, ""},
		{wOperator2, domain.RoleOperator, 2, ""},
		{wTech, domain.RoleTechnician, 0, ""},
		{wEnteA, domain.RoleEnte, 0, secEnteA},
		{wEnteB, domain.RoleEnte, 0, secEnteB},
		{wReporter, domain.RoleReporter, 0, ""},
	}
	for _, u := range users {
		e.ids[u.w] = e.createUser(tb, string(u.w), u.role, u.level, u.ente)
		e.tokens[u.w] = e.login(tb, string(u.w), secPassword)
	}
	e.spare = e.createUser(tb, "spare", domain.RoleTechnician, 0, "")
	r := e.do(tb, http.MethodPost, "/api/v1/api-tokens", e.tokens[wAdmin], map[string]any{"name": "dashboard", "user_id": e.ids[wReporter]})
	r.want(tb, http.StatusCreated)
	e.tokens[wReporterT] = r.str(tb, "token")
	monitor := e.createUser(tb, "nagios", domain.RoleMonitor, 0, "")
	r = e.do(tb, http.MethodPost, "/api/v1/api-tokens", e.tokens[wAdmin], map[string]any{"name": "nagios", "user_id": monitor})
	r.want(tb, http.StatusCreated)
	e.tokens[wMonitorT] = r.str(tb, "token")
	e.ticketA = e.newTicket(tb, e.tokens[wOperator1], secEnteA)
	e.ticketB = e.newTicket(tb, e.tokens[wOperator1], secEnteB)
	return e
}

func (e *secEnv) createUser(tb testing.TB, name string, role domain.Role, level domain.Level, ente string) int64 {
	tb.Helper()
	u, err := api.NewUser(name, secPassword, role, level, ente, bcrypt.MinCost, e.clock.Now())
	if err != nil {
		tb.Fatalf("api.NewUser(%s): %v", name, err)
	}
	u, err = e.store.CreateUser(context.Background(), u)
	if err != nil {
		tb.Fatalf("create user %s: %v", name, err)
	}
	return u.ID
}

func (e *secEnv) login(tb testing.TB, username, password string) string {
	tb.Helper()
	r := e.do(tb, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": username, "password": password})
	r.want(tb, http.StatusOK)
	return r.str(tb, "access_token")
}

func (e *secEnv) newTicket(tb testing.TB, token, ente string) int64 {
	tb.Helper()
	r := e.do(tb, http.MethodPost, "/api/v1/tickets", token, map[string]any{
		"ente": ente, "subject": "Il portale non risponde", "service": "portale_servizi", "channel": "phone",
	})
	r.want(tb, http.StatusCreated)
	return int64(r.num(tb, "id"))
}

// do sends a request through the real router (openapitest, the harness
// shared with the e2e suite: the answer must match openapi.yaml). body is
// nil (no body), a string or []byte (sent as is) or anything else (sent as
// JSON); hdr is pairs of header name and value.
func (e *secEnv) do(tb testing.TB, method, path, token string, body any, hdr ...string) *secResp {
	tb.Helper()
	return e.serve(tb, openapitest.NewRequest(tb, method, "http://helpdesk.test"+path, token, body, hdr...))
}

func (e *secEnv) serve(tb testing.TB, req *http.Request) *secResp {
	tb.Helper()
	return &secResp{openapitest.Serve(tb, e.srv, req)}
}

// secResp is one answer of the API, with the short names this suite's
// tests use.
type secResp struct{ *openapitest.Response }

func (r *secResp) want(tb testing.TB, status int) *secResp { tb.Helper(); r.Want(tb, status); return r }
func (r *secResp) obj(tb testing.TB) map[string]any        { tb.Helper(); return r.Obj(tb) }
func (r *secResp) str(tb testing.TB, key string) string    { tb.Helper(); return r.Str(tb, key) }
func (r *secResp) num(tb testing.TB, key string) float64   { tb.Helper(); return r.Num(tb, key) }
func (r *secResp) fields(tb testing.TB) []string           { return r.Fields() }

// problemError says what is wrong with r as an RFC 9457 problem of the
// given status and code (code "" accepts any), or "" when nothing is.
func (r *secResp) problemError(status int, code domain.Code) string {
	return r.ProblemError(status, code)
}

func (r *secResp) wantProblem(tb testing.TB, status int, code domain.Code) {
	tb.Helper()
	r.Problem(tb, status, code)
}

// policy is who may call a route, decided by hand from the issues' intent
// (not copied from the server's own table).
type policy struct {
	public bool
	allow  []who
}

var (
	pubRoute    = policy{public: true}
	anyUser     = only(wAdmin, wOperator1, wOperator2, wTech, wEnteA, wReporter, wReporterT)
	adminOnly   = only(wAdmin)
	helpDesk    = only(wAdmin, wOperator1, wOperator2)
	ticketSeers = only(wAdmin, wOperator1, wOperator2, wTech, wEnteA)
	ticketOpen  = only(wAdmin, wOperator1, wOperator2, wEnteA)
	statistics  = only(wAdmin, wOperator1, wOperator2, wEnteA, wReporter, wReporterT)
	ivPlanners  = only(wAdmin, wOperator1, wOperator2, wTech)
	ivWorkers   = only(wAdmin, wTech)
)

func only(ws ...who) policy { return policy{allow: ws} }

// expectedPolicy is the authorization matrix. A route the server registers
// without an entry here fails TestAuthorizationMatrix: a new route needs a
// policy decision, written here.
var expectedPolicy = map[string]policy{
	"GET /healthz":      pubRoute,
	"GET /readyz":       pubRoute,
	"GET /openapi.yaml": pubRoute,

	"POST /api/v1/auth/token":   pubRoute,
	"POST /api/v1/auth/refresh": pubRoute,
	"POST /api/v1/auth/logout":  anyUser,
	"GET /api/v1/me":            anyUser,

	// Users and machine credentials are the administrators' job.
	"GET /api/v1/users":                                        adminOnly,
	"POST /api/v1/users":                                       adminOnly,
	"GET /api/v1/users/:id":                                    adminOnly,
	"PATCH /api/v1/users/:id":                                  adminOnly,
	"POST /api/v1/users/:id/revoke-sessions":                   adminOnly,
	"GET /api/v1/api-tokens":                                   adminOnly,
	"POST /api/v1/api-tokens":                                  adminOnly,
	"DELETE /api/v1/api-tokens/:id":                            adminOnly,
	"GET /api/v1/webhooks":                                     adminOnly,
	"POST /api/v1/webhooks":                                    adminOnly,
	"GET /api/v1/webhooks/:id":                                 adminOnly,
	"PATCH /api/v1/webhooks/:id":                               adminOnly,
	"DELETE /api/v1/webhooks/:id":                              adminOnly,
	"GET /api/v1/webhooks/:id/deliveries":                      adminOnly,
	"POST /api/v1/webhooks/:id/deliveries/:delivery/redeliver": adminOnly,
	"GET /api/v1/jobs":                                         adminOnly,
	"GET /api/v1/mail":                                         adminOnly,
	"GET /api/v1/enti":                                         anyUser, // the list of public bodies is public knowledge
	"POST /api/v1/enti":                                        adminOnly,
	"GET /api/v1/enti/:code":                                   anyUser,
	"PATCH /api/v1/enti/:code":                                 adminOnly,
	"GET /api/v1/enti/:code/closures":                          anyUser,
	"POST /api/v1/enti/:code/closures":                         adminOnly,
	"DELETE /api/v1/enti/:code/closures/:id":                   adminOnly,
	"GET /api/v1/calendar":                                     anyUser,
	"GET /api/v1/calendar/deadline":                            anyUser, // a preview, from public calendars
	"PUT /api/v1/calendar/hours":                               adminOnly,
	"GET /api/v1/settings/sla":                                 helpDesk,
	"PUT /api/v1/settings/sla":                                 adminOnly,

	// Tickets: reporting tools get aggregates only, never tickets;
	// technicians read them (CED Multiente work starts from them); only the
	// help desk acts on them; ente users add public replies to their own.
	"GET /api/v1/tickets":                          ticketSeers,
	"POST /api/v1/tickets":                         ticketOpen,
	"GET /api/v1/tickets/:id":                      ticketSeers,
	"GET /api/v1/tickets/:id/events":               ticketSeers,
	"POST /api/v1/tickets/:id/take-in-charge":      helpDesk,
	"POST /api/v1/tickets/:id/replies":             ticketOpen, // an ente's reply on its own ticket ends a wait
	"POST /api/v1/tickets/:id/notes":               helpDesk,
	"POST /api/v1/tickets/:id/escalate":            helpDesk,
	"POST /api/v1/tickets/:id/resolve":             helpDesk,
	"POST /api/v1/tickets/:id/close-not-competent": helpDesk,
	"POST /api/v1/tickets/:id/reopen":              helpDesk,
	"POST /api/v1/tickets/:id/wait":                helpDesk,
	"POST /api/v1/tickets/:id/resume":              helpDesk,

	// CED Multiente interventions: requested by the ente or the help desk,
	// planned by the help desk or the technicians, carried out by the
	// technicians, cancelled by the help desk; seen by all of them (ente
	// users their own ente's only), never by reporting tools.
	"GET /api/v1/interventions":               ticketSeers,
	"POST /api/v1/interventions":              ticketOpen,
	"GET /api/v1/interventions/:id":           ticketSeers,
	"GET /api/v1/interventions/:id/events":    ticketSeers,
	"POST /api/v1/interventions/:id/schedule": ivPlanners,
	"POST /api/v1/interventions/:id/start":    ivWorkers,
	"POST /api/v1/interventions/:id/complete": ivWorkers,
	"POST /api/v1/interventions/:id/cancel":   helpDesk,
	"POST /api/v1/interventions/:id/wait":     ivPlanners,
	"POST /api/v1/interventions/:id/resume":   ivPlanners,

	// Statistics are what reporting tools are for; ente users get their
	// own ente's. Technicians have no use for them.
	"GET /api/v1/reports/tickets":       statistics,
	"GET /api/v1/reports/tickets/yoy":   statistics,
	"GET /api/v1/reports/sla":           statistics,
	"GET /api/v1/reports/annual/:year":  statistics,
	"GET /api/v1/reports/interventions": statistics,
	"POST /api/v1/import/tickets":       adminOnly,

	// Monitoring: the catalogue and the uptime and alert reports are
	// statistics; the monitor role posts state changes and nothing else.
	"GET /api/v1/monitoring/systems":       statistics,
	"PUT /api/v1/monitoring/systems/:code": adminOnly,
	"POST /api/v1/monitoring/events":       only(wAdmin, wMonitorT),
	"POST /api/v1/import/monitoring":       adminOnly,
	"GET /api/v1/reports/availability":     statistics,
	"GET /api/v1/reports/alerts":           statistics,

	// Outages: the help desk records them; ente users read their own
	// ente's, reporting tools all.
	"GET /api/v1/outages":              statistics,
	"POST /api/v1/outages":             helpDesk,
	"GET /api/v1/outages/:id":          statistics,
	"PATCH /api/v1/outages/:id":        helpDesk,
	"POST /api/v1/outages/:id/notices": helpDesk,
	// SLA.11's report covers every ente's outages: not for ente users.
	"GET /api/v1/reports/outages":             only(wAdmin, wOperator1, wOperator2, wReporter, wReporterT),
	"POST /api/v1/reports/outages/deliveries": helpDesk,
}

// fillPath puts real or harmless values into a route's parameters: the
// ente A's ticket, the spare user, ente A's code; ids of other resources need
// not exist, since a refused caller is refused before any lookup.
func (e *secEnv) fillPath(route string) string {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		switch {
		case s == ":code":
			segs[i] = secEnteA
		case s == ":year":
			segs[i] = "2026"
		case prev == "tickets":
			segs[i] = strconv.FormatInt(e.ticketA, 10)
		case prev == "users":
			segs[i] = strconv.FormatInt(e.spare, 10)
		default:
			segs[i] = "999999"
		}
	}
	return strings.Join(segs, "/")
}

// probeBody is sent to every route that takes a body: its unknown member
// makes an allowed caller's request fail validation, so the matrix changes
// no state whatever the route does.
const probeBody = `{"security_probe":true}`

func (e *secEnv) probe(tb testing.TB, method, route, token string) *secResp {
	tb.Helper()
	var body any
	if method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		body = probeBody
	}
	return e.do(tb, method, e.fillPath(route), token, body)
}

// TestAuthorizationMatrix tries every registered route with every
// principal and with none: a refused role gets 403, an allowed one gets
// past authorization (never 401 or 403, and never a 5xx), and anonymous
// callers get 401 everywhere but on public routes.
func TestAuthorizationMatrix(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		registered := map[string]bool{}
		for _, r := range e.srv.Routes() {
			key := r.Method + " " + r.Path
			registered[key] = true
			pol, ok := expectedPolicy[key]
			if !ok {
				t.Errorf("route %s has no entry in expectedPolicy; decide who may call it and add it", key)
				continue
			}
			anon := e.probe(t, r.Method, r.Path, "")
			switch {
			case pol.public && (anon.Status == http.StatusUnauthorized || anon.Status == http.StatusForbidden || anon.Status >= 500):
				t.Errorf("%s anonymous: got %s, want a public answer", key, anon)
			case !pol.public:
				if msg := anon.problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
					t.Errorf("%s anonymous: %s", key, msg)
				} else if anon.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s anonymous: got no WWW-Authenticate header, want one", key)
				}
			}
			if pol.public {
				continue
			}
			for _, w := range matrixWho {
				r2 := e.probe(t, r.Method, r.Path, e.tokens[w])
				if secHas(pol.allow, w) {
					if r2.Status == http.StatusUnauthorized || r2.Status == http.StatusForbidden || r2.Status >= 500 {
						t.Errorf("%s as %s: got %s, want it allowed", key, w, r2)
					}
				} else if msg := r2.problemError(http.StatusForbidden, domain.CodeForbidden); msg != "" {
					t.Errorf("%s as %s: %s", key, w, msg)
				}
			}
		}
		for key := range expectedPolicy {
			if !registered[key] {
				t.Errorf("expectedPolicy has %s, which the server does not register; remove the entry", key)
			}
		}
	})
}

// whoRole is the role each principal of the matrix signs in with.
var whoRole = map[who]domain.Role{
	wAdmin: domain.RoleAdmin, wOperator1: domain.RoleOperator, wOperator2: domain.RoleOperator,
	wTech: domain.RoleTechnician, wEnteA: domain.RoleEnte, wEnteB: domain.RoleEnte,
	wReporter: domain.RoleReporter, wReporterT: domain.RoleReporter, wMonitorT: domain.RoleMonitor,
}

// TestRoutesDeriveFromThePermissionTable: every protected route names an
// act of domain.Permissions, its policy has exactly that act's roles, and
// those roles are exactly the ones expectedPolicy (decided by hand) allows.
func TestRoutesDeriveFromThePermissionTable(t *testing.T) {
	srv, err := api.New(api.Config{JWTSecret: secKey, PasswordCost: bcrypt.MinCost}, repotest.SQLite(t))
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	used := map[domain.Act]bool{}
	for key, pol := range srv.Policies() {
		want, ok := expectedPolicy[key]
		if !ok {
			continue // reported by TestAuthorizationMatrix
		}
		if pol.Public || want.public {
			if pol.Public != want.public || pol.Act != "" {
				t.Errorf("%s: got public %v with act %q, want public %v and no act", key, pol.Public, pol.Act, want.public)
			}
			continue
		}
		roles, ok := domain.Permissions[pol.Act]
		if !ok {
			t.Errorf("%s: act %q is not in domain.Permissions", key, pol.Act)
			continue
		}
		used[pol.Act] = true
		if !slices.Equal(pol.Roles, roles) {
			t.Errorf("%s: got roles %v, want %v, those of %q in domain.Permissions", key, pol.Roles, roles, pol.Act)
		}
		var wantRoles []domain.Role
		for _, w := range want.allow {
			if !slices.Contains(wantRoles, whoRole[w]) {
				wantRoles = append(wantRoles, whoRole[w])
			}
		}
		for _, r := range domain.Roles {
			if slices.Contains(wantRoles, r) != domain.Allowed(r, pol.Act) {
				t.Errorf("%s (%q): got %s allowed %v, want %v", key, pol.Act, r, domain.Allowed(r, pol.Act), slices.Contains(wantRoles, r))
			}
		}
	}
	for act := range domain.Permissions {
		if !used[act] {
			t.Errorf("domain.Permissions has %q, which no route names; remove it or route it", act)
		}
	}
}

func secHas[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestForeignEnteIsNotFound: an ente user asking for another ente's
// ticket gets the same 404 as for a ticket that does not exist, so the
// answer does not reveal that it exists; its own ticket answers 200.
func TestForeignEnteIsNotFound(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		tok := e.tokens[wEnteA]
		for _, path := range []string{"/api/v1/tickets/%d", "/api/v1/tickets/%d/events"} {
			own := e.do(t, http.MethodGet, fmt.Sprintf(path, e.ticketA), tok, nil)
			if own.Status != http.StatusOK {
				t.Errorf("GET %s of the own ente: got %s, want 200", fmt.Sprintf(path, e.ticketA), own)
			}
			foreign := e.do(t, http.MethodGet, fmt.Sprintf(path, e.ticketB), tok, nil)
			if msg := foreign.problemError(http.StatusNotFound, domain.CodeNotFound); msg != "" {
				t.Errorf("GET %s of the foreign ente: %s", fmt.Sprintf(path, e.ticketB), msg)
			}
			missing := e.do(t, http.MethodGet, fmt.Sprintf(path, 999999), tok, nil)
			if got, want := strings.Replace(string(foreign.Body), strconv.FormatInt(e.ticketB, 10), "N", -1),
				strings.Replace(string(missing.Body), "999999", "N", -1); got != want {
				t.Errorf("GET %s: foreign answer %s differs from the missing one %s", fmt.Sprintf(path, e.ticketB), got, want)
			}
			// The ente user of ente B sees its own ticket: the 404 is about
			// ownership, not about the ticket.
			if r := e.do(t, http.MethodGet, fmt.Sprintf(path, e.ticketB), e.tokens[wEnteB], nil); r.Status != http.StatusOK {
				t.Errorf("GET %s as ente B's user: got %s, want 200", fmt.Sprintf(path, e.ticketB), r)
			}
		}
		// A public reply is the one action of an ente user: on the own
		// ente's ticket it is recorded, on a foreign one it is the 404 of
		// a missing ticket.
		e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/replies", e.ticketA), tok, map[string]string{"body": "Aggiungo un dettaglio"}).want(t, http.StatusOK)
		r := e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/replies", e.ticketB), tok, map[string]string{"body": "x"})
		if msg := r.problemError(http.StatusNotFound, domain.CodeNotFound); msg != "" {
			t.Errorf("reply to ticket %d of another ente: %s", e.ticketB, msg)
		}
		// Every other action is refused to ente users as a function, the
		// same way for an own and a foreign ticket, so the 403 reveals nothing.
		for _, id := range []int64{e.ticketA, e.ticketB} {
			r := e.do(t, http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/notes", id), tok, map[string]string{"body": "x"})
			if msg := r.problemError(http.StatusForbidden, domain.CodeForbidden); msg != "" {
				t.Errorf("note on ticket %d as an ente user: %s", id, msg)
			}
		}
		// The list holds only the own ente's tickets; asking for another
		// ente's is refused.
		r = e.do(t, http.MethodGet, "/api/v1/tickets", tok, nil).want(t, http.StatusOK)
		var page struct {
			Items []struct {
				ID   int64  `json:"id"`
				Ente string `json:"ente"`
			} `json:"items"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != e.ticketA || page.Items[0].Ente != secEnteA {
			t.Errorf("list as ente A's user: got %+v, want only ticket %d of %s", page.Items, e.ticketA, secEnteA)
		}
		r = e.do(t, http.MethodGet, "/api/v1/tickets?ente="+secEnteB, tok, nil)
		if msg := r.problemError(http.StatusForbidden, domain.CodeForbidden); msg != "" {
			t.Errorf("list ente=%s as ente A's user: %s", secEnteB, msg)
		}
		// Opening a ticket for another ente is refused.
		r = e.do(t, http.MethodPost, "/api/v1/tickets", tok, map[string]any{
			"ente": secEnteB, "subject": "x", "service": "sito_web", "channel": "portal",
		})
		if msg := r.problemError(http.StatusForbidden, domain.CodeForbidden); msg != "" {
			t.Errorf("open a ticket of %s as ente A's user: %s", secEnteB, msg)
		}
	})
}

// TestForeignEnteInterventionsAndReports: the same ownership rule holds
// for CED Multiente interventions (404 for another ente's) and for
// statistics (an ente user asking for another ente's gets 403, and the
// unfiltered report is scoped to the own ente).
func TestForeignEnteInterventionsAndReports(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		// Interventions need enti the CED Multiente team covers.
		const own, foreign = "dicomano", "londa"
		e.createUser(t, "ente-own", domain.RoleEnte, 0, own)
		tok := e.login(t, "ente-own", secPassword)
		ids := map[string]int64{}
		for _, ente := range []string{own, foreign} {
			r := e.do(t, http.MethodPost, "/api/v1/interventions", e.tokens[wOperator1],
				map[string]any{"ente": ente, "tier": "4h", "description": "Installare la stampante"}).want(t, http.StatusCreated)
			ids[ente] = int64(r.num(t, "id"))
		}
		for _, path := range []string{"/api/v1/interventions/%d", "/api/v1/interventions/%d/events"} {
			if r := e.do(t, http.MethodGet, fmt.Sprintf(path, ids[own]), tok, nil); r.Status != http.StatusOK {
				t.Errorf("GET %s of the own ente: got %s, want 200", fmt.Sprintf(path, ids[own]), r)
			}
			foreignR := e.do(t, http.MethodGet, fmt.Sprintf(path, ids[foreign]), tok, nil)
			if msg := foreignR.problemError(http.StatusNotFound, domain.CodeNotFound); msg != "" {
				t.Errorf("GET %s of the foreign ente: %s", fmt.Sprintf(path, ids[foreign]), msg)
			}
			missing := e.do(t, http.MethodGet, fmt.Sprintf(path, 999999), tok, nil)
			if got, want := strings.Replace(string(foreignR.Body), strconv.FormatInt(ids[foreign], 10), "N", -1),
				strings.Replace(string(missing.Body), "999999", "N", -1); got != want {
				t.Errorf("GET %s: foreign answer %s differs from the missing one %s", fmt.Sprintf(path, ids[foreign]), got, want)
			}
		}
		r := e.do(t, http.MethodGet, "/api/v1/interventions", tok, nil).want(t, http.StatusOK)
		var page struct {
			Items []struct {
				ID   int64  `json:"id"`
				Ente string `json:"ente"`
			} `json:"items"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].ID != ids[own] || page.Items[0].Ente != own {
			t.Errorf("interventions as the %s user: got %+v, want only %d of %s", own, page.Items, ids[own], own)
		}
		for _, c := range []struct {
			name, method, path string
			body               any
		}{
			{"list another ente's interventions", http.MethodGet, "/api/v1/interventions?ente=" + foreign, nil},
			{"request an intervention for another ente", http.MethodPost, "/api/v1/interventions", map[string]any{"ente": foreign, "tier": "4h", "description": "x"}},
			{"ticket statistics of another ente", http.MethodGet, "/api/v1/reports/tickets?ente=" + foreign, nil},
			{"SLA statistics of another ente", http.MethodGet, "/api/v1/reports/sla?ente=" + foreign, nil},
			{"annual report of another ente", http.MethodGet, "/api/v1/reports/annual/2026?ente=" + foreign, nil},
			{"intervention statistics of another ente", http.MethodGet, "/api/v1/reports/interventions?ente=" + foreign, nil},
		} {
			if msg := e.do(t, c.method, c.path, tok, c.body).problemError(http.StatusForbidden, domain.CodeForbidden); msg != "" {
				t.Errorf("%s: %s", c.name, msg)
			}
		}
		for _, path := range []string{"/api/v1/reports/tickets", "/api/v1/reports/sla", "/api/v1/reports/annual/2026", "/api/v1/reports/interventions"} {
			r := e.do(t, http.MethodGet, path, tok, nil)
			if r.Status != http.StatusOK {
				t.Errorf("GET %s as the %s user: got %s, want 200", path, own, r)
				continue
			}
			if got, _ := r.obj(t)["ente"].(string); got != own {
				t.Errorf("GET %s as the %s user: got ente %q, want the report scoped to %q", path, own, got, own)
			}
		}
	})
}

// TestMassAssignment: fields a caller may not set are rejected, not
// silently dropped, and name the field.
func TestMassAssignment(t *testing.T) {
	e := newSecEnv(t, repotest.SQLite(t))
	good := func() map[string]any {
		return map[string]any{"ente": secEnteA, "subject": "Stampante guasta", "service": "ced_multiente", "channel": "email"}
	}
	before := e.countTickets(t)
	for _, field := range []string{"id", "status", "version", "opened_by", "opened_at", "updated_at", "closed_at",
		"assignee_id", "reason", "external_id", "sla"} {
		body := good()
		body[field] = 7
		for _, w := range []who{wOperator1, wEnteA} {
			r := e.do(t, http.MethodPost, "/api/v1/tickets", e.tokens[w], body)
			if msg := r.problemError(http.StatusBadRequest, domain.CodeInvalid); msg != "" {
				t.Errorf("create with %s as %s: %s", field, w, msg)
			} else if got := r.fields(t); len(got) != 1 || got[0] != field {
				t.Errorf("create with %s as %s: got fields %v, want [%s]", field, w, got, field)
			}
		}
	}
	if after := e.countTickets(t); after != before {
		t.Errorf("got %d tickets after the refused creates, want %d", after, before)
	}

	// An ente user may not choose the level, not even the default one.
	for _, level := range []int{1, 2} {
		body := good()
		body["level"] = level
		r := e.do(t, http.MethodPost, "/api/v1/tickets", e.tokens[wEnteA], body)
		if msg := r.problemError(http.StatusForbidden, domain.CodeForbidden); msg != "" {
			t.Errorf("ente user with level %d: %s", level, msg)
		} else if got := r.fields(t); len(got) != 1 || got[0] != "level" {
			t.Errorf("ente user with level %d: got fields %v, want [level]", level, got)
		}
	}
	// An operator may; an ente user without an ente gets their own.
	body := good()
	body["level"] = 2
	r := e.do(t, http.MethodPost, "/api/v1/tickets", e.tokens[wOperator1], body).want(t, http.StatusCreated)
	if got := r.num(t, "level"); got != 2 {
		t.Errorf("operator with level 2: got level %v, want 2", got)
	}
	body = good()
	delete(body, "ente")
	r = e.do(t, http.MethodPost, "/api/v1/tickets", e.tokens[wEnteA], body).want(t, http.StatusCreated)
	if got := r.str(t, "ente"); got != secEnteA {
		t.Errorf("ente user without ente: got ente %q, want %q", got, secEnteA)
	}

	for _, c := range []struct {
		name, method, path string
		body               string
		field              string
	}{
		{"action with a status", http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/notes", e.ticketA), `{"body":"x","status":"risolto"}`, "status"},
		{"action with a level", http.MethodPost, fmt.Sprintf("/api/v1/tickets/%d/replies", e.ticketA), `{"body":"x","level":2}`, "level"},
		{"user patch with a username", http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", e.spare), `{"username":"root"}`, "username"},
		{"user patch with an id", http.MethodPatch, fmt.Sprintf("/api/v1/users/%d", e.spare), `{"id":1}`, "id"},
		{"user create with a password hash", http.MethodPost, "/api/v1/users", `{"username":"mallory","password":"long-enough-password","role":"admin","password_hash":"x"}`, "password_hash"},
		{"ente patch with a code", http.MethodPatch, "/api/v1/enti/" + secEnteA, `{"code":"zz"}`, "code"},
		{"token for another user", http.MethodPost, "/api/v1/auth/token", `{"username":"admin","password":"x","role":"admin"}`, "role"},
		{"intervention with a status", http.MethodPost, "/api/v1/interventions", `{"ente":"dicomano","tier":"4h","description":"x","status":"completed"}`, "status"},
		{"intervention with a technician", http.MethodPost, "/api/v1/interventions", `{"ente":"dicomano","tier":"4h","description":"x","technician_id":1}`, "technician_id"},
	} {
		r := e.do(t, c.method, c.path, e.tokens[wAdmin], c.body)
		if msg := r.problemError(http.StatusBadRequest, domain.CodeInvalid); msg != "" {
			t.Errorf("%s: %s", c.name, msg)
		} else if got := r.fields(t); len(got) != 1 || got[0] != c.field {
			t.Errorf("%s: got fields %v, want [%s]", c.name, got, c.field)
		}
	}
	if r := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tickets/%d", e.ticketA), e.tokens[wAdmin], nil).want(t, http.StatusOK); r.str(t, "status") != "nuovo" {
		t.Errorf("ticket after refused actions: got status %q, want nuovo", r.str(t, "status"))
	}
}

func (e *secEnv) countTickets(tb testing.TB) int {
	tb.Helper()
	r := e.do(tb, http.MethodGet, "/api/v1/tickets?limit=1", e.tokens[wAdmin], nil).want(tb, http.StatusOK)
	return int(r.num(tb, "total"))
}

// TestOversizedBodies: a body over the limit is a 413 problem on every
// kind of endpoint, while one just under it gets as far as validation.
func TestOversizedBodies(t *testing.T) {
	e := newSecEnv(t, repotest.SQLite(t))
	const limit = 1 << 20
	// big returns a JSON object of exactly n bytes with a long description.
	big := func(n int) []byte {
		head, tail := `{"ente":"firenze","subject":"x","service":"sito_web","channel":"email","description":"`, `"}`
		return []byte(head + strings.Repeat("a", n-len(head)-len(tail)) + tail)
	}
	for _, c := range []struct{ name, path, token string }{
		{"create ticket", "/api/v1/tickets", e.tokens[wOperator1]},
		{"login", "/api/v1/auth/token", ""},
		{"refresh", "/api/v1/auth/refresh", ""},
		{"action", fmt.Sprintf("/api/v1/tickets/%d/notes", e.ticketA), e.tokens[wOperator1]},
		{"create user", "/api/v1/users", e.tokens[wAdmin]},
	} {
		r := e.do(t, http.MethodPost, c.path, c.token, big(limit+1))
		if msg := r.problemError(http.StatusRequestEntityTooLarge, "too_large"); msg != "" {
			t.Errorf("%s with %d bytes: %s", c.name, limit+1, msg)
		}
	}
	// At the limit the body is read and judged on its content: the
	// description is too long for a ticket.
	r := e.do(t, http.MethodPost, "/api/v1/tickets", e.tokens[wOperator1], big(limit))
	if msg := r.problemError(http.StatusBadRequest, domain.CodeInvalid); msg != "" {
		t.Errorf("create ticket with %d bytes: %s", limit, msg)
	}
}

// TestListLimitIsCapped: a page never holds more than 100 tickets, and a
// limit that is not a positive whole number is a 400 naming it.
func TestListLimitIsCapped(t *testing.T) {
	e := newSecEnv(t, repotest.SQLite(t))
	for i := 0; i < 101; i++ { // 103 tickets with the two of the env
		e.newTicket(t, e.tokens[wOperator1], secEnteA)
	}
	for _, c := range []struct {
		limit string
		want  int
	}{{"1000", 100}, {"101", 100}, {"100", 100}, {"7", 7}} {
		r := e.do(t, http.MethodGet, "/api/v1/tickets?limit="+c.limit, e.tokens[wOperator1], nil).want(t, http.StatusOK)
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != c.want || page.NextCursor == nil {
			t.Errorf("limit=%s: got %d items (next cursor %v), want %d and a next cursor", c.limit, len(page.Items), page.NextCursor != nil, c.want)
		}
	}
	for _, limit := range []string{"0", "-1", "abc", "1e3", "99999999999999999999"} {
		r := e.do(t, http.MethodGet, "/api/v1/tickets?limit="+limit, e.tokens[wOperator1], nil)
		if msg := r.problemError(http.StatusBadRequest, domain.CodeInvalid); msg != "" {
			t.Errorf("limit=%s: %s", limit, msg)
		} else if got := r.fields(t); len(got) != 1 || got[0] != "limit" {
			t.Errorf("limit=%s: got fields %v, want [limit]", limit, got)
		}
	}
}
