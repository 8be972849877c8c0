package openapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

var rptRome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

// yearFigures are a year of the report's help-desk table: tickets by
// level and status.
type yearFigures map[domain.Level]map[domain.Status]int

// The HELP DESK CST tables of the 2017 annual report.
var (
	helpDesk2017 = yearFigures{
		1: {domain.StatusRisolto: 2136, domain.StatusNonDiCompetenza: 29},
		2: {domain.StatusRisolto: 3233, domain.StatusNonDiCompetenza: 87, domain.StatusAperto: 10},
	}
	helpDesk2016 = yearFigures{
		1: {domain.StatusRisolto: 2380, domain.StatusNonDiCompetenza: 304},
		2: {domain.StatusRisolto: 2045, domain.StatusNonDiCompetenza: 59},
	}
)

var rptEnti = []string{"firenze", "fiesole", "scandicci", "bagno-a-ripoli", "dicomano", "uc-mugello"}

// historicalRows makes one import row per ticket of the figures, opened
// through the year in Rome, spread over enti, services and channels; the
// closed ones closed an hour after opening.
func historicalRows(year int, f yearFigures) []map[string]any {
	n := 0
	for _, byStatus := range f {
		for _, c := range byStatus {
			n += c
		}
	}
	step := time.Duration((365*24*60-180)/n) * time.Minute
	at := time.Date(year, 1, 1, 0, 30, 0, 0, rptRome)
	var rows []map[string]any
	for _, level := range []domain.Level{1, 2} {
		for _, st := range domain.Statuses {
			for range f[level][st] {
				i := len(rows)
				row := map[string]any{
					"external_id": fmt.Sprintf("%d-%06d", year, i), "ente": rptEnti[i%len(rptEnti)], "level": level,
					"status": st, "service": domain.Services[i%len(domain.Services)], "channel": domain.Channels[i%len(domain.Channels)],
					"subject": fmt.Sprintf("Segnalazione %d del %d", i, year), "opened_at": at.Format(time.RFC3339),
				}
				if st.Closed() {
					row["closed_at"] = at.Add(time.Hour).Format(time.RFC3339)
				}
				rows = append(rows, row)
				at = at.Add(step)
			}
		}
	}
	return rows
}

