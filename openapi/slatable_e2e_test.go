package openapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// TestSLATableHasAllElevenRows imports the year of Nagios log whose
// uptimes are the 2017 report's, records outages with notices in time and
// late and four deliveries of the malfunction report, and reads the whole
// SLA table of 2017 from both reports, in JSON and CSV.
func TestSLATableHasAllElevenRows(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		log, _ := buildNagiosYear(t)
		e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(log.b.String()), "Content-Type", "text/plain").want(t, http.StatusOK)
		_, op := e.user(t, domain.RoleOperator, 1, "")
		base := time.Date(2017, 6, 12, 9, 0, 0, 0, time.UTC)
		ts := func(min int) string { return base.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
		outage := func(body map[string]any) {
			body["started_at"] = ts(0)
			e.do(t, http.MethodPost, "/api/v1/outages", op, body).want(t, http.StatusCreated)
		}
		// SLA.9 (offices, 30'): met by a, d and f, missed by b; c is planned.
		// SLA.10 (users, 60', over 30'): met by a and f, missed by b and c; d is too short.
		outage(map[string]any{"intervention_started_at": ts(10), "ended_at": ts(100), "systems": []string{"CSCMS"}, "enti": []string{"firenze"},
			"public_text": "Portale non disponibile", "offices_notice_at": ts(40), "users_notice_at": ts(70)})
		outage(map[string]any{"intervention_started_at": ts(10), "ended_at": ts(100), "systems": []string{"CSICMS"}, "enti": []string{"fiesole"},
			"public_text": "x", "offices_notice_at": ts(41), "users_notice_at": ts(71)})
		outage(map[string]any{"intervention_started_at": ts(0), "ended_at": ts(120), "planned": true, "systems": []string{"CSBO"},
			"enti": []string{"firenze"}, "public_text": "Manutenzione", "users_notice_at": ts(61)})
		outage(map[string]any{"intervention_started_at": ts(2), "ended_at": ts(25), "systems": []string{"CSDB1"}, "enti": []string{"firenze"},
			"offices_notice_at": ts(20)})
		outage(map[string]any{"intervention_started_at": ts(5), "ended_at": ts(60), "systems": []string{"CSDB2"}, "enti": []string{"fiesole"},
			"public_text": "y", "offices_notice_at": ts(35), "users_notice_at": ts(65)})
		for _, q := range []string{"2017-04-03", "2017-07-03", "2017-10-02", "2017-12-20"} {
			e.do(t, http.MethodPost, "/api/v1/reports/outages/deliveries", op, map[string]any{"from": "2017-01-01", "to": q, "delivered_at": q}).want(t, http.StatusCreated)
		}

		type row struct {
			code                           string
			unit                           string
			expected                       float64
			measured, deviation            any
			noData                         bool
			dExpected, dMeasured, dDeviate string
		}
		const in30, in60 = "entro 30' da avvio intervento", "entro 60' da avvio intervento"
		want := []row{
			{"SLA.1", "percent", 99, 100, 1, false, "99,0%", "100,0%", "+1,000%"},
			{"SLA.2", "percent", 98.5, 99.996, 1.496, false, "98,5%", "99,996%", "+1,496%"},
			{"SLA.3", "ms", 7, 7, nil, false, "7 ms", "7 ms", "-"},
			{"SLA.4", "percent", 98.5, 99.997, 1.497, false, "98,5%", "99,997%", "+1,497%"},
			{"SLA.5", "percent", 98, 99.998, 1.998, false, "98,0%", "99,998%", "+1,998%"},
			// No ticket of 2017 has clocks: no data, never an invented 100%.
			{"SLA.6", "percent", 100, nil, nil, true, "entro 1h lavorativa", "n.d.", "n.d."},
			{"SLA.7", "percent", 100, nil, nil, true, "entro 6h lavorative", "n.d.", "n.d."},
			{"SLA.8", "percent", 100, nil, nil, true, "entro 2h dalla comunicazione", "n.d.", "n.d."},
			{"SLA.9", "percent", 100, 75, -25, false, in30, "75,0%", "-25,000%"},
			{"SLA.10", "percent", 100, 50, -50, false, in60, "50,0%", "-50,000%"},
			{"SLA.11", "months", 6, 3, nil, false, "Ogni 6 mesi", "Ogni 3 mesi", "Prestazione migliorativa"},
		}
		check := func(name string, r *resp, path ...any) {
			t.Helper()
			rows := r.get(t, path...).([]any)
			if len(rows) != len(want) {
				t.Fatalf("%s: got %d rows, want %d", name, len(rows), len(want))
			}
			for i, w := range want {
				m := rows[i].(map[string]any)
				if m["description"] == "" {
					t.Errorf("%s %s: no description", name, w.code)
				}
				same(t, name+" "+w.code, map[string]any{"code": m["code"], "unit": m["unit"], "expected": m["expected"], "measured": m["measured"],
					"deviation": m["deviation"], "no_data": m["no_data"], "display": m["display"]},
					map[string]any{"code": w.code, "unit": w.unit, "expected": w.expected, "measured": w.measured, "deviation": w.deviation,
						"no_data": w.noData, "display": map[string]any{"expected": w.dExpected, "measured": w.dMeasured, "deviation": w.dDeviate}})
			}
		}
		check("annual", e.do(t, http.MethodGet, "/api/v1/reports/annual/2017?locale=it", e.admin, nil).want(t, http.StatusOK), "sla_table")
		r := e.do(t, http.MethodGet, "/api/v1/reports/sla?from=2017-01-01&to=2018-01-01&locale=it", e.admin, nil).want(t, http.StatusOK)
		check("sla", r, "table")
		if got := r.str(t, "table", 0, "description"); got != "Tasso di disponibilità (uptime) dei sistemi database (CSDB1 e CSDB2)" {
			t.Errorf("SLA.1 description: got %q", got)
		}
		// Without locale=it the rows have no display.
		en := e.do(t, http.MethodGet, "/api/v1/reports/sla?from=2017-01-01&to=2018-01-01", e.admin, nil).want(t, http.StatusOK)
		if _, ok := en.get(t, "table", 0).(map[string]any)["display"]; ok {
			t.Errorf("display without locale=it: %s", en.Body)
		}

		// Firenze's outages only: a, c and d. Its offices were told in time
		// (the report's notation repeats the rule); its users were not (c).
		fi := e.do(t, http.MethodGet, "/api/v1/reports/sla?from=2017-01-01&to=2018-01-01&locale=it&ente=firenze", e.admin, nil).want(t, http.StatusOK)
		same(t, "firenze SLA.9", fi.get(t, "table", 8, "display"), map[string]any{"expected": in30, "measured": in30, "deviation": "-"})
		same(t, "firenze SLA.9 deviation", fi.get(t, "table", 8, "deviation"), 0)
		same(t, "firenze SLA.10", fi.get(t, "table", 9, "measured"), 50)

		// A period with nothing: every monitored row says so.
		empty := e.do(t, http.MethodGet, "/api/v1/reports/sla?from=2015-01-01&to=2015-03-01", e.admin, nil).want(t, http.StatusOK)
		for i := range 11 {
			if code := empty.str(t, "table", i, "code"); empty.get(t, "table", i, "measured") != nil || empty.get(t, "table", i, "no_data") != true {
				t.Errorf("empty period %s: got %v", code, empty.get(t, "table", i))
			}
		}

		// Signed cells are quoted against formula injection, as every CSV of the API.
		csvR := e.do(t, http.MethodGet, "/api/v1/reports/annual/2017?section=sla_table&locale=it", e.admin, nil, "Accept", "text/csv").want(t, http.StatusOK)
		lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(string(csvR.Body), "\ufeff")), "\n")
		if len(lines) != 12 {
			t.Fatalf("CSV: got %d lines, want 12: %s", len(lines), csvR.Body)
		}
		same(t, "CSV header", strings.TrimSpace(lines[0]), "codice;descrizione;unità;atteso;rilevato;scostamento;senza dati")
		same(t, "CSV SLA.2", strings.TrimSpace(lines[2]), "SLA.2;Tasso di disponibilità (uptime) del sistema Icms (CSICMS);percent;98,5%;99,996%;'+1,496%;false")
		same(t, "CSV SLA.9", strings.TrimSpace(lines[9]), "SLA.9;"+domain.SLATableDefaults["SLA.9"].Description+";percent;"+in30+";75,0%;'-25,000%;false")
		plain := e.do(t, http.MethodGet, "/api/v1/reports/sla?from=2017-01-01&to=2018-01-01&view=table", e.admin, nil, "Accept", "text/csv").want(t, http.StatusOK)
		if !strings.Contains(string(plain.Body), "\nSLA.3,") || !strings.Contains(string(plain.Body), ",ms,7,7,,false\n") {
			t.Errorf("CSV view=table: got %s", plain.Body)
		}
		e.doRaw(t, http.MethodGet, "/api/v1/reports/sla?view=everything", e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid)
	})
}
