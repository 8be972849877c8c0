package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MonitoringSystem is a system of the SLA table, measured by Nagios probes.
type MonitoringSystem struct {
	Code           string
	Name           string
	Kind           string // database, cms, portal, backoffice, ...
	CustomerFacing bool
	Probes         []Probe
}

// Probe is one Nagios check: a service of a host, or the host check itself
// when Service is empty.
type Probe struct {
	Host    string
	Service string
}

// Validate checks a system before it is stored.
func (s MonitoringSystem) Validate() error {
	var fe []FieldError
	if !validSystemCode(s.Code) {
		fe = append(fe, FieldError{Field: "code", Detail: "must be 1 to 32 letters, digits, '-' or '_'"})
	}
	if strings.TrimSpace(s.Name) == "" || len(s.Name) > 200 {
		fe = append(fe, FieldError{Field: "name", Detail: "must be 1 to 200 characters"})
	}
	if strings.TrimSpace(s.Kind) == "" || len(s.Kind) > 32 {
		fe = append(fe, FieldError{Field: "kind", Detail: "must be 1 to 32 characters"})
	}
	if len(s.Probes) == 0 {
		fe = append(fe, FieldError{Field: "probes", Detail: "a system needs at least one probe"})
	}
	seen := map[Probe]bool{}
	for i, p := range s.Probes {
		switch {
		case strings.TrimSpace(p.Host) == "" || strings.ContainsAny(p.Host+p.Service, ";\n\r"):
			fe = append(fe, FieldError{Field: fmt.Sprintf("probes[%d]", i), Detail: "needs a host; host and service cannot contain ';' or line breaks"})
		case seen[p]:
			fe = append(fe, FieldError{Field: fmt.Sprintf("probes[%d]", i), Detail: "is given twice"})
		}
		seen[p] = true
	}
	if len(fe) > 0 {
		return Invalid("the system is not valid", fe...)
	}
	return nil
}

func validSystemCode(c string) bool {
	if len(c) == 0 || len(c) > 32 {
		return false
	}
	for _, r := range c {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// AvailabilitySLA is an uptime row of the SLA table: the mean availability
// of its systems against a target percentage.
type AvailabilitySLA struct {
	Code        string
	Description string
	Target      float64 // percent, e.g. 99.0
	Systems     []string
}

// MonitoringKind is what a Nagios log line records.
type MonitoringKind string

// Kinds of monitoring records.
const (
	MonitoringAlert    MonitoringKind = "alert"    // SERVICE ALERT, HOST ALERT, or a live state change
	MonitoringCurrent  MonitoringKind = "current"  // CURRENT ... STATE, written at log rotation
	MonitoringDowntime MonitoringKind = "downtime" // ... DOWNTIME ALERT
)

// Downtime phases of a DOWNTIME ALERT.
const (
	DowntimeStarted   = "STARTED"
	DowntimeStopped   = "STOPPED"
	DowntimeCancelled = "CANCELLED"
)

// MonitoringEvent is one state record of a probe.
type MonitoringEvent struct {
	At       time.Time
	Kind     MonitoringKind
	Host     string
	Service  string // empty for host checks
	State    string // OK, WARNING, CRITICAL, UNKNOWN, UP, DOWN, UNREACHABLE; or the downtime phase
	Hard     bool
	Attempt  int
	Output   string
	Response *float64 // seconds, from the perfdata's time=
}

// Probe is the check the event is about.
func (e MonitoringEvent) Probe() Probe { return Probe{Host: e.Host, Service: e.Service} }

// IsAlert reports whether the event counts in the report's alerts and
// warnings: a state change (SOFT or HARD) to anything but OK or UP.
func (e MonitoringEvent) IsAlert() bool {
	return e.Kind == MonitoringAlert && e.State != "OK" && e.State != "UP"
}

// IsDown reports whether a HARD state makes its probe's system down.
func (e MonitoringEvent) IsDown() bool {
	if e.Kind == MonitoringDowntime || !e.Hard {
		return false
	}
	return e.State == "CRITICAL" || e.State == "DOWN" || e.State == "UNREACHABLE"
}

// Key identifies the event whatever its plugin output, so that importing a
// log twice, or a live event and the log line that records it, store it once.
func (e MonitoringEvent) Key() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%d\x00%s\x00%s\x00%s\x00%s\x00%t\x00%d",
		e.At.UnixNano(), e.Kind, e.Host, e.Service, e.State, e.Hard, e.Attempt))
	return hex.EncodeToString(h[:16])
}

