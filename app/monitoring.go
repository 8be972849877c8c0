package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// MonitoringStore is what the monitoring use cases need from persistence.
type MonitoringStore interface {
	MonitoringSystems(ctx context.Context) ([]domain.MonitoringSystem, error)
	PutMonitoringSystem(ctx context.Context, sys domain.MonitoringSystem, now time.Time) (created bool, err error)
	AvailabilitySLAs(ctx context.Context) ([]domain.AvailabilitySLA, error)
	// ImportMonitoringEvents runs feed in one transaction with a writer of
	// its records; the store methods called with feed's ctx join it, and
	// an error from feed rolls everything back.
	ImportMonitoringEvents(ctx context.Context, feed func(ctx context.Context, w domain.MonitoringWriter) error) error
	// CountLive counts an alert, and a response time, received live
	// (either may be nil).
	CountLive(ctx context.Context, alert *domain.AlertHour, response *domain.ResponseHour) error
	ProbeHistory(ctx context.Context, p domain.Probe, period domain.Span) (domain.ProbeHistory, error)
	AlertCounts(ctx context.Context, years []int) ([]domain.AlertCount, error)
	ResponseSLAs(ctx context.Context) ([]domain.ResponseSLA, error)

	CreateOutage(ctx context.Context, o domain.Outage) (domain.Outage, error)
	// OpenProposal reports whether the system has an unconfirmed proposed
	// outage, locking the system until the transaction ends.
	OpenProposal(ctx context.Context, system string) (bool, error)
	GetOutage(ctx context.Context, id int64) (domain.Outage, error)
	ListOutages(ctx context.Context, from, to time.Time, ente string) ([]domain.Outage, error)
	UpdateOutage(ctx context.Context, id int64, fn func(*domain.Outage) error) (domain.Outage, error)
	CreateOutageReportDelivery(ctx context.Context, d domain.OutageReportDelivery) (domain.OutageReportDelivery, error)
	OutageReportDeliveries(ctx context.Context, from, to time.Time) ([]domain.OutageReportDelivery, error)
	ResponseTimes(ctx context.Context, p domain.Probe, period domain.Span) ([]float64, error)
}

// Monitoring holds the use cases of the systems catalogue, monitoring
// ingest and the availability and alert reports.
type Monitoring struct {
	store MonitoringStore
	now   func() time.Time
}

// NewMonitoring returns the monitoring use cases over store.
func NewMonitoring(store MonitoringStore, now func() time.Time) *Monitoring {
	if now == nil {
		now = time.Now
	}
	return &Monitoring{store: store, now: now}
}

// Systems lists the catalogue.
func (m *Monitoring) Systems(ctx context.Context) ([]domain.MonitoringSystem, error) {
	return m.store.MonitoringSystems(ctx)
}

// PutSystem validates and stores a system, saying whether it is new.
func (m *Monitoring) PutSystem(ctx context.Context, sys domain.MonitoringSystem) (bool, error) {
	if err := sys.Validate(); err != nil {
		return false, err
	}
	return m.store.PutMonitoringSystem(ctx, sys, m.now().UTC())
}

// Record stores one live state change; a repeat of a stored one is not
// stored again. A HARD down state of a customer-facing system proposes an
// outage of it, in the same transaction, unless one is already proposed
// and not yet confirmed; an operator confirms, edits and closes it.
func (m *Monitoring) Record(ctx context.Context, ev domain.MonitoringEvent) (stored bool, err error) {
	if err := ev.Validate(); err != nil {
		return false, err
	}
	if ev.At.After(m.now().Add(5 * time.Minute)) {
		return false, domain.Invalid("the event is not valid", domain.FieldError{Field: "time", Detail: "is in the future"})
	}
	ev.Kind = domain.MonitoringAlert
	ev.Response = domain.PerfTime(ev.Output)
	systems, err := m.store.MonitoringSystems(ctx)
	if err != nil {
		return false, err
	}
	err = m.store.ImportMonitoringEvents(ctx, func(ctx context.Context, w domain.MonitoringWriter) error {
		if err := w.Put([]domain.MonitoringEvent{ev}); err != nil {
			return err
		}
		n, err := w.Flush()
		if stored = n == 1; err != nil || !stored {
			return err // a repeat was handled the first time
		}
		hour := domain.HourOf(ev.At.Unix())
		var alert *domain.AlertHour
		var response *domain.ResponseHour
		if ev.IsAlert() {
			alert = &domain.AlertHour{Host: ev.Host, Service: ev.Service, Hour: hour, Count: 1}
		}
		if ev.Response != nil {
			response = &domain.ResponseHour{Host: ev.Host, Service: ev.Service, Hour: hour, Seconds: *ev.Response, Count: 1}
		}
		if err := m.store.CountLive(ctx, alert, response); err != nil {
			return err
		}
		_, err = m.proposeOutages(ctx, ev, systems)
		return err
	})
	return stored && err == nil, err
}