func ndjson(t *testing.T, rows []map[string]any) []byte {
	t.Helper()
	var b strings.Builder
	for _, r := range rows {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// italianCSV writes rows as an Italian spreadsheet saves them: ';'
// between fields, an empty cell for no closed_at.
func italianCSV(rows []map[string]any) []byte {
	cols := []string{"external_id", "ente", "level", "status", "service", "channel", "subject", "opened_at", "closed_at"}
	var b strings.Builder
	b.WriteString(strings.Join(cols, ";") + "\n")
	for _, r := range rows {
		cells := make([]string, len(cols))
		for i, c := range cols {
			if v, ok := r[c]; ok {
				cells[i] = fmt.Sprint(v)
			}
		}
		b.WriteString(strings.Join(cells, ";") + "\n")
	}
	return []byte(b.String())
}

func (e *env) importRows(t *testing.T, token, contentType string, body []byte) *resp {
	t.Helper()
	return e.doRaw(t, http.MethodPost, "/api/v1/import/tickets", token, body, "Content-Type", contentType)
}

// reporterToken makes a reporter and a long-lived API token for it, as a
// dashboard would use.
func (e *env) reporterToken(t *testing.T) string {
	t.Helper()
	_, tok := e.user(t, domain.RoleReporter, 0, "")
	id := e.do(t, http.MethodGet, "/api/v1/me", tok, nil).want(t, http.StatusOK).id(t, "id")
	return e.do(t, http.MethodPost, "/api/v1/api-tokens", e.admin, map[string]any{"name": "cruscotto", "user_id": id}).
		want(t, http.StatusCreated).str(t, "token")
}

func counts(nuovo, aperto, risolto, ndc int, rate, pct any) map[string]any {
	return map[string]any{"nuovo": nuovo, "aperto": aperto, "risolto": risolto, "non_di_competenza": ndc,
		"gestiti": nuovo + aperto + risolto + ndc, "resolution_rate": rate, "resolved_percent": pct}
}

// The DONE criterion of issue 4: the 2017 help-desk table, with 2016
// beside it, imported and reproduced exactly, as JSON and as CSV.
func TestAnnualReportReproducesThe2017HelpDeskTable(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		rows2016, rows2017 := historicalRows(2016, helpDesk2016), historicalRows(2017, helpDesk2017)
		// 2016 as an Italian spreadsheet saves CSV (byte order mark, ';'),
		// 2017 as NDJSON.
		r := e.importRows(t, e.admin, "text/csv; charset=utf-8", append([]byte("\ufeff"), italianCSV(rows2016)...)).want(t, http.StatusOK)
		same(t, "2016 import", r.JSON, map[string]any{"received": 4788, "created": 4788, "unchanged": 0})
		r = e.importRows(t, e.admin, "application/x-ndjson", ndjson(t, rows2017)).want(t, http.StatusOK)
		same(t, "2017 import", r.JSON, map[string]any{"received": 5495, "created": 5495, "unchanged": 0})

		level1 := map[string]any{"level": 1,
			"current":  counts(0, 0, 2136, 29, 1, 100),
			"previous": counts(0, 0, 2380, 304, 1, 100), "diff_pct": -19}
		level2 := map[string]any{"level": 2,
			"current":  counts(0, 10, 3233, 87, 3320.0/3330, 99.7),
			"previous": counts(0, 0, 2045, 59, 1, 100), "diff_pct": 58}
		total := map[string]any{"level": nil,
			"current":  counts(0, 10, 5369, 116, 5485.0/5495, 99.8),
			"previous": counts(0, 0, 4425, 363, 1, 100), "diff_pct": 15}
		noSLA := func(code, desc string, minutes int, basis, text string) map[string]any {
			return map[string]any{"code": code, "description": desc, "target": map[string]any{"minutes": minutes, "basis": basis, "text": text},
				"expected_share": 100, "measured_share": nil, "deviation": nil, "met": 0, "breached": 0, "running": 0}
		}
		noIv := func(tier string) map[string]any {
			return map[string]any{"tier": tier, "count": 0, "completed": 0, "completed_on_time": 0, "on_time_share": nil,
				"median_working_seconds": nil, "p90_working_seconds": nil}
		}
		reporter := e.reporterToken(t)
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2017", reporter, nil).want(t, http.StatusOK)
		same(t, "annual 2017", r.JSON, map[string]any{
			"year": 2017, "previous_year": 2016, "ente": nil, "at": "2026-03-10T09:00:00+01:00",
			"help_desk": map[string]any{"rows": []any{level1, level2}, "total": total},
			// Imported tickets have no SLA clocks: the old system measured them.
			"sla": []any{
				noSLA("SLA.6", "Presa in carico della segnalazione", 60, "working", "entro 1h lavorativa"),
				noSLA("SLA.7", "Risposta via mail o telefonica", 360, "working", "entro 6h lavorative"),
				noSLA("SLA.8", "Intervento a seguito di segnalazione telefonica sulle cause del malfunzionamento", 120, "calendar", "entro 2h dalla comunicazione"),
			},
			"sla_table":     noSLATable(),
			"interventions": []any{noIv("30m"), noIv("4h"), noIv("8h"), noIv("nbd")},
		})

		header := "level,year,previous_year,nuovo,aperto,risolto,non_di_competenza,gestiti,resolution_rate,resolved_percent," +
			"previous_nuovo,previous_aperto,previous_risolto,previous_non_di_competenza,previous_gestiti,previous_resolution_rate,previous_resolved_percent,diff_pct\n"
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2017", reporter, nil, "Accept", "text/csv").want(t, http.StatusOK)
		same(t, "Content-Type", r.Header.Get("Content-Type"), "text/csv; charset=utf-8")
		same(t, "annual CSV", string(r.Body), header+
			"1,2017,2016,0,0,2136,29,2165,1.0000,100.0,0,0,2380,304,2684,1.0000,100.0,-19\n"+
			"2,2017,2016,0,10,3233,87,3330,0.9970,99.7,0,0,2045,59,2104,1.0000,100.0,58\n"+
			"total,2017,2016,0,10,5369,116,5495,0.9982,99.8,0,0,4425,363,4788,1.0000,100.0,15\n")
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2017?locale=it", reporter, nil, "Accept", "text/csv").want(t, http.StatusOK)
		// Italian: a byte order mark, Italian headers, ';' and decimal commas.
		same(t, "annual Italian CSV", string(r.Body), "\ufefflivello;anno;anno precedente;nuovo;aperto;risolto;non di competenza;gestiti;tasso di risoluzione;% risolti;"+
			"nuovo anno precedente;aperto anno precedente;risolto anno precedente;non di competenza anno precedente;gestiti anno precedente;"+
			"tasso di risoluzione anno precedente;% risolti anno precedente;diff %\n"+
			"1;2017;2016;0;0;2136;29;2165;1,0000;100,0;0;0;2380;304;2684;1,0000;100,0;-19\n"+
			"2;2017;2016;0;10;3233;87;3330;0,9970;99,7;0;0;2045;59;2104;1,0000;100,0;58\n"+
			"totale;2017;2016;0;10;5369;116;5495;0,9982;99,8;0;0;4425;363;4788;1,0000;100,0;15\n")

		// The same figures from the period report and the year-over-year one.
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2017-01-01&to=2018-01-01&group_by=level", reporter, nil).want(t, http.StatusOK)
		key := func(level any) map[string]any {
			return map[string]any{"level": level, "status": nil, "ente": nil, "service": nil, "channel": nil, "month": nil}
		}
		with := func(a, b map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range a {
				out[k] = v
			}
			for k, v := range b {
				out[k] = v
			}
			return out
		}
		same(t, "2017 by level", r.JSON, map[string]any{
			"from": "2017-01-01T00:00:00+01:00", "to": "2018-01-01T00:00:00+01:00", "ente": nil, "group_by": []string{"level"},
			"rows":  []any{with(key(1), counts(0, 0, 2136, 29, 1, 100)), with(key(2), counts(0, 10, 3233, 87, 3320.0/3330, 99.7))},
			"total": counts(0, 10, 5369, 116, 5485.0/5495, 99.8),
		})
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2017-01-01&to=2018-01-01&group_by=level&locale=it", reporter, nil, "Accept", "text/csv").
			want(t, http.StatusOK)
		same(t, "2017 by level, Italian CSV", string(r.Body),
			"\ufefflivello;stato;ente;servizio;canale;mese;nuovo;aperto;risolto;non di competenza;gestiti;tasso di risoluzione;% risolti\n"+
				"1;;;;;;0;0;2136;29;2165;1,0000;100,0\n2;;;;;;0;10;3233;87;3330;0,9970;99,7\n"+
				"totale;;;;;;0;10;5369;116;5495;0,9982;99,8\n") // the total row, as in the JSON

		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets/yoy?years=2017,2016&group_by=level", reporter, nil).want(t, http.StatusOK)
		year := func(y int, c map[string]any, diff any) map[string]any {
			return with(map[string]any{"year": y, "diff_pct": diff}, c)
		}
		same(t, "year over year", r.JSON, map[string]any{
			"years": []int{2016, 2017}, "ente": nil, "group_by": []string{"level"},
			"rows": []any{
				with(key(1), map[string]any{"years": []any{year(2016, counts(0, 0, 2380, 304, 1, 100), nil), year(2017, counts(0, 0, 2136, 29, 1, 100), -19)}}),
				with(key(2), map[string]any{"years": []any{year(2016, counts(0, 0, 2045, 59, 1, 100), nil), year(2017, counts(0, 10, 3233, 87, 3320.0/3330, 99.7), 58)}}),
			},
			"total": []any{year(2016, counts(0, 0, 4425, 363, 1, 100), nil), year(2017, counts(0, 10, 5369, 116, 5485.0/5495, 99.8), 15)},
		})
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets/yoy?years=2016,2017&group_by=level", reporter, nil, "Accept", "text/csv").want(t, http.StatusOK)
		same(t, "year over year CSV", string(r.Body),
			"level,status,ente,service,channel,month,year,nuovo,aperto,risolto,non_di_competenza,gestiti,resolution_rate,resolved_percent,diff_pct\n"+
				"1,,,,,,2016,0,0,2380,304,2684,1.0000,100.0,\n1,,,,,,2017,0,0,2136,29,2165,1.0000,100.0,-19\n"+
				"2,,,,,,2016,0,0,2045,59,2104,1.0000,100.0,\n2,,,,,,2017,0,10,3233,87,3330,0.9970,99.7,58\n")

		// Importing the same file again changes nothing.
		r = e.importRows(t, e.admin, "application/x-ndjson", ndjson(t, rows2017)).want(t, http.StatusOK)
		same(t, "2017 again", r.JSON, map[string]any{"received": 5495, "created": 0, "unchanged": 5495})
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2017", reporter, nil).want(t, http.StatusOK)
		same(t, "help desk after the second import", r.get(t, "help_desk"), map[string]any{"rows": []any{level1, level2}, "total": total})
	})
}

