package openapi_test

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/openapi"
	"github.com/cst-firenze/helpdesk/openapi/openapitest"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// specModel parses the embedded spec into its OpenAPI 3 model.
func specModel(t *testing.T) *v3.Document {
	t.Helper()
	doc, err := libopenapi.NewDocument(openapi.Spec)
	if err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	if got := doc.GetVersion(); got != "3.1.0" {
		t.Fatalf("got openapi version %q, want 3.1.0", got)
	}
	m, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("build the model of openapi.yaml: %v", err)
	}
	return &m.Model
}

// specOperations returns every operation of the spec keyed "METHOD /path"
// with the spec's {param} syntax.
func specOperations(t *testing.T) map[string]*v3.Operation {
	t.Helper()
	ops := map[string]*v3.Operation{}
	for path, item := range specModel(t).Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

var ginParam = regexp.MustCompile(`[:*]([A-Za-z_][A-Za-z0-9_]*)`)

// specPath turns gin's /tickets/:id into the spec's /tickets/{id}.
func specPath(ginPath string) string { return ginParam.ReplaceAllString(ginPath, "{$1}") }

func TestSpecIsAValidOpenAPI31Document(t *testing.T) {
	doc, err := libopenapi.NewDocument(openapi.Spec)
	if err != nil {
		t.Fatalf("parse openapi.yaml: %v", err)
	}
	if got := doc.GetVersion(); got != "3.1.0" {
		t.Errorf("got openapi version %q, want 3.1.0", got)
	}
	openapitest.CheckSpec(t)
	if _, err := doc.BuildV3Model(); err != nil {
		t.Fatalf("openapi.yaml does not resolve (a $ref may point nowhere): %v", err)
	}
}

func TestEveryRouteIsInTheSpecAndEveryOperationIsARoute(t *testing.T) {
	e := newEnv(t, repotest.SQLite(t))
	routes := map[string]bool{}
	for _, r := range e.srv.Routes() {
		routes[r.Method+" "+specPath(r.Path)] = true
	}
	ops := specOperations(t)
	var missing, extra []string
	for r := range routes {
		if ops[r] == nil {
			missing = append(missing, r)
		}
	}
	for op := range ops {
		if !routes[op] {
			extra = append(extra, op)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.yaml without a route:\n  %s", strings.Join(extra, "\n  "))
	}
	if len(routes) == 0 {
		t.Fatal("the server registers no routes")
	}
}

// TestSpecSecurityMatchesRoutePolicies checks the spec against the route
// table's policies: a public route opts out of bearer security, a
// protected one documents 401, and one closed to some roles documents 403.
func TestSpecSecurityMatchesRoutePolicies(t *testing.T) {
	e := newEnv(t, repotest.SQLite(t))
	ops := specOperations(t)
	for route, pol := range e.srv.Policies() {
		method, path, _ := strings.Cut(route, " ")
		key := method + " " + specPath(path)
		op := ops[key]
		if op == nil {
			continue // reported by TestEveryRouteIsInTheSpecAndEveryOperationIsARoute
		}
		public := op.Security != nil && len(op.Security) == 0
		if public != pol.Public {
			t.Errorf("%s: got public in spec %v, want %v (security: [] marks a public operation)", key, public, pol.Public)
		}
		if pol.Public {
			continue
		}
		if op.Responses.Codes.GetOrZero("401") == nil {
			t.Errorf("%s: protected, but the spec documents no 401", key)
		}
		if len(pol.Roles) < len(domain.Roles) && op.Responses.Codes.GetOrZero("403") == nil {
			t.Errorf("%s: closed to some roles, but the spec documents no 403", key)
		}
	}
}

func TestSpecOperationIDsAreUnique(t *testing.T) {
	seen := map[string]string{}
	for key, op := range specOperations(t) {
		if op.OperationId == "" {
			t.Errorf("%s has no operationId", key)
			continue
		}
		if other, ok := seen[op.OperationId]; ok {
			t.Errorf("operationId %q is used by %s and %s", op.OperationId, other, key)
		}
		seen[op.OperationId] = key
	}
}

func TestServedSpecIsTheEmbeddedOne(t *testing.T) {
	e := newEnv(t, repotest.SQLite(t))
	r := e.do(t, http.MethodGet, "/openapi.yaml", "", nil).want(t, http.StatusOK)
	if !bytes.Equal(r.Body, openapi.Spec) {
		t.Errorf("got %d bytes from /openapi.yaml, want the %d bytes of openapi.Spec", len(r.Body), len(openapi.Spec))
	}
	if got := r.Header.Get("Content-Type"); got != "application/yaml" {
		t.Errorf("got Content-Type %q, want application/yaml", got)
	}
}

func TestSpecPathConversion(t *testing.T) {
	for _, c := range []struct{ gin, want string }{
		{"/api/v1/tickets", "/api/v1/tickets"},
		{"/api/v1/tickets/:id", "/api/v1/tickets/{id}"},
		{"/api/v1/enti/:code/closures/:id", "/api/v1/enti/{code}/closures/{id}"},
		{"/static/*filepath", "/static/{filepath}"},
	} {
		if got := specPath(c.gin); got != c.want {
			t.Errorf("specPath(%q): got %q, want %q", c.gin, got, c.want)
		}
	}
}