// Validate checks a live event.
func (e MonitoringEvent) Validate() error {
	var fe []FieldError
	if strings.TrimSpace(e.Host) == "" || strings.ContainsAny(e.Host+e.Service, ";\n\r") {
		fe = append(fe, FieldError{Field: "host", Detail: "is required; host and service cannot contain ';' or line breaks"})
	}
	if !validState(e.Service, e.State) {
		if e.Service == "" {
			fe = append(fe, FieldError{Field: "state", Detail: "a host state is UP, DOWN or UNREACHABLE"})
		} else {
			fe = append(fe, FieldError{Field: "state", Detail: "a service state is OK, WARNING, CRITICAL or UNKNOWN"})
		}
	}
	if e.At.IsZero() {
		fe = append(fe, FieldError{Field: "time", Detail: "is required"})
	}
	if len(fe) > 0 {
		return Invalid("the event is not valid", fe...)
	}
	return nil
}

func validState(service, state string) bool {
	if service == "" {
		return state == "UP" || state == "DOWN" || state == "UNREACHABLE"
	}
	return state == "OK" || state == "WARNING" || state == "CRITICAL" || state == "UNKNOWN"
}

// ParseNagiosLine reads one line of nagios.log. Lines of kinds that carry no
// state (notifications, external commands, program messages) give ok=false
// and no error; a line without the "[epoch] " prefix, or a state line whose
// fields are wrong, is an error.
func ParseNagiosLine(line []byte) (ev MonitoringEvent, ok bool, err error) {
	line = bytes.TrimRight(line, "\r\n")
	if len(line) < 3 || line[0] != '[' {
		return ev, false, fmt.Errorf("does not start with [epoch]")
	}
	end := bytes.IndexByte(line, ']')
	if end < 0 {
		return ev, false, fmt.Errorf("does not start with [epoch]")
	}
	sec, perr := strconv.ParseInt(string(line[1:end]), 10, 64)
	if perr != nil || sec < 0 {
		return ev, false, fmt.Errorf("%q is not a Unix time", line[1:end])
	}
	rest := string(bytes.TrimLeft(line[end+1:], " "))
	kind, body, found := strings.Cut(rest, ": ")
	if !found {
		return ev, false, nil // program messages such as "Nagios 4.4.6 starting..."
	}
	ev.At = time.Unix(sec, 0).UTC()
	// hostFields says whether the record has a service field.
	var service bool
	switch kind {
	case "SERVICE ALERT":
		ev.Kind, service = MonitoringAlert, true
	case "HOST ALERT":
		ev.Kind = MonitoringAlert
	case "CURRENT SERVICE STATE":
		ev.Kind, service = MonitoringCurrent, true
	case "CURRENT HOST STATE":
		ev.Kind = MonitoringCurrent
	case "SERVICE DOWNTIME ALERT":
		ev.Kind, service = MonitoringDowntime, true
	case "HOST DOWNTIME ALERT":
		ev.Kind = MonitoringDowntime
	default:
		return ev, false, nil
	}
	want := 5 // host;state;type;attempt;output
	if ev.Kind == MonitoringDowntime {
		want = 3 // host;phase;comment
	}
	if service {
		want++
	}
	f := strings.SplitN(body, ";", want)
	if len(f) < want {
		return ev, false, fmt.Errorf("%s needs %d ';'-separated fields, got %d", kind, want, len(f))
	}
	ev.Host = f[0]
	if ev.Host == "" {
		return ev, false, fmt.Errorf("%s has no host", kind)
	}
	if service {
		ev.Service, f = f[1], f[1:]
		if ev.Service == "" {
			return ev, false, fmt.Errorf("%s has no service", kind)
		}
	}
	ev.State = f[1]
	if ev.Kind == MonitoringDowntime {
		if ev.State != DowntimeStarted && ev.State != DowntimeStopped && ev.State != DowntimeCancelled {
			return ev, false, fmt.Errorf("%s phase %q is not STARTED, STOPPED or CANCELLED", kind, ev.State)
		}
		ev.Output = f[2]
		return ev, true, nil
	}
	if !validState(ev.Service, ev.State) {
		return ev, false, fmt.Errorf("%s state %q is not valid", kind, ev.State)
	}
	switch f[2] {
	case "HARD":
		ev.Hard = true
	case "SOFT":
	default:
		return ev, false, fmt.Errorf("%s state type %q is not HARD or SOFT", kind, f[2])
	}
	if ev.Attempt, perr = strconv.Atoi(f[3]); perr != nil || ev.Attempt < 0 {
		return ev, false, fmt.Errorf("%s attempt %q is not a number", kind, f[3])
	}
	ev.Output = f[4]
	ev.Response = PerfTime(ev.Output)
	return ev, true, nil
}