// proposeOutages opens a proposed outage of each of the systems that the
// stored down state proposes one for (domain.ProposesOutage) and that has
// none open, and returns the systems it considered.
func (m *Monitoring) proposeOutages(ctx context.Context, ev domain.MonitoringEvent, systems []domain.MonitoringSystem) ([]string, error) {
	var considered []string
	now := m.now().UTC()
	for _, sys := range systems {
		if !domain.ProposesOutage(ev, sys) {
			continue
		}
		considered = append(considered, sys.Code)
		open, err := m.store.OpenProposal(ctx, sys.Code)
		if err != nil {
			return considered, err
		}
		if open {
			continue
		}
		probe := ev.Host
		if ev.Service != "" {
			probe += "/" + ev.Service
		}
		o := domain.Outage{StartedAt: ev.At.UTC(), Proposed: true, Systems: []string{sys.Code},
			Cause: fmt.Sprintf("Proposta dal monitoraggio: %s %s", probe, ev.State), CreatedAt: now, UpdatedAt: now}
		if _, err := m.store.CreateOutage(ctx, o); err != nil {
			return considered, err
		}
	}
	return considered, nil
}

// MonitoringImportResult counts what an import read and stored.
type MonitoringImportResult struct {
	Lines   int   // lines read
	Records int   // state and downtime records among them
	Ignored int   // lines of other kinds (notifications, commands, program messages)
	Stored  int64 // records stored as rows that were not stored before
	Alerts  int64 // alerts and warnings counted that were not counted before
}

// monitoringMaxLine bounds one log line, so a file without line breaks
// cannot take the memory.
const monitoringMaxLine = 64 << 10

// ErrMonitoringRead wraps a failure to read the log (the body was cut off or
// too large), for the caller to map.
var ErrMonitoringRead = errors.New("reading the log")

// ImportLog reads a nagios.log as a stream and stores it in one
// transaction, so memory stays bounded whatever the size. Only what
// availability reads back is kept as rows: HARD state changes and
// downtimes; alerts and warnings, and the response times of the probes
// of response-time SLAs (SLA.3) by value, are counted per probe and hour
// (the others' response times no report reads); the rest (a SOFT recovery's output, a HARD state
// repeated) is read and dropped. A line that does not parse
// is reported with its number and nothing is stored; records already
// stored are skipped and alert counts keep the larger of two imports of
// an hour, so importing a log again changes nothing. The first newly
// stored down state of each customer-facing system proposes an outage of
// it, as a live one does, unless one is open.
func (m *Monitoring) ImportLog(ctx context.Context, r io.Reader) (MonitoringImportResult, error) {
	systems, err := m.store.MonitoringSystems(ctx)
	if err != nil {
		return MonitoringImportResult{}, err
	}
	rslas, err := m.store.ResponseSLAs(ctx)
	if err != nil {
		return MonitoringImportResult{}, err
	}
	imp := &logImport{m: m, systems: systems, samples: map[domain.Probe]bool{}, decided: map[string]bool{}}
	for _, sla := range rslas {
		imp.samples[sla.Probe] = true
	}
	err = m.store.ImportMonitoringEvents(ctx, func(ctx context.Context, w domain.MonitoringWriter) error {
		return imp.run(ctx, w, bufio.NewReaderSize(r, 256<<10))
	})
	if err != nil {
		return MonitoringImportResult{}, err
	}
	return imp.res, nil
}

// Bounds of an import's maps, so memory stays bounded whatever the log:
// alert counts go to the store when there are this many probe-hours, and
// the interned names and last states are forgotten past this many probes
// (they only save work).
const (
	importAlertHours = 20000
	importProbes     = 50000
	importBatch      = 1000
)