func TestReportParametersAreValidated(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		for _, tc := range []struct{ path, field string }{
			{"/api/v1/reports/tickets?group_by=tier", "group_by"},
			{"/api/v1/reports/tickets?group_by=level,level", "group_by"},
			{"/api/v1/reports/tickets?group_by=level,", "group_by"},
			{"/api/v1/reports/tickets?from=ieri", "from"},
			{"/api/v1/reports/tickets?from=2017-02-01&to=2017-01-01", "to"},
			{"/api/v1/reports/tickets?locale=fr", "locale"},
			{"/api/v1/reports/tickets?level=1", "level"},
			{"/api/v1/reports/tickets?ente=atlantide", "ente"},
			{"/api/v1/reports/tickets/yoy", "years"},
			{"/api/v1/reports/tickets/yoy?years=2017", "years"},
			{"/api/v1/reports/tickets/yoy?years=2016,2016", "years"},
			{"/api/v1/reports/tickets/yoy?years=2016,duemila", "years"},
			{"/api/v1/reports/tickets/yoy?years=2016,2017&group_by=anno", "group_by"},
			{"/api/v1/reports/sla?to=2016-01-01", "to"},
			{"/api/v1/reports/sla?group_by=level", "group_by"},
			{"/api/v1/reports/annual/duemila", "year"},
			{"/api/v1/reports/annual/1850", "year"},
			{"/api/v1/reports/annual/2017?section=costi", "section"},
		} {
			e.doRaw(t, http.MethodGet, tc.path, e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, tc.field)
		}
		for _, path := range []string{"/api/v1/reports/tickets", "/api/v1/reports/tickets/yoy?years=2016,2017", "/api/v1/reports/sla", "/api/v1/reports/annual/2017"} {
			e.do(t, http.MethodGet, path, e.admin, nil, "Accept", "application/xml").problem(t, http.StatusNotAcceptable, "not_acceptable")
		}
		for _, tc := range []struct{ accept, want string }{
			{"", "application/json; charset=utf-8"},
			{"*/*", "application/json; charset=utf-8"},
			{"text/*", "text/csv; charset=utf-8"},
			{"text/csv;q=0.5, application/json", "application/json; charset=utf-8"},
			{"application/json;q=0.1, */*", "text/csv; charset=utf-8"},
			{"text/html, text/csv;q=0.9", "text/csv; charset=utf-8"},
		} {
			r := e.do(t, http.MethodGet, "/api/v1/reports/tickets", e.admin, nil, "Accept", tc.accept).want(t, http.StatusOK)
			same(t, "Accept "+tc.accept, r.Header.Get("Content-Type"), tc.want)
		}
		// Without tickets: one overall row of zeros, null rates.
		r := e.do(t, http.MethodGet, "/api/v1/reports/tickets/yoy?years=2016,2017", e.admin, nil).want(t, http.StatusOK)
		zero := counts(0, 0, 0, 0, nil, nil)
		same(t, "empty years", r.get(t, "rows"), []any{map[string]any{"level": nil, "status": nil, "ente": nil, "service": nil, "channel": nil,
			"month": nil, "years": []any{
				map[string]any{"year": 2016, "diff_pct": nil, "nuovo": 0, "aperto": 0, "risolto": 0, "non_di_competenza": 0, "gestiti": 0, "resolution_rate": nil, "resolved_percent": nil},
				map[string]any{"year": 2017, "diff_pct": nil, "nuovo": 0, "aperto": 0, "risolto": 0, "non_di_competenza": 0, "gestiti": 0, "resolution_rate": nil, "resolved_percent": nil},
			}}})
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets", e.admin, nil).want(t, http.StatusOK)
		same(t, "empty default period", []any{r.get(t, "from"), r.get(t, "to"), r.get(t, "total")},
			[]any{"2026-01-01T00:00:00+01:00", "2027-01-01T00:00:00+01:00", zero})
	})
}

