// Package openapitest is the one HTTP test harness of the API's suites, the
// end-to-end tests in openapi/ and the security tests in api/: a clock the
// test moves, one request helper that sends through the real router, and
// answers checked against openapi.yaml, so a suite cannot pass on an
// answer the contract does not describe.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/openapi"
)

// Clock is a test's injectable clock. It stands still unless the test
// moves it, so SLA deadlines and token lifetimes are exact.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's instant; pass it as the server's Config.Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// NewRequest builds a request to path. body is nil (no body), a string or
// []byte (sent as is) or anything else (sent as JSON); a body gets a JSON
// Content-Type unless headers, name and value pairs, set another.
func NewRequest(tb testing.TB, method, path, token string, body any, headers ...string) *http.Request {
	tb.Helper()
	if len(headers)%2 != 0 {
		tb.Fatalf("headers must be name, value pairs; got %q", headers)
	}
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			tb.Fatalf("encode the request body: %v", err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
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

// CheckRequest fails the test unless req (whose body is body) is one that
// openapi.yaml allows; a suite calls it for requests it means to be valid.
func CheckRequest(tb testing.TB, req *http.Request, body []byte) {
	tb.Helper()
	check := req.Clone(context.Background())
	check.Body = io.NopCloser(bytes.NewReader(body))
	if ok, errs := specValidator(tb).ValidateHttpRequestSync(check); !ok {
		tb.Errorf("%s %s: the request does not match openapi.yaml:%s", req.Method, req.URL.Path, listErrors(errs))
	}
}

// Serve runs req through h and returns the answer. Whatever the request,
// the answer must match openapi.yaml: a mismatch fails the test with the
// validator's messages.
func Serve(tb testing.TB, h http.Handler, req *http.Request) *Response {
	tb.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatalf("read the response: %v", err)
	}
	r := &Response{Status: res.StatusCode, Header: res.Header, Body: raw}
	if len(raw) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &r.JSON); err != nil {
			tb.Fatalf("%s %s: the response is not JSON: %v; body: %s", req.Method, req.URL, err, raw)
		}
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	ok, errs := specValidator(tb).ValidateHttpResponse(req, res)
	if ok {
		return r
	}
	if status, none := noOperation(errs); none {
		// The spec has nothing to say about a path or method it lacks;
		// the router must answer it with its own 404 or 405 problem.
		if msg := r.ProblemError(status, ""); msg != "" {
			tb.Errorf("%s %s is no operation of openapi.yaml, so the answer must be the router's %d problem: %s", req.Method, req.URL, status, msg)
		}
		return r
	}
	tb.Errorf("%s %s -> %d: the response does not match openapi.yaml:%s\nbody: %.2000s", req.Method, req.URL, r.Status, listErrors(errs), raw)
	return r
}

// noOperation reports whether errs say only that the request names no
// operation of the spec, and the status that answers it: 404 for a path
// the spec lacks, 405 for a method its path lacks.
func noOperation(errs []*verrors.ValidationError) (status int, none bool) {
	for _, e := range errs {
		switch {
		case e.IsPathMissingError():
			status = http.StatusNotFound
		case e.IsOperationMissingError():
			status = http.StatusMethodNotAllowed
		default:
			return 0, false
		}
	}
	return status, len(errs) > 0
}

// Response is one answer of the API.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   any // the decoded body when it is JSON, else nil
}

