package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/api"
	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
)

const password = "una-password-lunga-1"

// desk is the binary's handler (API and pages) on a test database.
type desk struct {
	url   string
	store *repository.Store
	svc   Services
}

func startDesk(t *testing.T, s *repository.Store) *desk {
	t.Helper()
	return startDeskWith(t, s, nil)
}

// startDeskWith starts the desk after more changes the services (such as
// the e-mail that cmd/helpdesk wires only with SMTP).
func startDeskWith(t *testing.T, s *repository.Store, more func(*Services)) *desk {
	t.Helper()
	svc, api := wire(t, s)
	if more != nil {
		more(&svc)
	}
	h, err := New(Config{Key: []byte("browser-test-key")}, svc)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", api)
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &desk{url: srv.URL, store: s, svc: svc}
}

func (d *desk) user(t *testing.T, name string, role domain.Role, level domain.Level, ente string) domain.User {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	u, err := d.store.CreateUser(context.Background(), domain.User{Username: name, Role: role, Level: level, EnteCode: ente,
		PasswordHash: string(hash), Active: true, CreatedAt: now, UpdatedAt: now, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signedIn signs username in through the auth use case the pages call.
func (d *desk) signedIn(t *testing.T, username string) (Tokens, domain.Principal) {
	t.Helper()
	ctx := context.Background()
	tok, err := d.svc.Auth.Login(ctx, username, password, "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.svc.Auth.Authenticate(ctx, tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	return tok, p
}

// changeBehindTheScenes adds a note to the ticket through the use case, so
// a page loaded before it is stale.
func (d *desk) changeBehindTheScenes(t *testing.T, username, id string) {
	t.Helper()
	_, p := d.signedIn(t, username)
	ctx := context.Background()
	n, _ := strconv.ParseInt(id, 10, 64)
	tk, err := d.svc.Tickets.Get(ctx, p, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.Tickets.Apply(ctx, p, n, domain.ActionNote, "Nota di un collega.", tk.Version); err != nil {
		t.Fatal(err)
	}
}

// wire builds the API on the store and the pages' services on it.
func wire(t *testing.T, s *repository.Store) (Services, http.Handler) {
	t.Helper()
	srv, err := api.New(api.Config{JWTSecret: []byte("browser-test-secret-of-32-bytes!"), PasswordCost: bcrypt.MinCost,
		Monitoring: app.NewMonitoring(s, time.Now)}, s) // wired as cmd/helpdesk wires it
	if err != nil {
		t.Fatal(err)
	}
	svc, err := NewServices(srv, s, app.Clock(time.Now), func(pw string) (string, error) { return api.HashPassword(pw, bcrypt.MinCost) })
	if err != nil {
		t.Fatal(err)
	}
	return svc, srv
}

// requestIntervention asks for an intervention through the API, as an
// operator would from another tool.
func (d *desk) requestIntervention(t *testing.T, username, ente, description string) int64 {
	t.Helper()
	tok, err := d.svc.Auth.Login(context.Background(), username, password, "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]string{"ente": ente, "tier": "4h", "description": description})
	req, _ := http.NewRequest(http.MethodPost, d.url+"/api/v1/interventions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.Access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID int64 `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil {
		t.Fatalf("request intervention: %s", resp.Status)
	}
	return out.ID
}

func rome(t *testing.T) *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// annualReport reads the annual report from the use case the page calls,
// with the user's scope.
func (d *desk) annualReport(t *testing.T, username string, year int) app.AnnualReport {
	t.Helper()
	ctx := context.Background()
	_, p := d.signedIn(t, username)
	ente, err := d.svc.Reports.Scope(ctx, p, "")
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.svc.Reports.Annual(ctx, year, ente)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// apiCounts are the help-desk figures of one row of GET /api/v1/reports/annual/{year}.
type apiCounts struct {
	Nuovo, Aperto, Risolto, Gestiti int64
	NonDiCompetenza                 int64 `json:"non_di_competenza"`
}

// apiAnnualHelpDesk reads the help-desk table of the annual report from the
// API as username sees it, rows then total; query is added to the URL
// (as_of=…, or "").
func (d *desk) apiAnnualHelpDesk(t *testing.T, username string, year int, query string) [][2]apiCounts {
	t.Helper()
	type row struct{ Current, Previous apiCounts }
	var out struct {
		HelpDesk struct {
			Rows  []row
			Total row
		} `json:"help_desk"`
	}
	d.apiGet(t, username, fmt.Sprintf("/api/v1/reports/annual/%d?%s", year, query), &out)
	var rows [][2]apiCounts
	for _, r := range append(out.HelpDesk.Rows, out.HelpDesk.Total) {
		rows = append(rows, [2]apiCounts{r.Current, r.Previous})
	}
	return rows
}

// apiAnnualSLATable reads the whole SLA table of the annual report from
// the API under locale=it, as code, expected, measured, deviation in the
// report's notation; query is added to the URL.
func (d *desk) apiAnnualSLATable(t *testing.T, username string, year int, query string) [][]string {
	t.Helper()
	var out struct {
		SLATable []struct {
			Code    string
			Display struct{ Expected, Measured, Deviation string }
		} `json:"sla_table"`
	}
	d.apiGet(t, username, fmt.Sprintf("/api/v1/reports/annual/%d?locale=it&%s", year, query), &out)
	var rows [][]string
	for _, r := range out.SLATable {
		rows = append(rows, []string{r.Code, r.Display.Expected, r.Display.Measured, r.Display.Deviation})
	}
	return rows
}

// apiGet reads path from the API as username and decodes its JSON into out.
func (d *desk) apiGet(t *testing.T, username, path string, out any) {
	t.Helper()
	if err := json.Unmarshal(d.apiRaw(t, username, path, "application/json"), out); err != nil {
		t.Fatal(err)
	}
}

// apiRaw reads path from the API as username in the media type accept.
func (d *desk) apiRaw(t *testing.T, username, path, accept string) []byte {
	t.Helper()
	tok, _ := d.signedIn(t, username)
	req, _ := http.NewRequest(http.MethodGet, d.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.Access)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s (%v): %.200s", path, resp.Status, err, body)
	}
	return body
}
