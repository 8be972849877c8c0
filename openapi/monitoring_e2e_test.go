package openapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// nagiosYear builds a nagios.log of 2016-12 and 2017 for the five systems
// whose outages give the 2017 report's uptimes:
//
//	CSDB1, CSDB2 100%: only SOFT alerts in 2017 (CSDB2 was down in 2016)
//	CSICMS 21' down: 15' HTTP CRITICAL in March, 6' host DOWN in July, plus
//	        a CRITICAL inside 120' of scheduled host downtime in May
//	CSCMS  16' down across the DST change of 29 October
//	CSBO   10' host UNREACHABLE on 31 December
//
// warnings[m] SOFT warnings (each followed by a SOFT recovery) go to
// csdb1/MySQL in month m+1 of 2017, and two a month in 2016.
type nagiosLog struct {
	b        strings.Builder
	rome     *time.Location
	alerts   map[int]int // per month of 2017: lines that are alerts
	previous map[int]int // per month of 2016
	all      int         // every alert line
}

func (l *nagiosLog) line(at time.Time, format string, args ...any) {
	fmt.Fprintf(&l.b, "[%d] %s\n", at.Unix(), fmt.Sprintf(format, args...))
}

// alert writes an alert line and counts it for the test's oracle.
func (l *nagiosLog) alert(at time.Time, format string, args ...any) {
	l.line(at, format, args...)
	l.all++
	local := at.In(l.rome)
	switch local.Year() {
	case 2017:
		l.alerts[int(local.Month())]++
	case 2016:
		l.previous[int(local.Month())]++
	}
}