// logImport is the state of one ImportLog. The log is parsed on a
// goroutine of its own while the import's goroutine writes what the parse
// produced, so that on two cores reading a batch overlaps storing the one
// before. The parser's fields are its own until it is done; the writer's
// are decided and res.Stored.
type logImport struct {
	m       *Monitoring
	systems []domain.MonitoringSystem
	samples map[domain.Probe]bool // probes whose response times a response-time SLA reads
	decided map[string]bool       // systems whose proposal this import has settled (writer)
	res     MonitoringImportResult

	names     map[string]string         // interned hosts, services and states
	last      map[domain.Probe]lastHard // last HARD state of each probe in this import
	alerts    map[domain.AlertHour]int64
	responses map[domain.ResponseHour]int64
	batch     []domain.MonitoringEvent
}

type lastHard struct {
	at    int64
	state string
}

// importOp is what the parser hands the writer, in the log's order: a
// batch of records to store, or counts to add.
type importOp struct {
	events    []domain.MonitoringEvent
	alerts    []domain.AlertHour
	responses []domain.ResponseHour
}

// importQueue is how many ops the parser may be ahead of the writer: with
// the one each holds, memory stays a few batches whatever the log.
const importQueue = 2

// intern returns b as text (domain.LogText), one copy per distinct value.
func (imp *logImport) intern(b []byte) string {
	if s, ok := imp.names[string(b)]; ok {
		return s
	}
	if len(imp.names) >= importProbes {
		clear(imp.names)
	}
	s := domain.LogText(b)
	imp.names[string(b)] = s
	return s
}

// run parses the log on a second goroutine and writes what it gives; a
// failure to write stops the parse, and a parse that fails (unreadable
// lines, a read error) stores nothing, as the caller's transaction rolls
// back.
func (imp *logImport) run(ctx context.Context, w domain.MonitoringWriter, br *bufio.Reader) error {
	ops := make(chan importOp, importQueue)
	stop := make(chan struct{})
	var perr error
	var panicked any
	go func() {
		defer close(ops)
		defer func() { panicked = recover() }()
		perr = imp.parse(br, ops, stop)
	}()
	var werr error
	for op := range ops {
		if werr == nil {
			if werr = imp.write(ctx, w, op); werr != nil {
				close(stop)
			}
		}
	}
	if panicked != nil {
		panic(panicked) // as if the parse had run on this goroutine
	}
	if werr != nil {
		return werr
	}
	if perr != nil {
		return perr
	}
	n, err := w.Flush()
	if imp.res.Stored += n; err != nil {
		return err
	}
	if err := imp.countAlerts(w); err != nil {
		return err
	}
	if err := imp.countResponses(w); err != nil {
		return err
	}
	n, err = w.Merge()
	imp.res.Alerts = n
	return err
}

// errImportStopped ends a parse whose writer has failed.
var errImportStopped = errors.New("import stopped")

// send hands an op to the writer, unless it has stopped.
func send(ops chan<- importOp, stop <-chan struct{}, op importOp) error {
	select {
	case ops <- op:
		return nil
	case <-stop:
		return errImportStopped
	}
}

// parse reads the log, sending its records in batches and its counts when
// they grow large; the counts left at the end stay for run to write.
func (imp *logImport) parse(br *bufio.Reader, ops chan<- importOp, stop <-chan struct{}) error {
	imp.names = map[string]string{}
	imp.last = map[domain.Probe]lastHard{}
	imp.alerts = map[domain.AlertHour]int64{}
	imp.responses = map[domain.ResponseHour]int64{}
	imp.batch = make([]domain.MonitoringEvent, 0, importBatch)
	var fe []domain.FieldError
	var l domain.NagiosLine
	for {
		line, rerr := readLine(br)
		if rerr != nil && !errors.Is(rerr, io.EOF) && !errors.Is(rerr, errLineTooLong) {
			return fmt.Errorf("%w: %w", ErrMonitoringRead, rerr)
		}
		if !errors.Is(rerr, io.EOF) || len(line) > 0 {
			imp.res.Lines++ // blank lines count too, so numbers match the file
		}
		switch {
		case errors.Is(rerr, errLineTooLong):
			fe = append(fe, domain.FieldError{Line: imp.res.Lines, Field: "line", Detail: fmt.Sprintf("is longer than %d bytes", monitoringMaxLine)})
		case len(bytes.TrimSpace(line)) == 0:
		default:
			ok, perr := domain.ScanNagiosLine(line, &l)
			switch {
			case perr != nil:
				fe = append(fe, domain.FieldError{Line: imp.res.Lines, Field: "line", Detail: perr.Error()})
			case !ok:
				imp.res.Ignored++
			default:
				imp.res.Records++
				if len(fe) == 0 { // once a line is bad nothing will be stored: only keep reading for errors
					if err := imp.record(ops, stop, &l); err != nil {
						return err
					}
				}
			}
		}
		if errors.Is(rerr, io.EOF) || len(fe) >= domain.MaxImportErrors {
			break
		}
	}
	if len(fe) > 0 {
		return &domain.Error{Code: domain.CodeUnprocessable, Fields: fe,
			Message: fmt.Sprintf("%d lines cannot be read (at most %d listed); nothing was imported", len(fe), domain.MaxImportErrors)}
	}
	if imp.res.Lines == 0 {
		return domain.Invalid("the log is empty")
	}
	return imp.sendBatch(ops, stop)
}

