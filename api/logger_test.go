package api_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestInjectedLogger: the request log goes to the logger the server is
// given, not to the process-wide default.
func TestInjectedLogger(t *testing.T) {
	var buf bytes.Buffer
	store := repotest.SQLite(t)
	srv, err := api.New(api.Config{JWTSecret: secKey, PasswordCost: bcrypt.MinCost, Logger: slog.New(slog.NewJSONHandler(&buf, nil))}, store)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/me", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("got %d, want 401", rec.Code)
	}
	if got := buf.String(); !strings.Contains(got, `"msg":"request"`) || !strings.Contains(got, `"status":401`) {
		t.Fatalf("got log %q, want the request line with status 401", got)
	}
}