func buildNagiosYear(t *testing.T) (*nagiosLog, []int) {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	l := &nagiosLog{rome: rome, alerts: map[int]int{}, previous: map[int]int{}}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, rome) }
	hosts := []string{"csdb1", "csdb2", "csicms", "cscms", "csbo"}
	services := map[string]string{"csdb1": "MySQL", "csdb2": "MySQL", "csicms": "HTTP", "cscms": "HTTP", "csbo": "HTTP"}
	for m := time.January; m <= time.December; m++ {
		for i := range 2 {
			ts := at(2016, m, 10+i, 3, 0)
			l.alert(ts, "SERVICE ALERT: csdb1;MySQL;WARNING;SOFT;1;slow queries")
			l.line(ts.Add(time.Minute), "SERVICE ALERT: csdb1;MySQL;OK;SOFT;2;ok")
		}
	}
	// CSDB2 down in 2016 only: must not reach into 2017.
	l.alert(at(2016, 12, 31, 23, 0), "SERVICE ALERT: csdb2;MySQL;CRITICAL;HARD;3;down")
	l.line(at(2016, 12, 31, 23, 30), "SERVICE ALERT: csdb2;MySQL;OK;HARD;1;up")
	// Log rotation at the start of the year.
	l.line(at(2017, 1, 1, 0, 0), "LOG ROTATION: DAILY")
	for _, h := range hosts {
		l.line(at(2017, 1, 1, 0, 0), "CURRENT HOST STATE: %s;UP;HARD;1;PING OK", h)
		l.line(at(2017, 1, 1, 0, 0), "CURRENT SERVICE STATE: %s;%s;OK;HARD;1;ok | time=0.005s;;;0", h, services[h])
	}
	warnings := []int{3, 5, 7, 2, 4, 6, 8, 1, 9, 12, 11, 10}
	for mi, n := range warnings {
		for i := range n {
			ts := at(2017, time.Month(mi+1), 5+i, 14, 0)
			l.alert(ts, "SERVICE ALERT: csdb1;MySQL;WARNING;SOFT;1;slow queries")
			l.line(ts.Add(2*time.Minute), "SERVICE ALERT: csdb1;MySQL;OK;SOFT;2;ok")
		}
	}
	// CSICMS: 15' in March, answering times in its perfdata.
	l.alert(at(2017, 3, 15, 10, 0), "SERVICE ALERT: csicms;HTTP;CRITICAL;SOFT;1;Socket timeout")
	l.alert(at(2017, 3, 15, 10, 2), "SERVICE ALERT: csicms;HTTP;CRITICAL;HARD;3;Socket timeout")
	l.line(at(2017, 3, 15, 10, 17), "SERVICE ALERT: csicms;HTTP;OK;HARD;1;HTTP OK: 200 | time=0.007s;;;0.000000 size=512B")
	l.line(at(2017, 3, 15, 11, 0), "SERVICE NOTIFICATION: admin;csicms;HTTP;OK;notify-service-by-email;HTTP OK")
	// CSICMS: maintenance in May; the CRITICAL inside it does not count.
	l.line(at(2017, 5, 20, 22, 0), "HOST DOWNTIME ALERT: csicms;STARTED; Host has entered a period of scheduled downtime")
	l.alert(at(2017, 5, 20, 22, 10), "SERVICE ALERT: csicms;HTTP;CRITICAL;HARD;3;Connection refused")
	l.line(at(2017, 5, 20, 23, 50), "SERVICE ALERT: csicms;HTTP;OK;HARD;1;HTTP OK | time=0.004s")
	l.line(at(2017, 5, 21, 0, 0), "HOST DOWNTIME ALERT: csicms;STOPPED; Host has exited from a period of scheduled downtime")
	// CSICMS: 6' host DOWN in July; its service is CRITICAL inside the same minutes.
	l.alert(at(2017, 7, 3, 4, 0), "HOST ALERT: csicms;DOWN;HARD;5;PING CRITICAL - Packet loss = 100%%")
	l.alert(at(2017, 7, 3, 4, 1), "SERVICE ALERT: csicms;HTTP;CRITICAL;HARD;3;No route to host")
	l.line(at(2017, 7, 3, 4, 5), "SERVICE ALERT: csicms;HTTP;OK;HARD;1;HTTP OK | time=0.006s")
	l.line(at(2017, 7, 3, 4, 6), "HOST ALERT: csicms;UP;HARD;1;PING OK")
	// CSCMS: 16' across the end of summer time (02:30 CEST to 02:46 CEST).
	dst := time.Date(2017, 10, 29, 0, 30, 0, 0, time.UTC)
	l.alert(dst, "SERVICE ALERT: cscms;HTTP;CRITICAL;HARD;3;HTTP 503")
	l.line(dst.Add(16*time.Minute), "SERVICE ALERT: cscms;HTTP;OK;HARD;1;HTTP OK | time=0.006s")
	// CSBO: 10' unreachable on the last evening of the year.
	l.alert(at(2017, 12, 31, 23, 45), "HOST ALERT: csbo;UNREACHABLE;HARD;3;gateway down")
	l.line(at(2017, 12, 31, 23, 55), "HOST ALERT: csbo;UP;HARD;1;PING OK")
	// 2018 must not count in 2017.
	l.alert(at(2018, 1, 1, 0, 1), "HOST ALERT: csbo;DOWN;HARD;3;down")
	return l, warnings
}