// record counts the line if it is an alert and queues it if a report
// reads it back.
func (imp *logImport) record(ops chan<- importOp, stop <-chan struct{}, l *domain.NagiosLine) error {
	probe := domain.Probe{Host: imp.intern(l.Host), Service: imp.intern(l.Service)}
	if l.IsAlert() {
		imp.alerts[domain.AlertHour{Host: probe.Host, Service: probe.Service, Hour: domain.HourOf(l.At)}]++
		if len(imp.alerts) >= importAlertHours {
			if err := send(ops, stop, importOp{alerts: imp.drainAlerts()}); err != nil {
				return err
			}
		}
	}
	if l.HasResponse && imp.samples[probe] {
		imp.responses[domain.ResponseHour{Host: probe.Host, Service: probe.Service, Hour: domain.HourOf(l.At), Seconds: l.Response}]++
		if len(imp.responses) >= importAlertHours {
			if err := send(ops, stop, importOp{responses: imp.drainResponses()}); err != nil {
				return err
			}
		}
	}
	keep := l.Kind == domain.MonitoringDowntime
	if l.Hard && l.Kind != domain.MonitoringDowntime {
		// A HARD state equal to the probe's previous one changes no span
		// of availability; one out of time order is kept to be safe.
		prev, seen := imp.last[probe]
		if !seen || string(l.State) != prev.state || l.At < prev.at {
			keep = true
		}
		if len(imp.last) >= importProbes {
			clear(imp.last)
		}
		imp.last[probe] = lastHard{at: l.At, state: imp.intern(l.State)}
	}
	if !keep {
		return nil
	}
	ev := domain.MonitoringEvent{At: time.Unix(l.At, 0).UTC(), Kind: l.Kind, Host: probe.Host, Service: probe.Service,
		State: imp.intern(l.State), Hard: l.Hard, Attempt: l.Attempt, Output: domain.LogText(l.Output)}
	if l.HasResponse {
		r := l.Response
		ev.Response = &r
	}
	imp.batch = append(imp.batch, ev)
	if len(imp.batch) == cap(imp.batch) {
		return imp.sendBatch(ops, stop)
	}
	return nil
}

// sendBatch hands the queued records to the writer and starts a new batch:
// the writer owns the one sent.
func (imp *logImport) sendBatch(ops chan<- importOp, stop <-chan struct{}) error {
	if len(imp.batch) == 0 {
		return nil
	}
	b := imp.batch
	imp.batch = make([]domain.MonitoringEvent, 0, importBatch)
	return send(ops, stop, importOp{events: b})
}

// write stores what the parser sent. A down state that may propose an
// outage of a system this import has not settled is stored on its own,
// after the records before it, to know whether it is new.
func (imp *logImport) write(ctx context.Context, w domain.MonitoringWriter, op importOp) error {
	switch {
	case op.alerts != nil:
		return w.CountAlerts(op.alerts)
	case op.responses != nil:
		return w.CountResponses(op.responses)
	}
	evs := op.events
	for len(evs) > 0 {
		i := slices.IndexFunc(evs, func(ev domain.MonitoringEvent) bool { return ev.IsDown() && imp.undecided(ev) })
		if i < 0 {
			return w.Put(evs)
		}
		if err := w.Put(evs[:i]); err != nil {
			return err
		}
		if err := imp.propose(ctx, w, evs[i]); err != nil {
			return err
		}
		evs = evs[i+1:]
	}
	return nil
}