// Tickets opened through the API at the env's clock, worked on at known
// instants: the SLA table counts their clocks exactly, and judges running
// clocks at the time of the request.
func TestSLAReportCountsRealClocks(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		// Tuesday 10 March 2026, 09:00: deadlines SLA.6 10:00, SLA.7 15:00,
		// SLA.8 (phone) 11:00.
		a := e.openTicket(t, e.admin, map[string]any{"channel": "phone"})
		b := e.openTicket(t, e.admin, map[string]any{"channel": "email"})
		c := e.openTicket(t, e.admin, map[string]any{"channel": "portal"})
		d := e.openTicket(t, e.admin, map[string]any{"channel": "phone", "ente": "fiesole"})
		x := e.openTicket(t, e.admin, map[string]any{"channel": "email"})
		step := func(at string, id int64, action, body string) {
			t.Helper()
			e.clock.Set(time.Date(2026, 3, 10, 0, 0, 0, 0, rptRome).Add(mustDuration(t, at)))
			e.act(t, e.admin, id, action, body).want(t, http.StatusOK)
		}
		step("9h30m", a, "take-in-charge", "")
		step("9h45m", b, "replies", "Ecco la risposta")
		step("10h30m", c, "take-in-charge", "")
		step("10h50m", d, "resolve", "")
		step("11h30m", a, "resolve", "")

		row := func(code string, expected, measured, deviation any, met, breached, running int) map[string]any {
			return map[string]any{"code": code, "expected_share": expected, "measured_share": measured, "deviation": deviation,
				"met": met, "breached": breached, "running": running}
		}
		pick := func(r *resp, path ...any) []any {
			var out []any
			for _, x := range r.get(t, path...).([]any) {
				m := x.(map[string]any)
				out = append(out, map[string]any{"code": m["code"], "expected_share": m["expected_share"], "measured_share": m["measured_share"],
					"deviation": m["deviation"], "met": m["met"], "breached": m["breached"], "running": m["running"]})
			}
			return out
		}
		const march = "/api/v1/reports/sla?from=2026-03-01&to=2026-04-01"
		// 11:30: SLA.6 met by a and b, breached by c and d (late) and x
		// (still running past 10:00); SLA.7 met by a, b, d, running for c
		// and x; SLA.8 met by d, breached by a.
		r := e.do(t, http.MethodGet, march, e.admin, nil).want(t, http.StatusOK)
		same(t, "11:30", pick(r, "rows"), []any{
			row("SLA.6", 100, 40, -60, 2, 3, 0), row("SLA.7", 100, 100, 0, 3, 0, 2), row("SLA.8", 100, 50, -50, 1, 1, 0)})
		same(t, "judged at", r.get(t, "at"), "2026-03-10T11:30:00+01:00")
		r = e.do(t, http.MethodGet, march+"&ente=fiesole", e.admin, nil).want(t, http.StatusOK)
		same(t, "11:30, Fiesole", pick(r, "rows"), []any{
			row("SLA.6", 100, 0, -100, 0, 1, 0), row("SLA.7", 100, 100, 0, 1, 0, 0), row("SLA.8", 100, 100, 0, 1, 0, 0)})

		// 12:00 x is answered (SLA.7 met); at 16:00 c's SLA.7 is breached.
		step("12h", x, "replies", "Ecco la risposta")
		e.clock.Set(time.Date(2026, 3, 10, 16, 0, 0, 0, rptRome))
		targets := []map[string]any{
			{"code": "SLA.6", "target_minutes": 60, "basis": "working", "expected_share": 100},
			{"code": "SLA.7", "target_minutes": 360, "basis": "working", "expected_share": 98.5},
			{"code": "SLA.8", "target_minutes": 120, "basis": "calendar", "expected_share": 100},
		}
		e.do(t, http.MethodPut, "/api/v1/settings/sla", e.admin, map[string]any{"items": targets}).want(t, http.StatusOK)
		want := []any{row("SLA.6", 100, 40, -60, 2, 3, 0), row("SLA.7", 98.5, 80, -18.5, 4, 1, 0), row("SLA.8", 100, 50, -50, 1, 1, 0)}
		r = e.do(t, http.MethodGet, march, e.admin, nil).want(t, http.StatusOK)
		same(t, "16:00", pick(r, "rows"), want)
		// The annual report reads the rollups; the figures are the same.
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2026", e.admin, nil).want(t, http.StatusOK)
		same(t, "16:00, annual", pick(r, "sla"), want)
		same(t, "2026 help desk", r.get(t, "help_desk", "rows", 0), map[string]any{"level": 1,
			"current": counts(2, 1, 2, 0, 0.4, 40), "previous": counts(0, 0, 0, 0, nil, nil), "diff_pct": nil})

		csvWant := "code,description,target_minutes,target_basis,target_text,expected_share,measured_share,deviation,met,breached,running\n" +
			"SLA.6,Presa in carico della segnalazione,60,working,entro 1h lavorativa,100,40,-60,2,3,0\n" +
			"SLA.7,Risposta via mail o telefonica,360,working,entro 6h lavorative,98.5,80,-18.5,4,1,0\n" +
			"SLA.8,Intervento a seguito di segnalazione telefonica sulle cause del malfunzionamento,120,calendar,entro 2h dalla comunicazione,100,50,-50,1,1,0\n"
		r = e.do(t, http.MethodGet, march, e.admin, nil, "Accept", "text/csv").want(t, http.StatusOK)
		same(t, "SLA CSV", string(r.Body), csvWant)
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2026?section=sla&locale=it", e.admin, nil, "Accept", "text/csv").want(t, http.StatusOK)
		same(t, "annual SLA Italian CSV", string(r.Body), "\ufeffcodice;descrizione;obiettivo (minuti);base;atteso;quota attesa;quota misurata;scostamento;rispettati;violati;in corso\n"+
			strings.NewReplacer(",", ";", "98.5", "98,5", "-18.5", "-18,5").Replace(csvWant[strings.Index(csvWant, "\n")+1:]))
	})
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// fieldErrors lists a problem's errors as "line field".
func fieldErrors(t *testing.T, r *resp) []string {
	t.Helper()
	var out []string
	for _, x := range r.get(t, "errors").([]any) {
		m := x.(map[string]any)
		line := 0
		if l, ok := m["line"].(float64); ok {
			line = int(l)
		}
		out = append(out, fmt.Sprintf("%d %s", line, m["field"]))
	}
	return out
}

func TestImportReportsEveryBadRowAndStoresNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		good := func(id string, over map[string]any) string {
			row := map[string]any{"external_id": id, "ente": "firenze", "level": 1, "status": "risolto", "service": "suap",
				"channel": "email", "subject": "Pratica", "opened_at": "2017-03-01T09:30:00+01:00", "closed_at": "2017-03-01T11:00:00+01:00"}
			for k, v := range over {
				row[k] = v
			}
			b, _ := json.Marshal(row)
			return string(b)
		}
		body := strings.Join([]string{
			good("x-1", nil),
			good("x-2", map[string]any{"ente": "atlantide"}),
			`this is not json`,
			good("x-4", map[string]any{"color": "red"}),
			"",
			good("x-6", map[string]any{"closed_at": nil}),
			good("x-7", map[string]any{"level": 3, "opened_at": "ieri"}),
			good("x-1", nil),
			good("x-9", map[string]any{"level": "2"}),
			good("x-10", map[string]any{"status": "aperto"}),
			good("x-11", map[string]any{"opened_at": "2027-01-01T00:00:00Z", "status": "nuovo", "closed_at": nil}),
			good("x-12", nil),
		}, "\n")
		r := e.importRows(t, e.admin, "application/x-ndjson", []byte(body))
		r.problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable)
		same(t, "errors", fieldErrors(t, r), []string{"2 ente", "3 row", "4 color", "6 closed_at", "7 opened_at", "7 level",
			"8 external_id", "9 level", "10 closed_at", "11 opened_at"})
		total := func() any {
			return e.do(t, http.MethodGet, "/api/v1/reports/tickets?from=2017-01-01&to=2018-01-01", e.admin, nil).
				want(t, http.StatusOK).get(t, "total", "gestiti")
		}
		same(t, "tickets after a refused import", total(), 0)

		// CSV: a bad header is a 400; rows with the wrong number of fields
		// or bad values are reported with their lines.
		r = e.importRows(t, e.admin, "text/csv", []byte("external_id,ente,colour\nx,firenze,red\n"))
		r.problem(t, http.StatusBadRequest, domain.CodeInvalid, "colour", "level", "opened_at")
		csv := "external_id;ente;level;status;service;channel;subject;opened_at;closed_at\n" +
			"c-1;firenze;1;risolto;suap;email;Pratica;2017-03-01T09:30:00+01:00;2017-03-01T11:00:00+01:00\n" +
			"c-2;firenze;uno;risolto;suap;email;Pratica;2017-03-01T09:30:00+01:00;2017-03-01T11:00:00+01:00\n" +
			"c-3;firenze;1;risolto\n" +
			"\"c-4\";firenze;2;aperto;suap;fax;\"Oggetto su\ndue righe\";2017-03-01T09:30:00+01:00;\n" +
			"c-5;firenze;2;aperto;suap;phone;Pratica;2017-03-01T09:30:00+01:00;\n"
		r = e.importRows(t, e.admin, "text/csv", []byte(csv))
		r.problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable)
		same(t, "CSV errors", fieldErrors(t, r), []string{"3 level", "4 row", "5 channel"})
		same(t, "tickets after a refused CSV", total(), 0)

		// The good rows alone go in; one of them changed afterwards is a
		// conflict that names the difference, and nothing of that batch
		// is stored.
		r = e.importRows(t, e.admin, "application/x-ndjson", []byte(good("x-1", nil)+"\n"+good("x-12", nil)+"\n")).want(t, http.StatusOK)
		same(t, "good rows", r.JSON, map[string]any{"received": 2, "created": 2, "unchanged": 0})
		r = e.importRows(t, e.admin, "application/x-ndjson", []byte(good("x-13", nil)+"\n"+good("x-12", map[string]any{"subject": "Altro"})+"\n"))
		r.problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable)
		same(t, "conflict", fieldErrors(t, r), []string{"2 external_id"})
		if d := r.get(t, "errors", 0, "detail").(string); !strings.Contains(d, "different subject") {
			t.Errorf("conflict detail %q does not name the subject", d)
		}
		same(t, "tickets after the conflict", total(), 2)

		e.importRows(t, e.admin, "application/json", []byte(good("x-1", nil))).problem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
		e.importRows(t, e.admin, "application/x-ndjson", []byte("\n\n")).problem(t, http.StatusBadRequest, domain.CodeInvalid)
		_, op := e.user(t, domain.RoleOperator, 2, "")
		e.importRows(t, op, "application/x-ndjson", []byte(good("x-1", nil))).problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}

