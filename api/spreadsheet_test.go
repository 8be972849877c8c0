package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestCSVForSpreadsheets: under locale=it a report CSV starts with a UTF-8
// byte order mark and has Italian headers; in every locale the ticket
// report has its total row, and a cell that a spreadsheet would run as a
// formula (an ente code starting with "-") is neutralised.
func TestCSVForSpreadsheets(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		admin := e.tokens[wAdmin]
		e.do(t, http.MethodPost, "/api/v1/enti", admin, map[string]any{"code": "-1-1", "name": "Ente di prova", "kind": "comune"}).want(t, http.StatusCreated)
		e.newTicket(t, e.tokens[wOperator1], "-1-1")
		const path = "/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01&group_by=ente"
		en := string(e.do(t, http.MethodGet, path, admin, nil, "Accept", "text/csv").want(t, http.StatusOK).Body)
		it := string(e.do(t, http.MethodGet, path+"&locale=it", admin, nil, "Accept", "text/csv").want(t, http.StatusOK).Body)

		if strings.HasPrefix(en, "\ufeff") || !strings.HasPrefix(en, "level,status,ente,") {
			t.Errorf("English CSV: got %q, want English headers and no byte order mark", en)
		}
		if !strings.HasPrefix(it, "\ufefflivello;stato;ente;servizio;canale;mese;") || !strings.Contains(it, ";% risolti\n") {
			t.Errorf("Italian CSV: got %q, want a byte order mark and Italian headers", it)
		}
		for name, body := range map[string]string{"English": en, "Italian": it} {
			if !strings.Contains(body, "'-1-1") || strings.Contains(body, ",-1-1,") || strings.Contains(body, ";-1-1;") {
				t.Errorf("%s CSV: the ente code -1-1 is not neutralised: %q", name, body)
			}
		}
		if !strings.Contains(en, "\ntotal,,,,,,3,0,0,0,3,") {
			t.Errorf("English CSV: got %q, want a total row of 3 tickets", en)
		}
		if !strings.Contains(it, "\ntotale;;;;;;3;0;0;0;3;") {
			t.Errorf("Italian CSV: got %q, want a totale row of 3 tickets", it)
		}
	})
}