// undecided reports whether the down state may propose an outage of a
// system this import has not settled yet.
func (imp *logImport) undecided(ev domain.MonitoringEvent) bool {
	return slices.ContainsFunc(imp.systems, func(sys domain.MonitoringSystem) bool {
		return !imp.decided[sys.Code] && domain.ProposesOutage(ev, sys)
	})
}

// propose stores the down state on its own, to know whether it is new: a
// new one proposes outages as a live one does and settles its systems for
// the rest of the import; a repeat proposes nothing.
func (imp *logImport) propose(ctx context.Context, w domain.MonitoringWriter, ev domain.MonitoringEvent) error {
	n, err := w.Flush()
	if imp.res.Stored += n; err != nil {
		return err
	}
	if err := w.Put([]domain.MonitoringEvent{ev}); err != nil {
		return err
	}
	n, err = w.Flush()
	if imp.res.Stored += n; err != nil || n == 0 {
		return err
	}
	considered, err := imp.m.proposeOutages(ctx, ev, imp.systems)
	for _, code := range considered {
		imp.decided[code] = true
	}
	return err
}

func (imp *logImport) drainAlerts() []domain.AlertHour {
	return drain(imp.alerts, func(h domain.AlertHour, n int64) domain.AlertHour { h.Count = n; return h })
}

func (imp *logImport) drainResponses() []domain.ResponseHour {
	return drain(imp.responses, func(r domain.ResponseHour, n int64) domain.ResponseHour { r.Count = n; return r })
}

func (imp *logImport) countResponses(w domain.MonitoringWriter) error {
	if len(imp.responses) == 0 {
		return nil
	}
	return w.CountResponses(imp.drainResponses())
}

func (imp *logImport) countAlerts(w domain.MonitoringWriter) error {
	if len(imp.alerts) == 0 {
		return nil
	}
	return w.CountAlerts(imp.drainAlerts())
}

// drain empties a map of counts into its keys, each given its count.
func drain[K comparable](m map[K]int64, withCount func(K, int64) K) []K {
	out := make([]K, 0, len(m))
	for k, n := range m {
		out = append(out, withCount(k, n))
	}
	clear(m)
	return out
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line without its break; a line longer than
// monitoringMaxLine is skipped to its end and reported as errLineTooLong.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > monitoringMaxLine {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, errLineTooLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = append(buf, chunk...)
			continue
		}
		if buf != nil {
			chunk = append(buf, chunk...)
		}
		return bytes.TrimRight(chunk, "\r\n"), err
	}
}

// AvailabilitySLAResult is one uptime SLA over a period: the mean of its
// systems' availability against its target.
type AvailabilitySLAResult struct {
	SLA       domain.AvailabilitySLA
	Known     bool    // false when a system of the SLA has no measurable time
	Percent   float64 // three decimals
	Deviation float64 // percentage points, Percent − Target
}

// AvailabilityResponseResult is SLA.3 over a period: the sample probe's
// response times against the ceiling.
type AvailabilityResponseResult struct {
	SLA   domain.ResponseSLA
	Stats domain.ResponseStats
	Met   bool // the maximum is within the target; meaningless without samples
}

// AvailabilityReport is the availability of the systems and SLAs over a
// period, with the response-time SLA.
type AvailabilityReport struct {
	Period   domain.Span
	Systems  []domain.Availability
	SLAs     []AvailabilitySLAResult
	Response []AvailabilityResponseResult
}

