package openapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/openapi"
	"github.com/cst-firenze/helpdesk/openapi/openapitest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// testPassword is every test user's password: long enough for the API's
// rule, and bcrypt at MinCost keeps logins cheap.
const testPassword = "correct-horse-battery"

// jwtSecret is a fixed 32-byte key, so tokens are reproducible.
var jwtSecret = []byte("0123456789abcdef0123456789abcdef")

// startOfTests is where every env's clock starts: Tuesday 10 March 2026,
// 09:00 in Rome, inside counter hours and far from DST changes.
var startOfTests = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)

// accessTTL outlives the months a test moves its clock forward, so that a
// token from the start of a test still works at its end. Tests of expiry
// move the clock past it. Never move the clock backwards: tokens issued
// "in the future" are refused.
const accessTTL = 400 * 24 * time.Hour

// TestMain keeps the request log quiet: warnings and errors (a 500 is
// logged as an error) still show.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}

// env is one API server over one fresh database, with an admin logged in.
type env struct {
	srv   *api.Server
	store *repository.Store
	clock *openapitest.Clock
	admin string // access token of the bootstrap admin, user "admin"
	users atomic.Int64
}

// newEnv builds the real router over store, with a fixed JWT secret, cheap
// password hashing and a clock the test controls, and bootstraps the first
// admin the way cmd/helpdesk does: directly in the store.
func newEnv(t *testing.T, store *repository.Store) *env {
	t.Helper()
	return newEnvWith(t, store, nil)
}

// newEnvWith is newEnv with more of the server's configuration set by more
// (the job queue and webhooks of the notification tests).
func newEnvWith(t *testing.T, store *repository.Store, more func(*api.Config)) *env {
	t.Helper()
	clk := openapitest.NewClock(startOfTests)
	cfg := api.Config{
		JWTSecret: jwtSecret, PasswordCost: bcrypt.MinCost, OpenAPI: openapi.Spec, Now: clk.Now,
		AccessTTL: accessTTL, Monitoring: app.NewMonitoring(store, clk.Now),
	}
	if more != nil {
		more(&cfg)
	}
	srv, err := api.New(cfg, store)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	e := &env{srv: srv, store: store, clock: clk}
	u, err := api.NewUser("admin", testPassword, domain.RoleAdmin, 0, "", bcrypt.MinCost, clk.Now())
	if err != nil {
		t.Fatalf("api.NewUser: %v", err)
	}
	if _, err := store.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create the first admin: %v", err)
	}
	e.admin = e.login(t, "admin", testPassword)
	return e
}

// eachDB runs fn as a parallel subtest on SQLite and on PostgreSQL, each
// with its own freshly migrated database and env.
func eachDB(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		fn(t, newEnv(t, s))
	})
}

// login returns an access token for the user, failing the test otherwise.
func (e *env) login(t *testing.T, username, password string) string {
	t.Helper()
	r := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": username, "password": password})
	r.want(t, http.StatusOK)
	return r.str(t, "access_token")
}

// user creates a user through the admin API and logs it in. Level is 0
// except for operators; ente is "" except for ente users. The username is
// unique within the env.
func (e *env) user(t *testing.T, role domain.Role, level domain.Level, ente string) (username, token string) {
	t.Helper()
	username = fmt.Sprintf("%s%d", role, e.users.Add(1))
	body := map[string]any{"username": username, "password": testPassword, "role": role}
	if level != 0 {
		body["level"] = level
	}
	if ente != "" {
		body["ente"] = ente
	}
	e.do(t, http.MethodPost, "/api/v1/users", e.admin, body).want(t, http.StatusCreated)
	return username, e.login(t, username, testPassword)
}

// resp is an answer of the API (openapitest.Response, the harness shared
// with the security suite), with the short names this suite's tests use.
type resp struct{ *openapitest.Response }

func (r *resp) want(t *testing.T, status int) *resp { t.Helper(); r.Want(t, status); return r }
func (r *resp) obj(t *testing.T) map[string]any     { t.Helper(); return r.Obj(t) }
func (r *resp) get(t *testing.T, path ...any) any   { t.Helper(); return r.Get(t, path...) }
func (r *resp) str(t *testing.T, path ...any) string {
	t.Helper()
	return r.Str(t, path...)
}
func (r *resp) num(t *testing.T, path ...any) float64 { t.Helper(); return r.Num(t, path...) }
func (r *resp) id(t *testing.T, path ...any) int64    { t.Helper(); return r.ID(t, path...) }
func (r *resp) items(t *testing.T) []any              { t.Helper(); return r.Items(t) }

// problem checks that the answer is a problem with the status and code,
// and that every named field has a field error; it returns the problem.
func (r *resp) problem(t *testing.T, status int, code domain.Code, fields ...string) map[string]any {
	t.Helper()
	return r.Problem(t, status, code, fields...)
}

// do sends a request whose body is v encoded as JSON (none when v is nil)
// and returns the answer. Both the request and the response are checked
// against openapi.yaml; a mismatch fails the test with the validator's
// messages. headers are name, value pairs.
func (e *env) do(t *testing.T, method, path, token string, v any, headers ...string) *resp {
	t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatalf("encode the request body: %v", err)
		}
	}
	req := newRequest(t, method, path, token, body, headers)
	openapitest.CheckRequest(t, req, body)
	return e.serve(t, req)
}

// doRaw sends body exactly as given, for tests that send what the spec
// forbids (unknown fields, bad JSON, bad parameters, no token). Only the
// response is checked against openapi.yaml. A JSON Content-Type is set
// unless headers give one.
func (e *env) doRaw(t *testing.T, method, path, token string, body []byte, headers ...string) *resp {
	t.Helper()
	return e.serve(t, newRequest(t, method, path, token, body, headers))
}

func newRequest(t *testing.T, method, path, token string, body []byte, headers []string) *http.Request {
	t.Helper()
	if body == nil {
		return openapitest.NewRequest(t, method, path, token, nil, headers...)
	}
	return openapitest.NewRequest(t, method, path, token, body, headers...)
}

// serve runs the request through the real router and checks the response
// against the spec.
func (e *env) serve(t *testing.T, req *http.Request) *resp {
	t.Helper()
	return &resp{openapitest.Serve(t, e.srv, req)}
}
