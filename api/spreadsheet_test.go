package api_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

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

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// TestReportsAsXLSX: every report is served as XLSX when asked for, with
// the CSV's header (Italian under locale=it) and its numbers stored as
// numbers, codes as text.
func TestReportsAsXLSX(t *testing.T) {
	repotest.Each(t, func(t *testing.T, store *repository.Store) {
		e := newSecEnv(t, store)
		admin := e.tokens[wAdmin]
		e.do(t, http.MethodPost, "/api/v1/interventions", e.tokens[wOperator1],
			map[string]any{"ente": "dicomano", "tier": "4h", "description": "Installare la stampante"}).want(t, http.StatusCreated)
		for _, c := range []struct{ path, a1, numCell string }{
			{"/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01&group_by=ente", "level", "G2"},
			{"/api/v1/reports/tickets?from=2026-01-01&to=2027-01-01&group_by=level&locale=it", "livello", "A2"},
			{"/api/v1/reports/tickets/yoy?years=2026,2025&group_by=level", "level", "G2"},
			{"/api/v1/reports/sla?from=2026-01-01&to=2027-01-01", "code", "C2"},
			{"/api/v1/reports/annual/2026", "level", "B2"},
			{"/api/v1/reports/annual/2026?section=sla&locale=it", "codice", "C2"},
			{"/api/v1/reports/annual/2026?section=interventions", "tier", "B2"},
			{"/api/v1/reports/interventions?from=2026-01-01&to=2027-01-01&group_by=tier", "tier", "D2"},
		} {
			r := e.do(t, http.MethodGet, c.path, admin, nil, "Accept", xlsxType)
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != xlsxType {
				t.Errorf("%s: got %d %q, want 200 XLSX: %.300s", c.path, r.Status, r.Header.Get("Content-Type"), r.Body)
				continue
			}
			book, err := excelize.OpenReader(bytes.NewReader(r.Body))
			if err != nil {
				t.Errorf("%s: not an XLSX file: %v", c.path, err)
				continue
			}
			sheet := book.GetSheetName(0)
			if got, _ := book.GetCellValue(sheet, "A1"); got != c.a1 {
				t.Errorf("%s: A1 is %q, want %q", c.path, got, c.a1)
			}
			typ, err := book.GetCellType(sheet, c.numCell)
			v, _ := book.GetCellValue(sheet, c.numCell)
			if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) || v == "" {
				t.Errorf("%s: %s is %q of type %v, want a number", c.path, c.numCell, v, typ)
			}
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				t.Errorf("%s: %s is %q, want a number", c.path, c.numCell, v)
			}
			book.Close()
		}
		// A code stays text in the sheet.
		r := e.do(t, http.MethodGet, "/api/v1/reports/sla?from=2026-01-01&to=2027-01-01", admin, nil, "Accept", xlsxType).want(t, http.StatusOK)
		book, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		defer book.Close()
		if typ, _ := book.GetCellType(book.GetSheetName(0), "A2"); typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset {
			t.Errorf("SLA code cell A2 has type %v, want text", typ)
		}
	})
}
