package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/openapi"
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

// clock is the env's injectable clock. It stands still unless a test moves
// it, so SLA deadlines and states are exact.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

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
	clock *clock
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
	clk := &clock{t: startOfTests}
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

// resp is an answer of the API.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   any // the decoded body when it is JSON, else nil
}

// want fails the test unless the status is the expected one, showing the
// body, which for an error is the problem that explains it.
func (r *resp) want(t *testing.T, status int) *resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// obj returns the body as a JSON object.
func (r *resp) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.JSON.(map[string]any)
	if !ok {
		t.Fatalf("got body %s, want a JSON object", r.Body)
	}
	return m
}

// get returns the value at a path of object keys and array indexes, such
// as get(t, "items", 0, "id"); a missing step fails the test.
func (r *resp) get(t *testing.T, path ...any) any {
	t.Helper()
	v := r.JSON
	for i, step := range path {
		switch k := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: got %T, want an object; body: %s", path[:i], v, r.Body)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("at %v: no key %q; body: %s", path[:i], k, r.Body)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				t.Fatalf("at %v: got %T, want an array with index %d; body: %s", path[:i], v, k, r.Body)
			}
			v = a[k]
		default:
			t.Fatalf("bad path step %T", step)
		}
	}
	return v
}

// str returns the string at path.
func (r *resp) str(t *testing.T, path ...any) string {
	t.Helper()
	s, ok := r.get(t, path...).(string)
	if !ok {
		t.Fatalf("at %v: got %v, want a string", path, r.get(t, path...))
	}
	return s
}

// num returns the number at path.
func (r *resp) num(t *testing.T, path ...any) float64 {
	t.Helper()
	n, ok := r.get(t, path...).(float64)
	if !ok {
		t.Fatalf("at %v: got %v, want a number", path, r.get(t, path...))
	}
	return n
}

// id returns the integer at path, typically an object's "id".
func (r *resp) id(t *testing.T, path ...any) int64 { t.Helper(); return int64(r.num(t, path...)) }

// items returns the "items" array of a list answer.
func (r *resp) items(t *testing.T) []any {
	t.Helper()
	a, ok := r.get(t, "items").([]any)
	if !ok {
		t.Fatalf("got items %v, want an array", r.get(t, "items"))
	}
	return a
}

// problem checks that the answer is a problem with the status and code,
// and that every named field has a field error; it returns the problem.
func (r *resp) problem(t *testing.T, status int, code domain.Code, fields ...string) map[string]any {
	t.Helper()
	r.want(t, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("got Content-Type %q, want application/problem+json", ct)
	}
	p := r.obj(t)
	if got := p["code"]; got != string(code) {
		t.Fatalf("got code %v, want %s; body: %s", got, code, r.Body)
	}
	for _, f := range fields {
		if !r.hasFieldError(f) {
			t.Fatalf("got errors %v, want one for field %q", p["errors"], f)
		}
	}
	return p
}

func (r *resp) hasFieldError(field string) bool {
	m, _ := r.JSON.(map[string]any)
	list, _ := m["errors"].([]any)
	for _, fe := range list {
		if f, _ := fe.(map[string]any); f["field"] == field {
			return true
		}
	}
	return false
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
	check := req.Clone(context.Background())
	check.Body = io.NopCloser(bytes.NewReader(body))
	if ok, errs := specValidator(t).ValidateHttpRequestSync(check); !ok {
		t.Errorf("%s %s: the request does not match openapi.yaml:%s", method, path, listErrors(errs))
	}
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
	if len(headers)%2 != 0 {
		t.Fatalf("headers must be name, value pairs; got %q", headers)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// serve runs the request through the real router and checks the response
// against the spec.
func (e *env) serve(t *testing.T, req *http.Request) *resp {
	t.Helper()
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	res := rec.Result()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read the response: %v", err)
	}
	r := &resp{Status: res.StatusCode, Header: res.Header, Body: raw}
	if len(raw) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			t.Fatalf("%s %s: the response is not JSON: %v; body: %s", req.Method, req.URL, err, raw)
		}
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	if ok, errs := specValidator(t).ValidateHttpResponse(req, res); !ok {
		t.Errorf("%s %s -> %d: the response does not match openapi.yaml:%s\nbody: %.2000s", req.Method, req.URL, r.Status, listErrors(errs), raw)
	}
	return r
}

var (
	validatorOnce sync.Once
	theValidator  validator.Validator
	validatorErr  error
)

// specValidator is built once per test binary from the embedded spec.
func specValidator(t *testing.T) validator.Validator {
	t.Helper()
	validatorOnce.Do(func() {
		doc, err := libopenapi.NewDocument(openapi.Spec)
		if err != nil {
			validatorErr = fmt.Errorf("parse openapi.yaml: %w", err)
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			validatorErr = fmt.Errorf("build the validator: %v", errs)
			return
		}
		theValidator = v
	})
	if validatorErr != nil {
		t.Fatal(validatorErr)
	}
	return theValidator
}

// listErrors formats validation errors one per line with their schema
// failures, which say which field is wrong.
func listErrors(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, err := range errs {
		fmt.Fprintf(&b, "\n  - %s", err.Error())
	}
	return b.String()
}