func TestMonitoringYearGivesTheReportsUptimes(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		log, _ := buildNagiosYear(t)
		body := []byte(log.b.String())
		imp := func() *resp {
			return e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, body, "Content-Type", "text/plain").want(t, http.StatusOK)
		}
		r := imp()
		lines := strings.Count(log.b.String(), "\n")
		if got := int(r.num(t, "lines")); got != lines {
			t.Errorf("lines: got %d, want %d", got, lines)
		}
		if got := int(r.num(t, "ignored")); got != 2 { // LOG ROTATION and the notification
			t.Errorf("ignored: got %d, want 2", got)
		}
		// Rows are kept for what availability and SLA.3 read back: 2016's
		// CRITICAL and OK of csdb2 (2), the CURRENT states at rotation
		// except csdb2/MySQL's, which repeats its last HARD OK (9), and in
		// 2017-18 csicms' HARD changes (2 in March, 2 in May, 4 in July with
		// the host's) and downtimes (2), cscms' 2, csbo's 2 and 2018's 1.
		// SOFT lines only count as alerts.
		if got, want := int(r.num(t, "stored")), 26; got != want {
			t.Errorf("stored: got %d, want %d", got, want)
		}
		if got, want := int(r.num(t, "alerts")), log.all; got != want {
			t.Errorf("alerts: got %d, want %d", got, want)
		}
		again := imp()
		if got := again.num(t, "stored"); got != 0 {
			t.Errorf("second import stored %v records, want 0", got)
		}
		if got := again.num(t, "alerts"); got != 0 {
			t.Errorf("second import counted %v alerts, want 0", got)
		}

		av := e.do(t, http.MethodGet, "/api/v1/reports/availability?from=2017-01-01&to=2018-01-01&locale=it", e.admin, nil).want(t, http.StatusOK)
		wantSystems := map[string]struct {
			measured    float64
			down, maint float64
			incidents   int
			longest     float64
		}{
			"CSDB1":  {100, 0, 0, 0, 0},
			"CSDB2":  {100, 0, 0, 0, 0},
			"CSICMS": {99.996, 21, 120, 2, 15},
			"CSCMS":  {99.997, 16, 0, 1, 16},
			"CSBO":   {99.998, 10, 0, 1, 10},
		}
		systems := av.get(t, "systems").([]any)
		if len(systems) != 5 {
			t.Fatalf("got %d systems, want 5", len(systems))
		}
		for i := range systems {
			code := av.str(t, "systems", i, "system")
			w := wantSystems[code]
			if got := av.num(t, "systems", i, "measured"); got != w.measured {
				t.Errorf("%s measured: got %v, want %v", code, got, w.measured)
			}
			if got := av.num(t, "systems", i, "downtime_minutes"); got != w.down {
				t.Errorf("%s downtime: got %v, want %v", code, got, w.down)
			}
			if got := av.num(t, "systems", i, "maintenance_minutes"); got != w.maint {
				t.Errorf("%s maintenance: got %v, want %v", code, got, w.maint)
			}
			if got := int(av.num(t, "systems", i, "incidents")); got != w.incidents {
				t.Errorf("%s incidents: got %v, want %v", code, got, w.incidents)
			}
			if got := av.num(t, "systems", i, "longest_incident_minutes"); got != w.longest {
				t.Errorf("%s longest: got %v, want %v", code, got, w.longest)
			}
		}
		// The 2017 report's SLA rows, to its precision.
		wantSLAs := map[string][5]any{
			"SLA.1": {100.0, 1.0, "99,0%", "100,0%", "+1,000%"},
			"SLA.2": {99.996, 1.496, "98,5%", "99,996%", "+1,496%"},
			"SLA.4": {99.997, 1.497, "98,5%", "99,997%", "+1,497%"},
			"SLA.5": {99.998, 1.998, "98,0%", "99,998%", "+1,998%"},
		}
		slas := av.get(t, "slas").([]any)
		if len(slas) != 4 {
			t.Fatalf("got %d SLAs, want 4", len(slas))
		}
		for i := range slas {
			code := av.str(t, "slas", i, "code")
			w := wantSLAs[code]
			got := [5]any{av.num(t, "slas", i, "measured"), av.num(t, "slas", i, "deviation"),
				av.str(t, "slas", i, "display", "target"), av.str(t, "slas", i, "display", "measured"), av.str(t, "slas", i, "display", "deviation")}
			if got != w {
				t.Errorf("%s: got %v, want %v", code, got, w)
			}
		}
		// SLA.3 from the perfdata of csicms/HTTP: 5, 7, 4 and 6 ms.
		same(t, "SLA.3", av.get(t, "response", 0), map[string]any{
			"code": "SLA.3", "description": av.str(t, "response", 0, "description"), "probe": map[string]any{"host": "csicms", "service": "HTTP"},
			"target_ms": 7, "samples": 4, "max_ms": 7, "p95_ms": 7, "p99_ms": 7, "met": true,
		})
		one := e.do(t, http.MethodGet, "/api/v1/reports/availability?from=2017-01-01&to=2018-01-01&system=CSCMS", e.admin, nil).want(t, http.StatusOK)
		if n := len(one.get(t, "systems").([]any)); n != 1 {
			t.Errorf("system=CSCMS: got %d systems, want 1", n)
		}
		if n := len(one.get(t, "slas").([]any)); n != 2 { // SLA.4 and SLA.5
			t.Errorf("system=CSCMS: got %d SLAs, want 2", n)
		}

		al := e.do(t, http.MethodGet, "/api/v1/reports/alerts?year=2017", e.admin, nil).want(t, http.StatusOK)
		var total, prev int
		for m := 1; m <= 12; m++ {
			if got := int(al.num(t, "total", "months", m-1, "count")); got != log.alerts[m] {
				t.Errorf("month %d: got %d alerts, want %d", m, got, log.alerts[m])
			}
			if got := int(al.num(t, "total", "months", m-1, "previous")); got != log.previous[m] {
				t.Errorf("month %d: got %d alerts the year before, want %d", m, got, log.previous[m])
			}
			total += log.alerts[m]
			prev += log.previous[m]
		}
		if got := int(al.num(t, "total", "total", "count")); got != total {
			t.Errorf("total: got %d, want %d", got, total)
		}
		if d, ok := domain.DiffPercent(int64(prev), int64(total)); !ok || int64(al.num(t, "total", "total", "diff_pct")) != d {
			t.Errorf("diff: got %v, want %d", al.get(t, "total", "total", "diff_pct"), d)
		}
		// Per system: CSICMS has 2 in March (SOFT and HARD), 1 in May, 2 in July.
		for i, s := range al.get(t, "systems").([]any) {
			if s.(map[string]any)["system"] != "CSICMS" {
				continue
			}
			for m, want := range map[int]int{3: 2, 5: 1, 7: 2, 1: 0} {
				if got := int(al.num(t, "systems", i, "months", m-1, "count")); got != want {
					t.Errorf("CSICMS month %d: got %d, want %d", m, got, want)
				}
			}
		}
	})
}