// PerfTime reads the response time in seconds from a plugin output's
// perfdata ("HTTP OK ... | time=0.007s;;;0.000000 size=..."), nil if absent.
func PerfTime(output string) *float64 {
	_, perf, ok := strings.Cut(output, "|")
	if !ok {
		return nil
	}
	for _, f := range strings.Fields(perf) {
		v, found := strings.CutPrefix(f, "time=")
		if !found {
			continue
		}
		v, _, _ = strings.Cut(v, ";")
		v = strings.TrimSuffix(v, "s")
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
			return nil
		}
		return &x
	}
	return nil
}

// Span is a half-open span of time [From, To).
type Span struct{ From, To time.Time }

// Duration is the interval's length.
func (i Span) Duration() time.Duration { return i.To.Sub(i.From) }

// union merges overlapping or touching intervals, sorted by start.
func union(in []Span) []Span {
	s := slices.Clone(in)
	slices.SortFunc(s, func(a, b Span) int { return a.From.Compare(b.From) })
	var out []Span
	for _, i := range s {
		if !i.From.Before(i.To) {
			continue
		}
		if n := len(out); n > 0 && !i.From.After(out[n-1].To) {
			if i.To.After(out[n-1].To) {
				out[n-1].To = i.To
			}
			continue
		}
		out = append(out, i)
	}
	return out
}

// subtract removes the (sorted, disjoint) holes from the (sorted, disjoint)
// intervals.
func subtract(in, holes []Span) []Span {
	var out []Span
	for _, i := range in {
		cur := i
		for _, h := range holes {
			if !h.To.After(cur.From) || !h.From.Before(cur.To) {
				continue
			}
			if h.From.After(cur.From) {
				out = append(out, Span{cur.From, h.From})
			}
			cur.From = h.To
			if !cur.From.Before(cur.To) {
				break
			}
		}
		if cur.From.Before(cur.To) {
			out = append(out, cur)
		}
	}
	return out
}

func total(in []Span) time.Duration {
	var d time.Duration
	for _, i := range in {
		d += i.Duration()
	}
	return d
}

// ProbeHistory is what availability needs of one probe over a period: its
// last state before the period (if any) followed by its HARD state changes
// and downtime records inside it, in time order.
type ProbeHistory struct {
	Probe  Probe
	Events []MonitoringEvent
}

// Availability is a system's uptime over a period.
type Availability struct {
	System      string
	Period      Span
	Maintenance time.Duration // scheduled downtime, out of the denominator
	Downtime    time.Duration // unplanned: down outside scheduled downtime
	Incidents   int
	Longest     time.Duration
	Down        []Span
	// Known is false when the period is all maintenance, or no probe of
	// the system has reported by its end, so no percentage can be measured.
	Known bool
}

// Percent is the measured uptime: the time up over the time that was due,
// (period − maintenance − downtime) / (period − maintenance), in percent.
func (a Availability) Percent() float64 {
	due := a.Period.Duration() - a.Maintenance
	if due <= 0 {
		return 0
	}
	return 100 * float64(due-a.Downtime) / float64(due)
}