func (r *Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// Want fails the test unless the status is the expected one, showing the
// body, which for an error is the problem that explains it.
func (r *Response) Want(tb testing.TB, status int) *Response {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("got status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// Obj returns the body as a JSON object.
func (r *Response) Obj(tb testing.TB) map[string]any {
	tb.Helper()
	m, ok := r.JSON.(map[string]any)
	if !ok {
		tb.Fatalf("got body %s, want a JSON object", r.Body)
	}
	return m
}

// Get returns the value at a path of object keys and array indexes, such
// as Get(t, "items", 0, "id"); a missing step fails the test.
func (r *Response) Get(tb testing.TB, path ...any) any {
	tb.Helper()
	v := r.JSON
	for i, step := range path {
		switch k := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				tb.Fatalf("at %v: got %T, want an object; body: %s", path[:i], v, r.Body)
			}
			if v, ok = m[k]; !ok {
				tb.Fatalf("at %v: no key %q; body: %s", path[:i], k, r.Body)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				tb.Fatalf("at %v: got %T, want an array with index %d; body: %s", path[:i], v, k, r.Body)
			}
			v = a[k]
		default:
			tb.Fatalf("bad path step %T", step)
		}
	}
	return v
}

// Str returns the string at path.
func (r *Response) Str(tb testing.TB, path ...any) string {
	tb.Helper()
	s, ok := r.Get(tb, path...).(string)
	if !ok {
		tb.Fatalf("at %v: got %v, want a string", path, r.Get(tb, path...))
	}
	return s
}

// Num returns the number at path.
func (r *Response) Num(tb testing.TB, path ...any) float64 {
	tb.Helper()
	n, ok := r.Get(tb, path...).(float64)
	if !ok {
		tb.Fatalf("at %v: got %v, want a number", path, r.Get(tb, path...))
	}
	return n
}

// ID returns the integer at path, typically an object's "id".
func (r *Response) ID(tb testing.TB, path ...any) int64 {
	tb.Helper()
	return int64(r.Num(tb, path...))
}

// Items returns the "items" array of a list answer.
func (r *Response) Items(tb testing.TB) []any {
	tb.Helper()
	a, ok := r.Get(tb, "items").([]any)
	if !ok {
		tb.Fatalf("got items %v, want an array", r.Get(tb, "items"))
	}
	return a
}

// ProblemError says what is wrong with r as an RFC 9457 problem of the
// given status and code (code "" accepts any), naming every field given,
// or "" when nothing is.
func (r *Response) ProblemError(status int, code domain.Code, fields ...string) string {
	if r.Status != status {
		return fmt.Sprintf("got status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Sprintf("got Content-Type %q, want application/problem+json", ct)
	}
	var p struct {
		Type   *string  `json:"type"`
		Title  *string  `json:"title"`
		Status *float64 `json:"status"`
		Code   *string  `json:"code"`
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return fmt.Sprintf("got body %q, want a JSON problem: %v", r.Body, err)
	}
	switch {
	case p.Type == nil || *p.Type == "", p.Title == nil || *p.Title == "", p.Code == nil || *p.Code == "":
		return fmt.Sprintf("got problem %s, want non-empty type, title and code", r.Body)
	case p.Status == nil || int(*p.Status) != status:
		return fmt.Sprintf("got problem %s, want status member %d", r.Body, status)
	case code != "" && *p.Code != string(code):
		return fmt.Sprintf("got code %q, want %q; body: %s", *p.Code, code, r.Body)
	}
	for _, f := range fields {
		if !r.HasFieldError(f) {
			return fmt.Sprintf("got errors %v, want one for field %q", r.Fields(), f)
		}
	}
	return ""
}

// Problem fails the test unless r is a problem with the status and code
// and a field error for every named field; it returns the problem.
func (r *Response) Problem(tb testing.TB, status int, code domain.Code, fields ...string) map[string]any {
	tb.Helper()
	if msg := r.ProblemError(status, code, fields...); msg != "" {
		tb.Fatal(msg)
	}
	return r.Obj(tb)
}

// Fields lists the field names of a problem's errors member.
func (r *Response) Fields() []string {
	m, _ := r.JSON.(map[string]any)
	list, _ := m["errors"].([]any)
	var out []string
	for _, fe := range list {
		if f, ok := fe.(map[string]any); ok {
			name, _ := f["field"].(string)
			out = append(out, name)
		}
	}
	return out
}

// HasFieldError reports whether a problem has an error for field.
func (r *Response) HasFieldError(field string) bool {
	for _, f := range r.Fields() {
		if f == field {
			return true
		}
	}
	return false
}

// CheckSpec fails the test unless openapi.yaml is a valid OpenAPI document.
func CheckSpec(tb testing.TB) {
	tb.Helper()
	if ok, errs := specValidator(tb).ValidateDocument(); !ok {
		tb.Fatalf("openapi.yaml is not a valid OpenAPI 3.1 document:%s", listErrors(errs))
	}
}

var (
	validatorOnce sync.Once
	theValidator  validator.Validator
	validatorErr  error
)

// specValidator is built once per test binary from the embedded spec.
func specValidator(tb testing.TB) validator.Validator {
	tb.Helper()
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
		tb.Fatal(validatorErr)
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