func TestReportsShowAnEnteUserTheirOwnEnteOnly(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		rows := historicalRows(2017, yearFigures{1: {domain.StatusRisolto: 12}, 2: {domain.StatusAperto: 6}})
		e.importRows(t, e.admin, "application/x-ndjson", ndjson(t, rows)).want(t, http.StatusOK)
		// rptEnti cycles six enti: Firenze has rows 0, 6 and 12 (two
		// level-1 risolto, one level-2 aperto).
		_, firenze := e.user(t, domain.RoleEnte, 0, "firenze")
		const y2017 = "from=2017-01-01&to=2018-01-01"
		r := e.do(t, http.MethodGet, "/api/v1/reports/tickets?"+y2017+"&group_by=ente", firenze, nil).want(t, http.StatusOK)
		same(t, "ente user's scope", r.get(t, "ente"), "firenze")
		same(t, "ente user's figures", r.get(t, "total"), counts(0, 1, 2, 0, 2.0/3, 66.7))
		same(t, "ente user's groups", len(r.get(t, "rows").([]any)), 1)
		same(t, "own ente named", e.do(t, http.MethodGet, "/api/v1/reports/tickets?"+y2017+"&ente=firenze", firenze, nil).
			want(t, http.StatusOK).get(t, "total", "gestiti"), 3)
		for _, path := range []string{
			"/api/v1/reports/tickets?ente=fiesole", "/api/v1/reports/tickets/yoy?years=2016,2017&ente=fiesole",
			"/api/v1/reports/sla?ente=fiesole", "/api/v1/reports/annual/2017?ente=fiesole",
		} {
			e.do(t, http.MethodGet, path, firenze, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		}
		r = e.do(t, http.MethodGet, "/api/v1/reports/annual/2017", firenze, nil).want(t, http.StatusOK)
		same(t, "ente user's annual", []any{r.get(t, "ente"), r.get(t, "help_desk", "total", "current", "gestiti")}, []any{"firenze", 3})
		r = e.do(t, http.MethodGet, "/api/v1/reports/tickets/yoy?years=2016,2017", firenze, nil).want(t, http.StatusOK)
		same(t, "ente user's years", r.get(t, "total", 1, "gestiti"), 3)

		// Staff and reporting tools see every ente, or the one they name.
		_, op := e.user(t, domain.RoleOperator, 1, "")
		same(t, "operator, all", e.do(t, http.MethodGet, "/api/v1/reports/tickets?"+y2017, op, nil).want(t, http.StatusOK).get(t, "total", "gestiti"), 18)
		same(t, "admin, Fiesole", e.do(t, http.MethodGet, "/api/v1/reports/tickets?"+y2017+"&ente=fiesole", e.admin, nil).
			want(t, http.StatusOK).get(t, "total", "gestiti"), 3)
		same(t, "API token, all", e.do(t, http.MethodGet, "/api/v1/reports/annual/2017", e.reporterToken(t), nil).
			want(t, http.StatusOK).get(t, "help_desk", "total", "current", "gestiti"), 18)
		_, tech := e.user(t, domain.RoleTechnician, 0, "")
		e.do(t, http.MethodGet, "/api/v1/reports/tickets", tech, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		e.do(t, http.MethodGet, "/api/v1/reports/tickets", "", nil).problem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	})
}