// MeasureAvailability computes a system's availability over period from its
// probes' histories. A system is down while any probe is in a HARD
// CRITICAL, DOWN or UNREACHABLE state; a probe stays in its state until the
// next HARD one. Scheduled downtime (STARTED to STOPPED or CANCELLED) of a
// probe, or of its host, is maintenance: it is left out of the denominator
// and down time inside it is not counted.
func MeasureAvailability(system string, period Span, probes []ProbeHistory) Availability {
	var down, maint []Span
	for _, p := range probes {
		var downSince, maintSince *time.Time
		clip := func(t time.Time) time.Time {
			if t.Before(period.From) {
				return period.From
			}
			if t.After(period.To) {
				return period.To
			}
			return t
		}
		for _, e := range p.Events {
			at := clip(e.At)
			switch {
			case e.Kind == MonitoringDowntime && e.State == DowntimeStarted:
				if maintSince == nil {
					maintSince = &at
				}
			case e.Kind == MonitoringDowntime:
				if maintSince != nil {
					maint = append(maint, Span{*maintSince, at})
					maintSince = nil
				}
			case !e.Hard:
			case e.IsDown():
				if downSince == nil {
					downSince = &at
				}
			default:
				if downSince != nil {
					down = append(down, Span{*downSince, at})
					downSince = nil
				}
			}
		}
		if downSince != nil {
			down = append(down, Span{*downSince, period.To})
		}
		if maintSince != nil {
			maint = append(maint, Span{*maintSince, period.To})
		}
	}
	maint = union(maint)
	down = subtract(union(down), maint)
	a := Availability{System: system, Period: period, Maintenance: total(maint), Downtime: total(down), Incidents: len(down), Down: down}
	for _, d := range down {
		a.Longest = max(a.Longest, d.Duration())
	}
	// A system none of whose probes ever reported has no measurable
	// uptime: counting it as up would invent a figure.
	monitored := slices.ContainsFunc(probes, func(p ProbeHistory) bool { return len(p.Events) > 0 })
	a.Known = monitored && period.Duration() > a.Maintenance
	return a
}

// Round3 rounds a percentage to the report's three decimals.
func Round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// AlertCount is the number of alerts and warnings of a month, for one
// system or (System "") in total.
type AlertCount struct {
	System string
	Year   int
	Month  int
	Count  int64
}

// ResponseStats summarises SLA.3's response times over a period, in seconds.
type ResponseStats struct {
	Samples       int64
	Max, P95, P99 float64
}

// Percentile is the nearest-rank percentile p (0..100) of sorted values.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// ItalianPercent writes a percentage as the report prints it: ','
// before the decimals, three decimals at most and trailing zeros dropped
// down to one ("99,0%", "99,996%").
func ItalianPercent(x float64) string {
	s := strconv.FormatFloat(Round3(x), 'f', 3, 64)
	s = strings.TrimRight(s, "0")
	if strings.HasSuffix(s, ".") {
		s += "0"
	}
	return strings.Replace(s, ".", ",", 1) + "%"
}

// ItalianPoints writes a deviation in percentage points as the report
// does: signed, three decimals ("+1,496%").
func ItalianPoints(x float64) string {
	s := strconv.FormatFloat(Round3(x), 'f', 3, 64)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return strings.Replace(s, ".", ",", 1) + "%"
}

// ResponseSLA is SLA.3: the response time of a sample probe, from its
// perfdata, against a ceiling.
type ResponseSLA struct {
	Code        string
	Description string
	TargetMS    float64
	Probe       Probe
}

// MeasureResponse summarises sorted response times (seconds) in
// milliseconds: the maximum, which the SLA bounds, and p95 and p99.
func MeasureResponse(sorted []float64) ResponseStats {
	if len(sorted) == 0 {
		return ResponseStats{}
	}
	ms := func(s float64) float64 { return Round3(s * 1000) }
	return ResponseStats{Samples: int64(len(sorted)), Max: ms(sorted[len(sorted)-1]),
		P95: ms(Percentile(sorted, 95)), P99: ms(Percentile(sorted, 99))}
}