func TestMonitoringImportRejectsBadLinesAndStoresNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		body := "[1483225200] HOST ALERT: csbo;DOWN;HARD;3;down\n\nnot a nagios line\n[1483225300] SERVICE ALERT: csbo;HTTP;BROKEN;HARD;1;x\n"
		p := e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(body), "Content-Type", "text/plain").
			problem(t, http.StatusUnprocessableEntity, domain.CodeUnprocessable)
		errs := p["errors"].([]any)
		if len(errs) != 2 || errs[0].(map[string]any)["line"] != 3.0 || errs[1].(map[string]any)["line"] != 4.0 {
			t.Fatalf("got errors %v, want lines 3 and 4", errs)
		}
		al := e.do(t, http.MethodGet, "/api/v1/reports/alerts?year=2017", e.admin, nil).want(t, http.StatusOK)
		if got := al.num(t, "total", "total", "count"); got != 0 {
			t.Errorf("after a rejected import: got %v alerts, want 0", got)
		}
		e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(body), "Content-Type", "application/json").
			problem(t, http.StatusUnsupportedMediaType, "unsupported_media_type")
		e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, nil, "Content-Type", "text/plain").
			problem(t, http.StatusBadRequest, domain.CodeInvalid)
		e.doRaw(t, http.MethodGet, "/api/v1/reports/availability?system=NOPE", e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "system")
		e.doRaw(t, http.MethodGet, "/api/v1/reports/alerts?year=x", e.admin, nil).problem(t, http.StatusBadRequest, domain.CodeInvalid, "year")
	})
}