// Availability measures every system (or only the one named) over period,
// and the SLAs that count it.
func (m *Monitoring) Availability(ctx context.Context, period domain.Span, system string) (AvailabilityReport, error) {
	rep := AvailabilityReport{Period: period}
	systems, err := m.store.MonitoringSystems(ctx)
	if err != nil {
		return rep, err
	}
	if system != "" && !slices.ContainsFunc(systems, func(s domain.MonitoringSystem) bool { return s.Code == system }) {
		return rep, domain.Invalid("some query parameters are not valid", domain.FieldError{Field: "system", Detail: "is not a known system code"})
	}
	slas, err := m.store.AvailabilitySLAs(ctx)
	if err != nil {
		return rep, err
	}
	measured := map[string]domain.Availability{}
	for _, sys := range systems {
		var hs []domain.ProbeHistory
		for _, p := range sys.Probes {
			h, err := m.store.ProbeHistory(ctx, p, period)
			if err != nil {
				return rep, err
			}
			hs = append(hs, h)
		}
		a := domain.MeasureAvailability(sys.Code, period, hs)
		measured[sys.Code] = a
		if system == "" || system == sys.Code {
			rep.Systems = append(rep.Systems, a)
		}
	}
	for _, sla := range slas {
		if system != "" && !slices.Contains(sla.Systems, system) {
			continue
		}
		r := AvailabilitySLAResult{SLA: sla, Known: len(sla.Systems) > 0}
		var sum float64
		for _, code := range sla.Systems {
			a, ok := measured[code]
			if !ok || !a.Known {
				r.Known = false
				break
			}
			sum += a.Percent()
		}
		if r.Known {
			r.Percent = domain.Round3(sum / float64(len(sla.Systems)))
			r.Deviation = domain.Round3(r.Percent - sla.Target)
		}
		rep.SLAs = append(rep.SLAs, r)
	}
	if system != "" {
		return rep, nil
	}
	rslas, err := m.store.ResponseSLAs(ctx)
	if err != nil {
		return rep, err
	}
	for _, sla := range rslas {
		times, err := m.store.ResponseTimes(ctx, sla.Probe, period)
		if err != nil {
			return rep, err
		}
		st := domain.MeasureResponse(times)
		rep.Response = append(rep.Response, AvailabilityResponseResult{SLA: sla, Stats: st, Met: st.Samples > 0 && st.Max <= sla.TargetMS})
	}
	return rep, nil
}

// MonitoringAlertMonth is one month of the alert table: this year, last year and
// the Diff %.
type MonitoringAlertMonth struct {
	Month     int
	Count     int64
	Previous  int64
	Diff      int64
	DiffKnown bool // false when last year had none
}

// MonitoringAlertSeries is the twelve months and the total of one system, or of
// every probe when System is "".
type MonitoringAlertSeries struct {
	System string
	Months []MonitoringAlertMonth
	Total  MonitoringAlertMonth // Month 0
}

// MonitoringAlertsReport is the monitoring table of the annual report.
type MonitoringAlertsReport struct {
	Year    int
	Total   MonitoringAlertSeries
	Systems []MonitoringAlertSeries
}

// Alerts counts alerts and warnings per month of year and of the year
// before, in total and per system.
func (m *Monitoring) Alerts(ctx context.Context, year int) (MonitoringAlertsReport, error) {
	rep := MonitoringAlertsReport{Year: year}
	systems, err := m.store.MonitoringSystems(ctx)
	if err != nil {
		return rep, err
	}
	counts, err := m.store.AlertCounts(ctx, []int{year - 1, year})
	if err != nil {
		return rep, err
	}
	series := func(system string) MonitoringAlertSeries {
		s := MonitoringAlertSeries{System: system, Months: make([]MonitoringAlertMonth, 12)}
		for i := range s.Months {
			s.Months[i].Month = i + 1
		}
		for _, c := range counts {
			if c.System != system || c.Month < 1 || c.Month > 12 {
				continue
			}
			if c.Year == year {
				s.Months[c.Month-1].Count += c.Count
				s.Total.Count += c.Count
			} else {
				s.Months[c.Month-1].Previous += c.Count
				s.Total.Previous += c.Count
			}
		}
		for i := range s.Months {
			s.Months[i].Diff, s.Months[i].DiffKnown = domain.DiffPercent(s.Months[i].Previous, s.Months[i].Count)
		}
		s.Total.Diff, s.Total.DiffKnown = domain.DiffPercent(s.Total.Previous, s.Total.Count)
		return s
	}
	rep.Total = series("")
	for _, sys := range systems {
		rep.Systems = append(rep.Systems, series(sys.Code))
	}
	return rep, nil
}

// CreateOutage records an interruption opened by an operator: started
// and what the patch gives.
func (m *Monitoring) CreateOutage(ctx context.Context, started time.Time, p OutagePatch) (domain.Outage, error) {
	now := m.now().UTC()
	o := domain.Outage{StartedAt: started.UTC(), CreatedAt: now}
	p.apply(&o, now)
	if err := o.Validate(); err != nil {
		return o, err
	}
	return m.store.CreateOutage(ctx, o)
}

