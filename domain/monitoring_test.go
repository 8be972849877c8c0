package domain

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseNagiosLine(t *testing.T) {
	for _, tc := range []struct {
		line    string
		ok      bool
		err     string
		kind    MonitoringKind
		host    string
		service string
		state   string
		hard    bool
		alert   bool
		resp    float64
	}{
		{line: "[1483225200] SERVICE ALERT: csicms;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout", ok: true, kind: MonitoringAlert, host: "csicms", service: "HTTP", state: "CRITICAL", hard: true, alert: true},
		{line: "[1483225200] SERVICE ALERT: csicms;HTTP;WARNING;SOFT;1;HTTP WARNING", ok: true, kind: MonitoringAlert, host: "csicms", service: "HTTP", state: "WARNING", alert: true},
		{line: "[1483225200] SERVICE ALERT: csicms;HTTP;OK;HARD;1;HTTP OK: 200 | time=0.007s;;;0.000000 size=512B", ok: true, kind: MonitoringAlert, host: "csicms", service: "HTTP", state: "OK", hard: true, resp: 0.007},
		{line: "[1483225200] HOST ALERT: csdb1;DOWN;HARD;5;PING CRITICAL", ok: true, kind: MonitoringAlert, host: "csdb1", state: "DOWN", hard: true, alert: true},
		{line: "[1483225200] CURRENT SERVICE STATE: csbo;HTTP;OK;HARD;1;ok", ok: true, kind: MonitoringCurrent, host: "csbo", service: "HTTP", state: "OK", hard: true},
		{line: "[1483225200] CURRENT HOST STATE: csbo;UNREACHABLE;HARD;1;x", ok: true, kind: MonitoringCurrent, host: "csbo", state: "UNREACHABLE", hard: true},
		{line: "[1483225200] SERVICE DOWNTIME ALERT: cscms;HTTP;STARTED; Service has entered a period of scheduled downtime", ok: true, kind: MonitoringDowntime, host: "cscms", service: "HTTP", state: "STARTED"},
		{line: "[1483225200] HOST DOWNTIME ALERT: cscms;CANCELLED; Scheduled downtime for host has been cancelled.", ok: true, kind: MonitoringDowntime, host: "cscms", state: "CANCELLED"},
		{line: "[1483225200] SERVICE NOTIFICATION: admin;csicms;HTTP;CRITICAL;notify-by-email;x"},
		{line: "[1483225200] Nagios 4.4.6 starting... (PID=1)"},
		{line: "garbage", err: "does not start with [epoch]"},
		{line: "[abc] SERVICE ALERT: a;b;OK;HARD;1;x", err: "is not a Unix time"},
		{line: "[1483225200] SERVICE ALERT: a;b;OK;HARD", err: "needs 6"},
		{line: "[1483225200] SERVICE ALERT: a;b;DOWN;HARD;1;x", err: `state "DOWN" is not valid`},
		{line: "[1483225200] HOST ALERT: a;UP;FIRM;1;x", err: "is not HARD or SOFT"},
		{line: "[1483225200] HOST DOWNTIME ALERT: a;PAUSED;x", err: "is not STARTED"},
	} {
		ev, ok, err := ParseNagiosLine([]byte(tc.line))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: got error %v, want one containing %q", tc.line, err, tc.err)
			}
			continue
		}
		if err != nil || ok != tc.ok {
			t.Errorf("%q: got ok %v err %v, want ok %v", tc.line, ok, err, tc.ok)
			continue
		}
		if !ok {
			continue
		}
		if ev.Kind != tc.kind || ev.Host != tc.host || ev.Service != tc.service || ev.State != tc.state || ev.Hard != tc.hard || ev.IsAlert() != tc.alert {
			t.Errorf("%q: got %+v alert=%v", tc.line, ev, ev.IsAlert())
		}
		if !ev.At.Equal(time.Unix(1483225200, 0)) {
			t.Errorf("%q: got time %v", tc.line, ev.At)
		}
		if tc.resp != 0 && (ev.Response == nil || *ev.Response != tc.resp) {
			t.Errorf("%q: got response %v, want %v", tc.line, ev.Response, tc.resp)
		}
	}
}

func TestMeasureAvailability(t *testing.T) {
	t0 := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	period := Span{t0, at(10000)}
	svc := Probe{Host: "h", Service: "HTTP"}
	host := Probe{Host: "h"}
	ev := func(min int, p Probe, state string, hard bool) MonitoringEvent {
		k := MonitoringAlert
		if state == DowntimeStarted || state == DowntimeStopped || state == DowntimeCancelled {
			k = MonitoringDowntime
		}
		return MonitoringEvent{At: at(min), Kind: k, Host: p.Host, Service: p.Service, State: state, Hard: hard}
	}
	a := MeasureAvailability("S", period, []ProbeHistory{
		{Probe: svc, Events: []MonitoringEvent{
			ev(-50, svc, "CRITICAL", true), // down since before the period: counts from its start
			ev(10, svc, "OK", true),
			ev(100, svc, "CRITICAL", false), // SOFT: not down
			ev(101, svc, "OK", false),
			ev(200, svc, "CRITICAL", true),
			ev(230, svc, "OK", true),
			ev(1000, host, DowntimeStarted, false), // the host's downtime covers its services
			ev(1050, svc, "CRITICAL", true),
			ev(1100, host, DowntimeStopped, false),
			ev(1150, svc, "OK", true),
			ev(9990, svc, "CRITICAL", true), // still down at the end
		}},
		{Probe: host, Events: []MonitoringEvent{
			ev(220, host, "DOWN", true), // overlaps the service's incident: one incident
			ev(240, host, "UP", true),
			ev(1000, host, DowntimeStarted, false),
			ev(1100, host, DowntimeStopped, false),
		}},
	})
	if a.Downtime != 110*time.Minute || a.Maintenance != 100*time.Minute || a.Incidents != 4 || a.Longest != 50*time.Minute || !a.Known {
		t.Fatalf("got downtime %v maintenance %v incidents %d longest %v known %v, want 1h50m, 1h40m, 4, 50m, true",
			a.Downtime, a.Maintenance, a.Incidents, a.Longest, a.Known)
	}
	if got, want := Round3(a.Percent()), 98.889; got != want {
		t.Errorf("got %v%%, want %v%%", got, want)
	}
	all := MeasureAvailability("S", period, []ProbeHistory{{Probe: svc, Events: []MonitoringEvent{ev(-1, svc, DowntimeStarted, false)}}})
	if all.Known {
		t.Errorf("a period of maintenance only: got known, want no measure")
	}
}