func TestMonitorRolePostsEventsAndNothingElse(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, mon := e.user(t, domain.RoleMonitor, 0, "")
		ev := map[string]any{"host": "csicms", "service": "HTTP", "state": "CRITICAL", "state_type": "HARD", "attempt": 3,
			"time": "1489568400", "output": "CRITICAL - timeout | time=0.010s"}
		r := e.do(t, http.MethodPost, "/api/v1/monitoring/events", mon, ev).want(t, http.StatusCreated)
		if r.get(t, "alert") != true || r.get(t, "stored") != true {
			t.Errorf("got %s, want a stored alert", r.Body)
		}
		e.do(t, http.MethodPost, "/api/v1/monitoring/events", mon, ev).want(t, http.StatusOK)
		ev["state"] = "UP"
		e.do(t, http.MethodPost, "/api/v1/monitoring/events", mon, ev).problem(t, http.StatusBadRequest, domain.CodeInvalid, "state")
		for _, path := range []string{"/api/v1/reports/alerts", "/api/v1/monitoring/systems", "/api/v1/me", "/api/v1/tickets", "/api/v1/enti"} {
			e.doRaw(t, http.MethodGet, path, mon, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		}
		al := e.do(t, http.MethodGet, "/api/v1/reports/alerts?year=2017", e.admin, nil).want(t, http.StatusOK)
		if got := al.num(t, "total", "months", 2, "count"); got != 1 {
			t.Errorf("March 2017: got %v alerts, want the live one", got)
		}
	})
}

// A state change received live and the log line that records it count
// once, as an alert and as a response-time sample, in either order; the
// log's other lines of the hour count too.
func TestLiveEventsAndTheirLogCountOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, mon := e.user(t, domain.RoleMonitor, 0, "")
		at := time.Date(2017, 3, 15, 10, 0, 0, 0, time.UTC)
		live := func(min int, ms int) {
			t.Helper()
			ev := map[string]any{"host": "csicms", "service": "HTTP", "state": "WARNING", "state_type": "SOFT", "attempt": 1,
				"time": at.Add(time.Duration(min) * time.Minute).Format(time.RFC3339), "output": fmt.Sprintf("slow | time=0.%03ds", ms)}
			e.do(t, http.MethodPost, "/api/v1/monitoring/events", mon, ev).want(t, http.StatusCreated)
		}
		line := func(min int, ms int) string {
			return fmt.Sprintf("[%d] SERVICE ALERT: csicms;HTTP;WARNING;SOFT;1;slow | time=0.%03ds\n", at.Add(time.Duration(min)*time.Minute).Unix(), ms)
		}
		check := func(when string, alerts, samples int, maxMS float64) {
			t.Helper()
			al := e.do(t, http.MethodGet, "/api/v1/reports/alerts?year=2017", e.admin, nil).want(t, http.StatusOK)
			if got := al.num(t, "total", "months", 2, "count"); int(got) != alerts {
				t.Errorf("%s: got %v alerts in March, want %d", when, got, alerts)
			}
			av := e.do(t, http.MethodGet, "/api/v1/reports/availability?from=2017-03-01&to=2017-04-01", e.admin, nil).want(t, http.StatusOK)
			if got := av.num(t, "response", 0, "samples"); int(got) != samples {
				t.Errorf("%s: got %v response samples, want %d", when, got, samples)
			}
			if got := av.num(t, "response", 0, "max_ms"); got != maxMS {
				t.Errorf("%s: got max %v ms, want %v", when, got, maxMS)
			}
		}
		live(1, 4)
		live(2, 5)
		check("live only", 2, 2, 5)
		// The log has both live ones and one more, at 9 ms.
		log := line(1, 4) + line(2, 5) + line(3, 9)
		e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(log), "Content-Type", "text/plain").want(t, http.StatusOK)
		check("after the log", 3, 3, 9)
		e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(log), "Content-Type", "text/plain").want(t, http.StatusOK)
		live(3, 9)
		check("after the log again and its last line live", 3, 3, 9)
	})
}

