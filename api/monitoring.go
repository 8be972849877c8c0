package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// MonitoringService is what the monitoring handlers call.
type MonitoringService interface {
	Systems(ctx context.Context) ([]domain.MonitoringSystem, error)
	PutSystem(ctx context.Context, sys domain.MonitoringSystem) (created bool, err error)
	Record(ctx context.Context, ev domain.MonitoringEvent) (stored bool, err error)
	ImportLog(ctx context.Context, r io.Reader) (app.MonitoringImportResult, error)
	Availability(ctx context.Context, period domain.Span, system string) (app.AvailabilityReport, error)
	Alerts(ctx context.Context, year int) (app.MonitoringAlertsReport, error)

	CreateOutage(ctx context.Context, started time.Time, p app.OutagePatch) (domain.Outage, error)
	Outage(ctx context.Context, id int64, viewer string) (domain.Outage, error)
	Outages(ctx context.Context, from, to time.Time, viewer string) ([]domain.Outage, error)
	PatchOutage(ctx context.Context, id int64, p app.OutagePatch) (domain.Outage, error)
	RecordOutageReportDelivery(ctx context.Context, d domain.OutageReportDelivery) (domain.OutageReportDelivery, error)
	OutagesReport(ctx context.Context, from, to time.Time) (app.OutageReport, error)
}

// monitoring returns the use case, or fails the request when the server
// was built without one.
func (s *Server) monitoring(c *gin.Context) (MonitoringService, bool) {
	if s.cfg.Monitoring == nil {
		fail(c, domain.Errorf(domain.CodeUnavailable, "monitoring is not configured on this server"))
		return nil, false
	}
	return s.cfg.Monitoring, true
}

// monitoringBody is the prologue of a write: the use case and the JSON
// body decoded into v.
func (s *Server) monitoringBody(c *gin.Context, v any) (MonitoringService, bool) {
	m, ok := s.monitoring(c)
	if !ok {
		return nil, false
	}
	if _, err := s.bindJSON(c, v); err != nil {
		fail(c, err)
		return nil, false
	}
	return m, true
}

// monitoringPeriod is the prologue of a report over a period: the use
// case, the request (Accept, ente scope, parameters) and from and to.
func (s *Server) monitoringPeriod(c *gin.Context, params ...string) (m MonitoringService, r *reportRequest, from, to time.Time, ok bool) {
	if m, ok = s.monitoring(c); !ok {
		return
	}
	r, err := s.newReportRequest(c, append([]string{"from", "to"}, params...)...)
	if err != nil {
		fail(c, err)
		return m, r, from, to, false
	}
	from, to = s.period(r)
	if err := r.err(); err != nil {
		fail(c, err)
		return m, r, from, to, false
	}
	return m, r, from, to, true
}

type probeJSON struct {
	Host    string `json:"host"`
	Service string `json:"service"`
}

type monitoringSystemJSON struct {
	Code           string      `json:"code"`
	Name           string      `json:"name"`
	Kind           string      `json:"kind"`
	CustomerFacing bool        `json:"customer_facing"`
	Probes         []probeJSON `json:"probes"`
}

type monitoringSystemBody struct {
	Name           string      `json:"name"`
	Kind           string      `json:"kind"`
	CustomerFacing bool        `json:"customer_facing"`
	Probes         []probeJSON `json:"probes"`
}

func systemJSON(sys domain.MonitoringSystem) monitoringSystemJSON {
	out := monitoringSystemJSON{Code: sys.Code, Name: sys.Name, Kind: sys.Kind, CustomerFacing: sys.CustomerFacing, Probes: []probeJSON{}}
	for _, p := range sys.Probes {
		out.Probes = append(out.Probes, probeJSON(p))
	}
	return out
}

func (s *Server) listMonitoringSystems(c *gin.Context) {
	m, ok := s.monitoring(c)
	if !ok {
		return
	}
	systems, err := m.Systems(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(systems, systemJSON)})
}

// putMonitoringSystem creates or replaces a system of the catalogue.
func (s *Server) putMonitoringSystem(c *gin.Context) {
	var body monitoringSystemBody
	m, ok := s.monitoringBody(c, &body)
	if !ok {
		return
	}
	sys := domain.MonitoringSystem{Code: c.Param("code"), Name: body.Name, Kind: body.Kind, CustomerFacing: body.CustomerFacing}
	for _, p := range body.Probes {
		sys.Probes = append(sys.Probes, domain.Probe(p))
	}
	created, err := m.PutSystem(c.Request.Context(), sys)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, systemJSON(sys))
}

