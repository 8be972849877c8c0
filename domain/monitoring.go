package domain

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// NagiosLine is a state or downtime line of nagios.log as ScanNagiosLine
// reads it. Its byte fields are slices of the line, valid only until the
// line's buffer is reused: a large log is read without an allocation per
// line, and only what is kept becomes strings.
type NagiosLine struct {
	At                           int64 // Unix seconds
	Kind                         MonitoringKind
	Host, Service, State, Output []byte
	Hard                         bool
	Attempt                      int
	Response                     float64 // seconds, from the perfdata's time=, when HasResponse
	HasResponse                  bool
}

// LogText is a byte field of nagios.log as text that both databases store
// alike. Plugins write their output in their system's encoding, not always
// UTF-8: a byte that does not start a valid UTF-8 sequence is read as
// Latin-1 (ISO 8859-1, the encoding of older Italian installations), so
// "perch\xe9" reads "perché". A control character other than tab (a NUL
// byte, which PostgreSQL cannot store in text) becomes U+FFFD. A line is
// never refused for its encoding: the log is the monitoring's record, not
// a client's input.
func LogText(b []byte) string {
	if isLogText(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			r = rune(b[0]) // Latin-1: the byte is the code point
		}
		if (r < 0x20 && r != '\t') || r == 0x7f {
			r = utf8.RuneError
		}
		sb.WriteRune(r)
		b = b[size:]
	}
	return sb.String()
}

// isLogText reports whether b is UTF-8 without control characters other
// than tab, as nearly every log line is.
func isLogText(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return utf8.Valid(b)
}

// Event is the line as a MonitoringEvent, with its own strings.
func (l *NagiosLine) Event() MonitoringEvent {
	ev := MonitoringEvent{At: time.Unix(l.At, 0).UTC(), Kind: l.Kind, Host: LogText(l.Host), Service: LogText(l.Service),
		State: string(l.State), Hard: l.Hard, Attempt: l.Attempt, Output: LogText(l.Output)}
	if l.HasResponse {
		r := l.Response
		ev.Response = &r
	}
	return ev
}

// IsAlert is MonitoringEvent.IsAlert for the line.
func (l *NagiosLine) IsAlert() bool {
	return l.Kind == MonitoringAlert && string(l.State) != "OK" && string(l.State) != "UP"
}

// ParseNagiosLine reads one line of nagios.log. Lines of kinds that carry no
// state (notifications, external commands, program messages) give ok=false
// and no error; a line without the "[epoch] " prefix, or a state line whose
// fields are wrong, is an error.
func ParseNagiosLine(line []byte) (ev MonitoringEvent, ok bool, err error) {
	var l NagiosLine
	if ok, err = ScanNagiosLine(line, &l); !ok || err != nil {
		return ev, ok, err
	}
	return l.Event(), true, nil
}