// Outage returns one outage; viewer is the ente of an ente user (""
// for staff), who sees only the outages affecting it.
func (m *Monitoring) Outage(ctx context.Context, id int64, viewer string) (domain.Outage, error) {
	o, err := m.store.GetOutage(ctx, id)
	if err != nil {
		return o, err
	}
	if viewer != "" && !o.Affects(viewer) {
		return domain.Outage{}, domain.Errorf(domain.CodeNotFound, "outage %d not found", id)
	}
	return o, nil
}

// Outages lists the outages started in [from, to), for viewer as in Outage.
func (m *Monitoring) Outages(ctx context.Context, from, to time.Time, viewer string) ([]domain.Outage, error) {
	return m.store.ListOutages(ctx, from, to, viewer)
}

// OutagePatch is a change to an outage; nil fields are left as they are.
type OutagePatch struct {
	InterventionStartedAt, EndedAt, OfficesNoticeAt, UsersNoticeAt *time.Time
	Planned                                                        *bool
	Confirm                                                        bool // an operator confirms an outage monitoring proposed
	Cause, PublicText                                              *string
	Systems, Enti                                                  *[]string
	Version                                                        int // the version the caller read, or AnyVersion
}

// PatchOutage applies a change (the intervention starting, the end, a
// notice given) and checks the outage it gives; a stale p.Version changes
// nothing (412).
func (m *Monitoring) PatchOutage(ctx context.Context, id int64, p OutagePatch) (domain.Outage, error) {
	now := m.now().UTC()
	return m.store.UpdateOutage(ctx, id, func(o *domain.Outage) error {
		if err := checkVersion(p.Version, o.Version, fmt.Sprintf("outage %d", id)); err != nil {
			return err
		}
		p.apply(o, now)
		return o.Validate()
	})
}

// apply sets the fields the patch gives.
func (p OutagePatch) apply(o *domain.Outage, now time.Time) {
	set := func(dst **time.Time, v *time.Time) {
		if v != nil {
			t := v.UTC()
			*dst = &t
		}
	}
	set(&o.InterventionStartedAt, p.InterventionStartedAt)
	set(&o.EndedAt, p.EndedAt)
	set(&o.OfficesNoticeAt, p.OfficesNoticeAt)
	set(&o.UsersNoticeAt, p.UsersNoticeAt)
	if p.Planned != nil {
		o.Planned = *p.Planned
	}
	if p.Confirm {
		o.Proposed = false
	}
	if p.Cause != nil {
		o.Cause = *p.Cause
	}
	if p.PublicText != nil {
		o.PublicText = *p.PublicText
	}
	if p.Systems != nil {
		o.Systems = *p.Systems
	}
	if p.Enti != nil {
		o.Enti = *p.Enti
	}
	o.UpdatedAt = now
}

// RecordOutageReportDelivery records that the malfunction report of a
// period was delivered.
func (m *Monitoring) RecordOutageReportDelivery(ctx context.Context, d domain.OutageReportDelivery) (domain.OutageReportDelivery, error) {
	if err := d.Validate(); err != nil {
		return d, err
	}
	if d.DeliveredAt.After(m.now().Add(5 * time.Minute)) {
		return d, domain.Invalid("the delivery is not valid", domain.FieldError{Field: "delivered_at", Detail: "is in the future"})
	}
	return m.store.CreateOutageReportDelivery(ctx, d)
}

// OutageReport is SLA.11's malfunction report of a period: its outages,
// with causes where known, and how often the report was delivered.
type OutageReport struct {
	Outages    []domain.Outage
	Deliveries []domain.OutageReportDelivery
	SLA11      domain.SLA11Outcome
}

// OutagesReport builds the malfunction report of [from, to).
func (m *Monitoring) OutagesReport(ctx context.Context, from, to time.Time) (OutageReport, error) {
	var rep OutageReport
	var err error
	if rep.Outages, err = m.store.ListOutages(ctx, from, to, ""); err != nil {
		return rep, err
	}
	if rep.Deliveries, err = m.store.OutageReportDeliveries(ctx, from, to); err != nil {
		return rep, err
	}
	rep.SLA11 = domain.MeasureSLA11(from, to, rep.Deliveries)
	return rep, nil
}