func TestMonitoringSystemsCatalogue(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		r := e.do(t, http.MethodGet, "/api/v1/monitoring/systems", e.admin, nil).want(t, http.StatusOK)
		var codes []string
		for i := range r.items(t) {
			codes = append(codes, r.str(t, "items", i, "code"))
		}
		same(t, "seeded systems", codes, []string{"CSBO", "CSCMS", "CSDB1", "CSDB2", "CSICMS"})
		sys := map[string]any{"name": "SUAP", "kind": "portal", "customer_facing": true, "probes": []map[string]string{{"host": "suap", "service": ""}, {"host": "suap", "service": "HTTPS"}}}
		e.do(t, http.MethodPut, "/api/v1/monitoring/systems/CSSUAP", e.admin, sys).want(t, http.StatusCreated)
		sys["probes"] = []map[string]string{{"host": "suap2", "service": "HTTPS"}}
		r = e.do(t, http.MethodPut, "/api/v1/monitoring/systems/CSSUAP", e.admin, sys).want(t, http.StatusOK)
		same(t, "replaced probes", r.get(t, "probes"), []any{map[string]any{"host": "suap2", "service": "HTTPS"}})
		sys["probes"] = []map[string]string{}
		e.doRaw(t, http.MethodPut, "/api/v1/monitoring/systems/CSSUAP", e.admin, mustJSON(t, sys)).problem(t, http.StatusBadRequest, domain.CodeInvalid, "probes")
		_, op := e.user(t, domain.RoleOperator, 1, "")
		e.doRaw(t, http.MethodPut, "/api/v1/monitoring/systems/X", op, mustJSON(t, sys)).problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}