// ScanNagiosLine is ParseNagiosLine into l, without copying the line.
func ScanNagiosLine(line []byte, l *NagiosLine) (ok bool, err error) {
	*l = NagiosLine{}
	for n := len(line); n > 0 && (line[n-1] == '\n' || line[n-1] == '\r'); n-- {
		line = line[:n-1]
	}
	if len(line) < 3 || line[0] != '[' {
		return false, errNoEpoch
	}
	end := bytes.IndexByte(line, ']')
	if end < 0 {
		return false, errNoEpoch
	}
	sec, valid := atoi(line[1:end])
	if !valid {
		return false, fmt.Errorf("%q is not a Unix time", line[1:end])
	}
	rest := line[end+1:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	colon := bytes.Index(rest, []byte(": "))
	if colon < 0 {
		return false, nil // program messages such as "Nagios 4.4.6 starting..."
	}
	kind, body := rest[:colon], rest[colon+2:]
	l.At = sec
	// service says whether the record has a service field.
	var service bool
	switch string(kind) {
	case "SERVICE ALERT":
		l.Kind, service = MonitoringAlert, true
	case "HOST ALERT":
		l.Kind = MonitoringAlert
	case "CURRENT SERVICE STATE":
		l.Kind, service = MonitoringCurrent, true
	case "CURRENT HOST STATE":
		l.Kind = MonitoringCurrent
	case "SERVICE DOWNTIME ALERT":
		l.Kind, service = MonitoringDowntime, true
	case "HOST DOWNTIME ALERT":
		l.Kind = MonitoringDowntime
	default:
		return false, nil
	}
	want := 5 // host;state;type;attempt;output
	if l.Kind == MonitoringDowntime {
		want = 3 // host;phase;comment
	}
	if service {
		want++
	}
	// Split into at most want fields, the last keeping any further ';'.
	var f [6][]byte
	got := 0
	for got < want-1 {
		i := bytes.IndexByte(body, ';')
		if i < 0 {
			break
		}
		f[got], body = body[:i], body[i+1:]
		got++
	}
	f[got] = body
	got++
	if got < want {
		return false, fmt.Errorf("%s needs %d ';'-separated fields, got %d", kind, want, got)
	}
	fs := f[:want]
	l.Host = fs[0]
	if len(l.Host) == 0 {
		return false, fmt.Errorf("%s has no host", kind)
	}
	if service {
		l.Service, fs = fs[1], fs[1:]
		if len(l.Service) == 0 {
			return false, fmt.Errorf("%s has no service", kind)
		}
	}
	l.State = fs[1]
	if l.Kind == MonitoringDowntime {
		if st := string(l.State); st != DowntimeStarted && st != DowntimeStopped && st != DowntimeCancelled {
			return false, fmt.Errorf("%s phase %q is not STARTED, STOPPED or CANCELLED", kind, l.State)
		}
		l.Output = fs[2]
		return true, nil
	}
	if !validStateBytes(service, l.State) {
		return false, fmt.Errorf("%s state %q is not valid", kind, l.State)
	}
	switch string(fs[2]) {
	case "HARD":
		l.Hard = true
	case "SOFT":
	default:
		return false, fmt.Errorf("%s state type %q is not HARD or SOFT", kind, fs[2])
	}
	attempt, valid := atoi(fs[3])
	if !valid || attempt > math.MaxInt32 {
		return false, fmt.Errorf("%s attempt %q is not a number", kind, fs[3])
	}
	l.Attempt = int(attempt)
	l.Output = fs[4]
	l.Response, l.HasResponse = perfTime(l.Output)
	return true, nil
}

var errNoEpoch = errors.New("does not start with [epoch]")

// atoi reads a non-negative decimal of at most 18 digits, which cannot
// overflow.
func atoi(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func validStateBytes(service bool, state []byte) bool {
	switch string(state) {
	case "OK", "WARNING", "CRITICAL", "UNKNOWN":
		return service
	case "UP", "DOWN", "UNREACHABLE":
		return !service
	}
	return false
}

// PerfTime reads the response time in seconds from a plugin output's
// perfdata ("HTTP OK ... | time=0.007s;;;0.000000 size=..."), nil if absent.
func PerfTime(output string) *float64 {
	x, ok := perfTime([]byte(output))
	if !ok {
		return nil
	}
	return &x
}

func perfTime(output []byte) (float64, bool) {
	bar := bytes.IndexByte(output, '|')
	if bar < 0 {
		return 0, false
	}
	perf := output[bar+1:]
	for len(perf) > 0 {
		// The next whitespace-separated field.
		i := 0
		for i < len(perf) && isSpace(perf[i]) {
			i++
		}
		j := i
		for j < len(perf) && !isSpace(perf[j]) {
			j++
		}
		f := perf[i:j]
		perf = perf[j:]
		v, found := bytes.CutPrefix(f, []byte("time="))
		if !found {
			continue
		}
		if k := bytes.IndexByte(v, ';'); k >= 0 {
			v = v[:k]
		}
		v = bytes.TrimSuffix(v, []byte("s"))
		x, ok := parseSeconds(v)
		if !ok || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, false
		}
		return x, true
	}
	return 0, false
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseSeconds reads a decimal such as "0.007". A plain decimal of at most
// 15 digits is an exact integer divided by an exact power of ten, which
// IEEE division rounds correctly, so it equals strconv.ParseFloat's
// result; anything else goes to ParseFloat.
func parseSeconds(b []byte) (float64, bool) {
	var mant int64
	digits, frac := 0, -1
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + int64(c-'0')
			digits++
		case c == '.' && frac < 0:
			frac = i
		default:
			digits = 99
		}
		if digits > 15 {
			break
		}
	}
	if digits > 0 && digits <= 15 {
		scale := 0
		if frac >= 0 {
			scale = len(b) - frac - 1
		}
		return float64(mant) / pow10[scale], true
	}
	x, err := strconv.ParseFloat(string(b), 64)
	return x, err == nil
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

// AlertHour is the number of alerts and warnings of one probe in one hour.
// Alerts are kept as counts, not rows: most lines of a nagios.log are
// alerts, and the reports only count them by month.
type AlertHour struct {
	Host, Service string
	Hour          int64 // Unix time of the hour's start, UTC
	Count         int64
}

// HourOf is the start of the UTC hour of a Unix time, as AlertHour.Hour.
func HourOf(sec int64) int64 { return sec - ((sec%3600)+3600)%3600 }

// MonitoringWriter writes the records of one import inside its
// transaction. Like the repository interface of a domain aggregate, it is
// declared here so that both the use case and the store can name it.
type MonitoringWriter interface {
	// Put queues records; Flush stores those queued, skipping records
	// stored before (the same time, host, service, kind, state, HARD flag
	// and attempt: the plugin output aside), and says how many were new.
	Put(evs []MonitoringEvent) error
	Flush() (int64, error)
	// CountAlerts and CountResponses add to the import's counts; Merge, at
	// the end, keeps for each count the larger of the import's and that of
	// earlier imports, so a log imported again adds nothing, and says how
	// many alerts were new.
	CountAlerts(hours []AlertHour) error
	CountResponses(samples []ResponseHour) error
	Merge() (alerts int64, err error)
}

// ResponseHour is how many times a probe's perfdata gave one response
// time in one hour: SLA.3's maximum and percentiles need every sample, and
// a counted value is one sample as much as a row is.
type ResponseHour struct {
	Host, Service string
	Hour          int64
	Seconds       float64
	Count         int64
}
