package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/web"
)

// TestDeskRoutesPagesAndAPI checks that one handler serves both: the pages
// at their paths, everything else (the API, probes) as before.
func TestDeskRoutesPagesAndAPI(t *testing.T) {
	store, err := repository.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Config{JWTSecret: []byte("0123456789abcdef0123456789abcdef")}, store)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := web.NewServices(srv, store, app.Clock(time.Now), func(pw string) (string, error) { return api.HashPassword(pw, 4) })
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.New(web.Config{}, svc)
	if err != nil {
		t.Fatal(err)
	}
	h := desk(srv, pages)
	for _, tc := range []struct {
		path, wantType string
		want           int
	}{
		{"/", "text/html", http.StatusOK},
		{"/dichiarazione-accessibilita", "text/html", http.StatusOK},
		{"/ticket", "", http.StatusSeeOther},
		{"/static/fonts.css", "text/css", http.StatusOK},
		{"/healthz", "application/json", http.StatusOK},
		{"/api/v1/tickets", "application/problem+json", http.StatusUnauthorized},
		{"/nessuna-pagina", "application/problem+json", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.want || !strings.HasPrefix(rec.Header().Get("Content-Type"), tc.wantType) {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, rec.Code, rec.Header().Get("Content-Type"), tc.want, tc.wantType)
		}
	}
}