func TestOutageNoticesAndEnteIsolation(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 1, "")
		_, fi := e.user(t, domain.RoleEnte, 0, "firenze")
		_, fs := e.user(t, domain.RoleEnte, 0, "fiesole")
		// The clock stands at 2026-03-10 09:00 in Rome; outages are in the past.
		night := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC) // at night: calendar minutes
		ts := func(min int) string { return night.Add(time.Duration(min) * time.Minute).Format(time.RFC3339) }
		create := func(body map[string]any) *resp {
			return e.do(t, http.MethodPost, "/api/v1/outages", op, body).want(t, http.StatusCreated)
		}
		met := create(map[string]any{"started_at": ts(0), "intervention_started_at": ts(10), "ended_at": ts(100), "planned": false,
			"systems": []string{"CSCMS"}, "enti": []string{"firenze"}, "cause": "disco pieno", "public_text": "Portale non disponibile",
			"offices_notice_at": ts(40), "users_notice_at": ts(70)})
		if met.str(t, "sla9") != "met" || met.str(t, "sla10") != "met" || met.num(t, "duration_minutes") != 100 {
			t.Errorf("notices in time: got %s", met.Body)
		}
		missed := create(map[string]any{"started_at": ts(0), "intervention_started_at": ts(10), "ended_at": ts(100),
			"systems": []string{"CSICMS"}, "enti": []string{"fiesole"}, "public_text": "x", "offices_notice_at": ts(41), "users_notice_at": ts(71)})
		if missed.str(t, "sla9") != "missed" || missed.str(t, "sla10") != "missed" {
			t.Errorf("notices late by a minute: got %s", missed.Body)
		}
		planned := create(map[string]any{"started_at": ts(0), "intervention_started_at": ts(0), "ended_at": ts(120), "planned": true,
			"systems": []string{"CSBO"}, "enti": []string{"firenze"}})
		if planned.str(t, "sla9") != "not_applicable" || planned.str(t, "sla10") != "missed" {
			t.Errorf("planned, no notice to users: got %s", planned.Body)
		}
		short := create(map[string]any{"started_at": ts(0), "intervention_started_at": ts(2), "ended_at": ts(25),
			"systems": []string{"CSDB1"}, "enti": []string{"firenze"}, "offices_notice_at": ts(20)})
		if short.str(t, "sla9") != "met" || short.str(t, "sla10") != "not_applicable" {
			t.Errorf("under 30 minutes: got %s", short.Body)
		}
		// A running outage: the users' notice comes later, through PATCH.
		run := create(map[string]any{"started_at": ts(0), "systems": []string{"CSCMS"}, "enti": []string{"fiesole"}})
		if run.str(t, "sla9") != "pending" {
			t.Errorf("no intervention yet: got %s", run.Body)
		}
		id := run.id(t, "id")
		p := e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/outages/%d", id), op, map[string]any{"intervention_started_at": ts(5), "ended_at": ts(50),
			"offices_notice_at": ts(30), "public_text": "Servizio ripristinato", "users_notice_at": ts(60)}).want(t, http.StatusOK)
		if p.str(t, "sla9") != "met" || p.str(t, "sla10") != "met" || p.num(t, "version") != 2 {
			t.Errorf("after the patch: got %s", p.Body)
		}
		// With If-Match a change to an outage changed since is refused and
		// changes nothing; the current ETag applies.
		if got := p.Header.Get("ETag"); got != `"2"` {
			t.Errorf("ETag after the patch: got %q, want \"2\"", got)
		}
		e.doRaw(t, http.MethodPatch, fmt.Sprintf("/api/v1/outages/%d", id), op, mustJSON(t, map[string]any{"cause": "stale"}), "If-Match", `"1"`).
			problem(t, http.StatusPreconditionFailed, domain.CodePreconditionFailed)
		g := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/outages/%d", id), op, nil).want(t, http.StatusOK)
		if g.Header.Get("ETag") != `"2"` || g.str(t, "cause") == "stale" {
			t.Errorf("after a stale patch: ETag %q, body %s", g.Header.Get("ETag"), g.Body)
		}
		e.doRaw(t, http.MethodGet, fmt.Sprintf("/api/v1/outages/%d", id), op, nil, "If-None-Match", `"2"`).want(t, http.StatusNotModified)
		if v := e.do(t, http.MethodPatch, fmt.Sprintf("/api/v1/outages/%d", id), op, map[string]any{"cause": "alimentazione"}, "If-Match", `"2"`).
			want(t, http.StatusOK); v.num(t, "version") != 3 {
			t.Errorf("a current If-Match: got %s", v.Body)
		}

		// Ente users see their own ente's outages only.
		list := e.do(t, http.MethodGet, "/api/v1/outages?from=2026-03-01", fi, nil).want(t, http.StatusOK)
		if n := len(list.items(t)); n != 3 {
			t.Errorf("firenze sees %d outages, want 3", n)
		}
		for i := range list.items(t) {
			if enti := list.get(t, "items", i, "enti").([]any); len(enti) != 1 || enti[0] != "firenze" {
				t.Errorf("firenze sees an outage of %v", enti)
			}
		}
		e.doRaw(t, http.MethodGet, fmt.Sprintf("/api/v1/outages/%d", missed.id(t, "id")), fi, nil).problem(t, http.StatusNotFound, domain.CodeNotFound)
		e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/outages/%d", missed.id(t, "id")), fs, nil).want(t, http.StatusOK)
		e.doRaw(t, http.MethodGet, "/api/v1/outages?ente=fiesole", fi, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
		if n := len(e.do(t, http.MethodGet, "/api/v1/outages?from=2026-03-01", op, nil).want(t, http.StatusOK).items(t)); n != 5 {
			t.Errorf("the help desk sees %d outages, want 5", n)
		}
		e.doRaw(t, http.MethodPost, "/api/v1/outages", fi, mustJSON(t, map[string]any{"started_at": ts(0), "enti": []string{"firenze"}})).
			problem(t, http.StatusForbidden, domain.CodeForbidden)

		// Bad input is a 400 naming the field, on both databases.
		e.doRaw(t, http.MethodPost, "/api/v1/outages", op, mustJSON(t, map[string]any{"started_at": ts(0), "systems": []string{"NOPE"}})).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "systems")
		e.doRaw(t, http.MethodPost, "/api/v1/outages", op, mustJSON(t, map[string]any{"started_at": "ieri", "enti": []string{"firenze"}})).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "started_at")
		e.doRaw(t, http.MethodPatch, fmt.Sprintf("/api/v1/outages/%d", id), op, mustJSON(t, map[string]any{"ended_at": ts(-5)})).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "ended_at")
		e.doRaw(t, http.MethodPatch, "/api/v1/outages/999999", op, mustJSON(t, map[string]any{"cause": "x"})).
			problem(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

func TestSLA11DeliveriesEveryThreeMonthsAreBetter(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		_, op := e.user(t, domain.RoleOperator, 2, "")
		e.do(t, http.MethodPost, "/api/v1/outages", op, map[string]any{"started_at": "2025-02-03T10:00:00+01:00", "ended_at": "2025-02-03T11:00:00+01:00",
			"systems": []string{"CSCMS"}, "cause": "certificato scaduto"}).want(t, http.StatusCreated)
		for _, q := range []string{"2025-04-05", "2025-07-04", "2025-10-03", "2025-12-20"} {
			e.do(t, http.MethodPost, "/api/v1/reports/outages/deliveries", op, map[string]any{"from": "2025-01-01", "to": q, "delivered_at": q}).want(t, http.StatusCreated)
		}
		r := e.do(t, http.MethodGet, "/api/v1/reports/outages?from=2025-01-01&to=2026-01-01&locale=it", op, nil).want(t, http.StatusOK)
		same(t, "SLA.11", r.get(t, "sla11"), map[string]any{"code": "SLA.11", "target_months": 6, "deliveries": 4, "every_months": 3, "outcome": "better",
			"display": map[string]any{"expected": "Ogni 6 mesi", "measured": "Ogni 3 mesi", "deviation": "Prestazione migliorativa"}})
		if got := r.str(t, "outages", 0, "cause"); got != "certificato scaduto" {
			t.Errorf("cause: got %q", got)
		}
		none := e.do(t, http.MethodGet, "/api/v1/reports/outages?from=2024-01-01&to=2025-01-01", op, nil).want(t, http.StatusOK)
		if got := none.str(t, "sla11", "outcome"); got != "missed" {
			t.Errorf("a year without deliveries: got %s, want missed", got)
		}
		e.doRaw(t, http.MethodPost, "/api/v1/reports/outages/deliveries", op, mustJSON(t, map[string]any{"from": "2025-01-01", "to": "2024-01-01", "delivered_at": "x"})).
			problem(t, http.StatusBadRequest, domain.CodeInvalid, "delivered_at")
		_, fi := e.user(t, domain.RoleEnte, 0, "firenze")
		e.doRaw(t, http.MethodGet, "/api/v1/reports/outages", fi, nil).problem(t, http.StatusForbidden, domain.CodeForbidden)
	})
}