func TestItalianNotation(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{ItalianPercent(99), "99,0%"}, {ItalianPercent(100), "100,0%"}, {ItalianPercent(99.996), "99,996%"},
		{ItalianPercent(98.5), "98,5%"}, {ItalianPoints(1), "+1,000%"}, {ItalianPoints(1.496), "+1,496%"},
		{ItalianPoints(-0.25), "-0,250%"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

func TestAlertRule(t *testing.T) {
	for _, tc := range []struct {
		ev   MonitoringEvent
		want bool
	}{
		{MonitoringEvent{Kind: MonitoringAlert, State: "WARNING"}, true},
		{MonitoringEvent{Kind: MonitoringAlert, State: "UNKNOWN", Hard: true}, true},
		{MonitoringEvent{Kind: MonitoringAlert, State: "UNREACHABLE"}, true},
		{MonitoringEvent{Kind: MonitoringAlert, State: "OK"}, false},
		{MonitoringEvent{Kind: MonitoringAlert, State: "UP"}, false},
		{MonitoringEvent{Kind: MonitoringCurrent, State: "CRITICAL", Hard: true}, false},
		{MonitoringEvent{Kind: MonitoringDowntime, State: DowntimeStarted}, false},
	} {
		if got := tc.ev.IsAlert(); got != tc.want {
			t.Errorf("%+v: got alert %v, want %v", tc.ev, got, tc.want)
		}
	}
}

func TestMeasureResponse(t *testing.T) {
	var s []float64
	for i := 1; i <= 200; i++ {
		s = append(s, float64(i)/100000) // 0.01 ms to 2 ms
	}
	got := MeasureResponse(s)
	if want := (ResponseStats{Samples: 200, Max: 2, P95: 1.9, P99: 1.98}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := MeasureResponse(nil); got.Samples != 0 {
		t.Errorf("no samples: got %+v", got)
	}
}

// The fast decimal path must give exactly what strconv.ParseFloat gives.
func TestParseSecondsMatchesParseFloat(t *testing.T) {
	in := []string{"0", "0.007", "0.1", "0.3", "1.5", "10", "0.000001", "123456789012345", "1234567.89012345",
		"0.0000000000000001", "1e-3", "+0.2", "1234567890123456789", ".5", "5."}
	for i := range 20000 {
		in = append(in, strconv.FormatFloat(float64(i)*0.000731, 'f', i%9, 64))
	}
	for _, s := range in {
		want, werr := strconv.ParseFloat(s, 64)
		got, ok := parseSeconds([]byte(s))
		if ok != (werr == nil) || (ok && got != want) {
			t.Errorf("parseSeconds(%q): got %v %v, want %v %v", s, got, ok, want, werr)
		}
	}
}

// A state line is read without allocating, so a large log costs no garbage
// per line.
func TestScanNagiosLineDoesNotAllocate(t *testing.T) {
	line := []byte("[1489572000] SERVICE ALERT: csicms;HTTP;OK;HARD;1;HTTP OK: 200 | time=0.007s;;;0.000000 size=512B\n")
	var l NagiosLine
	allocs := testing.AllocsPerRun(100, func() {
		if ok, err := ScanNagiosLine(line, &l); !ok || err != nil {
			t.Fatal(ok, err)
		}
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per line, want 0", allocs)
	}
	if l.At != 1489572000 || string(l.Host) != "csicms" || string(l.Service) != "HTTP" || !l.Hard || l.Response != 0.007 || !l.HasResponse {
		t.Errorf("got %+v", l)
	}
}

// Keys already stored were made with fmt: the key must not change.

func TestLogText(t *testing.T) {
	for in, want := range map[string]string{
		"OK - 512 bytes":              "OK - 512 bytes",
		"città è già":                 "città è già",
		"perch\xe9 gi\xe0":            "perché già",     // Latin-1
		"città e perch\xe9":           "città e perché", // UTF-8 and Latin-1 in one field
		"nul \x00 and \x01, del \x7f": "nul \ufffd and \ufffd, del \ufffd",
		"tab\tkept":                   "tab\tkept",
		"":                            "",
	} {
		if got := LogText([]byte(in)); got != want {
			t.Errorf("LogText(%q) = %q, want %q", in, got, want)
		}
	}
}