// noSLATable is the whole SLA table of a year without monitoring,
// outages or ticket clocks: every row says it has no data, except SLA.11,
// which a year without deliveries has missed.
func noSLATable() []any {
	row := func(code, unit string, expected float64, description string) map[string]any {
		return map[string]any{"code": code, "description": description, "unit": unit, "expected": expected,
			"measured": nil, "deviation": nil, "no_data": code != "SLA.11"}
	}
	d := func(code domain.SLACode) string { return domain.SLATableDefaults[code].Description }
	return []any{
		row("SLA.1", "percent", 99, d("SLA.1")), row("SLA.2", "percent", 98.5, d("SLA.2")), row("SLA.3", "ms", 7, d("SLA.3")),
		row("SLA.4", "percent", 98.5, d("SLA.4")), row("SLA.5", "percent", 98, d("SLA.5")),
		row("SLA.6", "percent", 100, "Presa in carico della segnalazione"), row("SLA.7", "percent", 100, "Risposta via mail o telefonica"),
		row("SLA.8", "percent", 100, "Intervento a seguito di segnalazione telefonica sulle cause del malfunzionamento"),
		row("SLA.9", "percent", 100, d("SLA.9")), row("SLA.10", "percent", 100, d("SLA.10")), row("SLA.11", "months", 6, d("SLA.11")),
	}
}