type monitoringEventBody struct {
	Host      string `json:"host"`
	Service   string `json:"service"`
	State     string `json:"state"`
	StateType string `json:"state_type"`
	Attempt   int    `json:"attempt"`
	Time      string `json:"time"`
	Output    string `json:"output"`
}

// postMonitoringEvent records a state change sent by Nagios or Icinga.
func (s *Server) postMonitoringEvent(c *gin.Context) {
	var body monitoringEventBody
	m, ok := s.monitoringBody(c, &body)
	if !ok {
		return
	}
	ev := domain.MonitoringEvent{Kind: domain.MonitoringAlert, Host: body.Host, Service: body.Service, State: body.State, Attempt: body.Attempt, Output: body.Output}
	var fe []domain.FieldError
	switch body.StateType {
	case "HARD":
		ev.Hard = true
	case "SOFT":
	default:
		fe = append(fe, domain.FieldError{Field: "state_type", Detail: "must be HARD or SOFT"})
	}
	// Nagios macros give $TIMET$ (Unix seconds); other senders RFC 3339.
	if sec, err := strconv.ParseInt(body.Time, 10, 64); err == nil && sec > 0 {
		ev.At = time.Unix(sec, 0).UTC()
	} else if t, err := time.Parse(time.RFC3339Nano, body.Time); err == nil {
		ev.At = t.UTC()
	} else {
		fe = append(fe, domain.FieldError{Field: "time", Detail: "must be Unix seconds or an RFC 3339 instant"})
	}
	if len(fe) > 0 {
		fail(c, domain.Invalid("the event is not valid", fe...))
		return
	}
	stored, err := m.Record(c.Request.Context(), ev)
	if err != nil {
		fail(c, err)
		return
	}
	status := http.StatusOK
	if stored {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{"stored": stored, "alert": ev.IsAlert()})
}

// importMonitoring streams a nagios.log into the store.
func (s *Server) importMonitoring(c *gin.Context) {
	m, ok := s.monitoring(c)
	if !ok {
		return
	}
	if ct := c.ContentType(); ct != "text/plain" && ct != "application/octet-stream" {
		fail(c, &domain.Error{Code: codeUnsupportedMedia, Message: "a nagios.log is sent as text/plain"})
		return
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxMonitoringLogBytes)
	res, err := m.ImportLog(c.Request.Context(), body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		fail(c, domain.Errorf(codeTooLarge, "the log is larger than %d bytes", s.cfg.MaxMonitoringLogBytes))
		return
	case errors.Is(err, app.ErrMonitoringRead):
		fail(c, domain.Errorf(domain.CodeInvalid, "the request body could not be read"))
		return
	case err != nil:
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"lines": res.Lines, "records": res.Records, "ignored": res.Ignored, "stored": res.Stored, "alerts": res.Alerts})
}

type availabilityDisplayJSON struct {
	Target    string `json:"target,omitempty"`
	Measured  string `json:"measured"`
	Deviation string `json:"deviation,omitempty"`
}

type systemAvailabilityJSON struct {
	System             string                   `json:"system"`
	Measured           *float64                 `json:"measured"`
	DowntimeMinutes    float64                  `json:"downtime_minutes"`
	MaintenanceMinutes float64                  `json:"maintenance_minutes"`
	Incidents          int                      `json:"incidents"`
	LongestMinutes     float64                  `json:"longest_incident_minutes"`
	Display            *availabilityDisplayJSON `json:"display,omitempty"`
}

type slaAvailabilityJSON struct {
	Code        string                   `json:"code"`
	Description string                   `json:"description"`
	Systems     []string                 `json:"systems"`
	Target      float64                  `json:"target"`
	Measured    *float64                 `json:"measured"`
	Deviation   *float64                 `json:"deviation"`
	Display     *availabilityDisplayJSON `json:"display,omitempty"`
}

type responseSLAJSON struct {
	Code        string    `json:"code"`
	Description string    `json:"description"`
	Probe       probeJSON `json:"probe"`
	TargetMS    float64   `json:"target_ms"`
	Samples     int64     `json:"samples"`
	MaxMS       *float64  `json:"max_ms"`
	P95MS       *float64  `json:"p95_ms"`
	P99MS       *float64  `json:"p99_ms"`
	Met         *bool     `json:"met"`
}