// A log is imported whatever encoding its plugins wrote: a Latin-1 byte or
// a NUL in the output is text on both databases (domain.LogText), never a
// 500, and the import stays idempotent. A live event is a client's JSON,
// held to the API's text rules.
func TestMonitoringImportTakesAnyEncoding(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, e *env) {
		body := "[1483225200] SERVICE ALERT: csbo;HTTP;CRITICAL;HARD;3;Servizio non raggiungibile perch\xe9 | time=0.010s\n" +
			"[1483225300] SERVICE ALERT: csbo;HTTP;OK;HARD;1;ok\x00 nul\n"
		r := e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(body), "Content-Type", "text/plain").want(t, http.StatusOK)
		if got := r.num(t, "stored"); got != 2 {
			t.Errorf("stored %v records, want 2", got)
		}
		r = e.doRaw(t, http.MethodPost, "/api/v1/import/monitoring", e.admin, []byte(body), "Content-Type", "text/plain").want(t, http.StatusOK)
		if got := r.num(t, "stored"); got != 0 {
			t.Errorf("a second import stored %v records, want 0", got)
		}
		_, mon := e.user(t, domain.RoleMonitor, 0, "")
		e.doRaw(t, http.MethodPost, "/api/v1/monitoring/events", mon,
			[]byte(`{"host":"csbo","service":"HTTP","state":"CRITICAL","state_type":"HARD","attempt":3,"time":"1489568400","output":"bad \u0000 nul"}`),
			"Content-Type", "application/json").problem(t, http.StatusBadRequest, domain.CodeInvalid, "output")
	})
}