func responseSLA(r app.AvailabilityResponseResult) responseSLAJSON {
	j := responseSLAJSON{Code: r.SLA.Code, Description: r.SLA.Description, Probe: probeJSON(r.SLA.Probe), TargetMS: r.SLA.TargetMS, Samples: r.Stats.Samples}
	if r.Stats.Samples > 0 {
		mx, p95, p99, met := r.Stats.Max, r.Stats.P95, r.Stats.P99, r.Met
		j.MaxMS, j.P95MS, j.P99MS, j.Met = &mx, &p95, &p99, &met
	}
	return j
}

func minutes(d time.Duration) float64 { return domain.Round3(d.Minutes()) }

// availabilityReport answers the uptime of the systems and of SLA.1, .2,
// .4 and .5 over a period.
func (s *Server) availabilityReport(c *gin.Context) {
	m, r, from, to, ok := s.monitoringPeriod(c, "system")
	if !ok {
		return
	}
	if r.csv {
		fail(c, &domain.Error{Code: codeNotAcceptable, Message: "the availability report is available as application/json"})
		return
	}
	rep, err := m.Availability(c.Request.Context(), domain.Span{From: from.UTC(), To: to.UTC()}, r.q.Get("system"))
	if err != nil {
		fail(c, err)
		return
	}
	it := r.cf.Italian
	systems := make([]systemAvailabilityJSON, 0, len(rep.Systems))
	for _, a := range rep.Systems {
		j := systemAvailabilityJSON{System: a.System, DowntimeMinutes: minutes(a.Downtime), MaintenanceMinutes: minutes(a.Maintenance),
			Incidents: a.Incidents, LongestMinutes: minutes(a.Longest)}
		if a.Known {
			p := domain.Round3(a.Percent())
			j.Measured = &p
			if it {
				j.Display = &availabilityDisplayJSON{Measured: domain.ItalianPercent(p)}
			}
		} else if it {
			j.Display = &availabilityDisplayJSON{Measured: "n.d."}
		}
		systems = append(systems, j)
	}
	slas := make([]slaAvailabilityJSON, 0, len(rep.SLAs))
	for _, a := range rep.SLAs {
		j := slaAvailabilityJSON{Code: a.SLA.Code, Description: a.SLA.Description, Systems: a.SLA.Systems, Target: a.SLA.Target}
		disp := availabilityDisplayJSON{Target: domain.ItalianPercent(a.SLA.Target), Measured: "n.d."}
		if a.Known {
			p, d := a.Percent, a.Deviation
			j.Measured, j.Deviation = &p, &d
			disp.Measured, disp.Deviation = domain.ItalianPercent(p), domain.ItalianPoints(d)
		}
		if it {
			j.Display = &disp
		}
		slas = append(slas, j)
	}
	c.JSON(http.StatusOK, gin.H{"from": s.local(from), "to": s.local(to), "systems": systems, "slas": slas,
		"response": mapItems(rep.Response, responseSLA)})
}

type alertMonthJSON struct {
	Month    int    `json:"month"`
	Count    int64  `json:"count"`
	Previous int64  `json:"previous"`
	DiffPct  *int64 `json:"diff_pct"`
}

type alertSeriesJSON struct {
	System *string          `json:"system"`
	Months []alertMonthJSON `json:"months"`
	Total  alertMonthJSON   `json:"total"`
}

func alertMonth(m app.MonitoringAlertMonth) alertMonthJSON {
	j := alertMonthJSON{Month: m.Month, Count: m.Count, Previous: m.Previous}
	if m.DiffKnown {
		d := m.Diff
		j.DiffPct = &d
	}
	return j
}

func alertSeries(s app.MonitoringAlertSeries) alertSeriesJSON {
	j := alertSeriesJSON{Months: mapItems(s.Months, alertMonth), Total: alertMonth(s.Total)}
	if s.System != "" {
		sys := s.System
		j.System = &sys
	}
	return j
}

// alertsReport answers the monitoring table of the annual report: alerts
// and warnings per month against the year before.
func (s *Server) alertsReport(c *gin.Context) {
	m, ok := s.monitoring(c)
	if !ok {
		return
	}
	r, err := s.newReportRequest(c, "year")
	if err != nil {
		fail(c, err)
		return
	}
	year := s.local(s.now()).Year()
	if v := r.q.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2100 {
			r.bad("year", "must be a year between 2000 and 2100")
		}
		year = y
	}
	if err := r.err(); err != nil {
		fail(c, err)
		return
	}
	if r.csv {
		fail(c, &domain.Error{Code: codeNotAcceptable, Message: "the alerts report is available as application/json"})
		return
	}
	rep, err := m.Alerts(c.Request.Context(), year)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"year": rep.Year, "total": alertSeries(rep.Total), "systems": mapItems(rep.Systems, alertSeries)})
}
