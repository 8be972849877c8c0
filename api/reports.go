package api

import (
	"errors"
	"fmt"
	"github.com/cst-firenze/helpdesk/app"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/export"
)

// reportRoutes registers the statistics the reporting tools and the yearly
// report read, and the historical import that feeds them.
func (s *Server) reportRoutes(v1 string) {
	s.handle(http.MethodGet, v1+"/reports/tickets", can(domain.ActReadReports), s.ticketReport)
	s.handle(http.MethodGet, v1+"/reports/tickets/yoy", can(domain.ActReadReports), s.ticketYoYReport)
	s.handle(http.MethodGet, v1+"/reports/sla", can(domain.ActReadReports), s.slaReport)
	s.handle(http.MethodGet, v1+"/reports/annual/:year", can(domain.ActReadReports), s.annualReport)
	s.handle(http.MethodPost, v1+"/import/tickets", can(domain.ActImport), s.importTickets)
}

// reportRequest holds what every report reads from its request: the
// format, the ente it is scoped to, and the query parameters, with the
// problems found so far.
type reportRequest struct {
	q    url.Values
	fe   []domain.FieldError
	csv  bool
	cf   csvFormat
	ente string
	asOf *time.Time // the report as at this instant; nil: now
}

func (r *reportRequest) bad(field, detail string) {
	r.fe = append(r.fe, domain.FieldError{Field: field, Detail: detail})
}

// err is the 400 for every problem found, or nil.
func (r *reportRequest) err() error {
	if len(r.fe) == 0 {
		return nil
	}
	return domain.Invalid("some query parameters are not valid", r.fe...)
}

// entePtr is the scope as JSON shows it: null for every ente.
func (r *reportRequest) entePtr() *string {
	if r.ente == "" {
		return nil
	}
	return &r.ente
}

// newReportRequest checks the Accept header (406), the parameter names,
// the locale and the ente: an ente user sees their own ente only, and
// naming another is a 403.
func (s *Server) newReportRequest(c *gin.Context, params ...string) (*reportRequest, error) {
	asCSV, err := wantsCSV(c.GetHeader("Accept"))
	if err != nil {
		return nil, err
	}
	r := &reportRequest{q: c.Request.URL.Query(), csv: asCSV}
	known := map[string]bool{"ente": true, "locale": true}
	for _, p := range params {
		known[p] = true
	}
	for k := range r.q {
		if !known[k] {
			r.bad(k, "is not a known parameter")
		}
	}
	switch r.q.Get("locale") {
	case "", "en":
	case "it":
		r.cf.Italian = true
	default:
		r.bad("locale", "must be it or en")
	}
	r.ente, err = s.reports.Scope(c.Request.Context(), mustPrincipal(c), r.q.Get("ente"))
	if err = r.collect(err); err != nil {
		return nil, err
	}
	if known["as_of"] {
		r.asOf, err = s.reports.AsOf(r.q.Get("as_of"))
		if err = r.collect(err); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// collect keeps the fields of a 400 with the other problems of the
// request, and returns any other error.
func (r *reportRequest) collect(err error) error {
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeInvalid {
		r.fe = append(r.fe, de.Fields...)
		return nil
	}
	return err
}

// asOfJSON is the as_of a report was read at, in Rome; null for now.
func (s *Server) asOfJSON(r *reportRequest) *time.Time {
	if r.asOf == nil {
		return nil
	}
	t := s.local(*r.asOf)
	return &t
}

// period reads from and to (an RFC 3339 instant or a date, midnight in
// Rome), the current year by default.
func (s *Server) period(r *reportRequest) (from, to time.Time) {
	from = time.Date(s.local(s.now()).Year(), time.January, 1, 0, 0, 0, 0, s.rome)
	to = from.AddDate(1, 0, 0)
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.q.Get(p.name); v != "" {
			t, err := s.parseTime(p.name, v)
			if err != nil {
				r.bad(p.name, "must be a YYYY-MM-DD date or an RFC 3339 instant")
				continue
			}
			*p.dst = t
		}
	}
	if !from.Before(to) {
		r.bad("to", "must be after from")
	}
	return from, to
}

func (r *reportRequest) groupBy() []domain.Dimension {
	g, err := domain.ParseGroupBy(r.q.Get("group_by"))
	var de *domain.Error
	if errors.As(err, &de) {
		r.fe = append(r.fe, de.Fields...)
	}
	return g
}

// reportCountsJSON are the help-desk table's figures for one group.
type reportCountsJSON struct {
	Nuovo           int64    `json:"nuovo"`
	Aperto          int64    `json:"aperto"`
	Risolto         int64    `json:"risolto"`
	NonDiCompetenza int64    `json:"non_di_competenza"`
	Gestiti         int64    `json:"gestiti"`
	ResolutionRate  *float64 `json:"resolution_rate"`
	ResolvedPercent *float64 `json:"resolved_percent"`
}

func countsJSON(c domain.StatusCounts) reportCountsJSON {
	out := reportCountsJSON{Nuovo: c.Nuovo, Aperto: c.Aperto, Risolto: c.Risolto, NonDiCompetenza: c.NonDiCompetenza, Gestiti: c.Gestiti()}
	if rate, ok := c.ResolutionRate(); ok {
		out.ResolutionRate = &rate
	}
	if pct, ok := c.ResolvedPercent(); ok {
		out.ResolvedPercent = &pct
	}
	return out
}

// countColumns are the CSV columns of reportCountsJSON.
var countColumns = export.CountColumns

// counts writes a group's figures as export.Format.Counts does (the
// JSON's counts are the domain's, its rates derived from them).
func (f csvFormat) counts(c reportCountsJSON) []string {
	return f.Counts(domain.StatusCounts{Nuovo: c.Nuovo, Aperto: c.Aperto, Risolto: c.Risolto, NonDiCompetenza: c.NonDiCompetenza})
}

// groupKeyJSON names a group; the dimensions not grouped by are null.
type groupKeyJSON struct {
	Level   *domain.Level   `json:"level"`
	Status  *domain.Status  `json:"status"`
	Ente    *string         `json:"ente"`
	Service *string         `json:"service"`
	Channel *domain.Channel `json:"channel"`
}

// keyColumns are the CSV columns of groupKeyJSON, then month.
var keyColumns = []string{"level", "status", "ente", "service", "channel", "month"}

func keyJSON(k domain.GroupKey, dims []domain.Dimension) groupKeyJSON {
	var out groupKeyJSON
	for _, d := range dims {
		switch d {
		case domain.DimLevel:
			out.Level = &k.Level
		case domain.DimStatus:
			out.Status = &k.Status
		case domain.DimEnte:
			out.Ente = &k.EnteCode
		case domain.DimService:
			out.Service = &k.Service
		case domain.DimChannel:
			out.Channel = &k.Channel
		}
	}
	return out
}

// key writes a group's keys, empty where not grouped by; the caller adds
// month, whose form differs per report.
func (f csvFormat) key(k groupKeyJSON) []string {
	level := ""
	if k.Level != nil {
		level = f.Int(int64(*k.Level))
	}
	return []string{level, f.Str((*string)(k.Status)), f.Str(k.Ente), f.Str(k.Service), f.Str((*string)(k.Channel))}
}

type ticketStatsRowJSON struct {
	groupKeyJSON
	Month *string `json:"month"` // YYYY-MM in Rome
	reportCountsJSON
}

type ticketReportJSON struct {
	From    time.Time            `json:"from"`
	To      time.Time            `json:"to"`
	Ente    *string              `json:"ente"`
	AsOf    *time.Time           `json:"as_of,omitempty"`
	GroupBy []domain.Dimension   `json:"group_by"`
	Rows    []ticketStatsRowJSON `json:"rows"`
	Total   reportCountsJSON     `json:"total"`
}

// ticketReport counts the tickets opened in a period by status, per group.
func (s *Server) ticketReport(c *gin.Context) {
	r, err := s.newReportRequest(c, "from", "to", "group_by", "as_of")
	if err != nil {
		fail(c, err)
		return
	}
	from, to := s.period(r)
	dims := r.groupBy()
	if err := r.err(); err != nil {
		fail(c, err)
		return
	}
	rows, err := s.reports.Tickets(c.Request.Context(), domain.TicketStatsQuery{From: &from, To: &to, EnteCode: r.ente, GroupBy: dims, AsOf: r.asOf})
	if err != nil {
		fail(c, err)
		return
	}
	out := ticketReportJSON{From: s.local(from), To: s.local(to), Ente: r.entePtr(), AsOf: s.asOfJSON(r), GroupBy: dims,
		Rows: make([]ticketStatsRowJSON, len(rows))}
	if dims == nil {
		out.GroupBy = []domain.Dimension{}
	}
	var total domain.StatusCounts
	for i, row := range rows {
		rj := ticketStatsRowJSON{groupKeyJSON: keyJSON(row.Key, dims), reportCountsJSON: countsJSON(row.Counts)}
		if slices.Contains(dims, domain.DimMonth) {
			m := fmt.Sprintf("%04d-%02d", row.Key.Year, row.Key.Month)
			rj.Month = &m
		}
		out.Rows[i] = rj
		total.Add(row.Counts)
	}
	out.Total = countsJSON(total)
	if !r.csv {
		c.JSON(http.StatusOK, out)
		return
	}
	cells := make([][]string, len(out.Rows))
	for i, row := range out.Rows {
		cells[i] = append(append(r.cf.key(row.groupKeyJSON), r.cf.Str(row.Month)), r.cf.counts(row.reportCountsJSON)...)
	}
	// The total row, as the JSON has it: its label under the first column.
	totalRow := append(make([]string, len(keyColumns)), r.cf.counts(out.Total)...)
	totalRow[0] = r.cf.TotalLabel()
	cells = append(cells, totalRow)
	writeCSV(c, "tickets.csv", r.cf, append(append([]string{}, keyColumns...), countColumns...), cells)
}

type yoyYearJSON struct {
	Year int `json:"year"`
	reportCountsJSON
	DiffPct *int64 `json:"diff_pct"` // gestiti against the year before it in the list
}

type yoyRowJSON struct {
	groupKeyJSON
	Month *int          `json:"month"` // 1 to 12, so that the years line up
	Years []yoyYearJSON `json:"years"`
}

type yoyReportJSON struct {
	Years   []int              `json:"years"`
	Ente    *string            `json:"ente"`
	AsOf    *time.Time         `json:"as_of,omitempty"`
	GroupBy []domain.Dimension `json:"group_by"`
	Rows    []yoyRowJSON       `json:"rows"`
	Total   []yoyYearJSON      `json:"total"`
}

func yoyYears(years []int, counts []domain.StatusCounts) []yoyYearJSON {
	out := make([]yoyYearJSON, len(years))
	for i, y := range years {
		out[i] = yoyYearJSON{Year: y, reportCountsJSON: countsJSON(counts[i])}
		if i > 0 {
			if d, ok := domain.DiffPercent(counts[i-1].Gestiti(), counts[i].Gestiti()); ok {
				out[i].DiffPct = &d
			}
		}
	}
	return out
}

// ticketYoYReport puts two or more years side by side, per group, with
// the report's Diff %.
func (s *Server) ticketYoYReport(c *gin.Context) {
	r, err := s.newReportRequest(c, "years", "group_by", "as_of")
	if err != nil {
		fail(c, err)
		return
	}
	years, err := domain.ParseYears(r.q.Get("years"))
	var de *domain.Error
	if errors.As(err, &de) {
		r.fe = append(r.fe, de.Fields...)
	}
	dims := r.groupBy()
	if err := r.err(); err != nil {
		fail(c, err)
		return
	}
	groups, total, err := s.reports.YearOverYear(c.Request.Context(), domain.YearStatsQuery{Years: years, EnteCode: r.ente, GroupBy: dims, AsOf: r.asOf})
	if err != nil {
		fail(c, err)
		return
	}
	if len(dims) == 0 && len(groups) == 0 {
		groups = []domain.YoYGroup{{Years: total}} // no grouping is one row, even without tickets
	}
	out := yoyReportJSON{Years: years, Ente: r.entePtr(), AsOf: s.asOfJSON(r), GroupBy: dims, Rows: make([]yoyRowJSON, len(groups)), Total: yoyYears(years, total)}
	if dims == nil {
		out.GroupBy = []domain.Dimension{}
	}
	for i, g := range groups {
		out.Rows[i] = yoyRowJSON{groupKeyJSON: keyJSON(g.Key, dims), Years: yoyYears(years, g.Years)}
		if slices.Contains(dims, domain.DimMonth) {
			m := g.Key.Month
			out.Rows[i].Month = &m
		}
	}
	if !r.csv {
		c.JSON(http.StatusOK, out)
		return
	}
	var cells [][]string
	for _, row := range out.Rows {
		month := ""
		if row.Month != nil {
			month = strconv.Itoa(*row.Month)
		}
		for _, y := range row.Years {
			cells = append(cells, append(append(append(r.cf.key(row.groupKeyJSON), month, strconv.Itoa(y.Year)),
				r.cf.counts(y.reportCountsJSON)...), r.cf.OptInt(y.DiffPct)))
		}
	}
	header := append(append(append([]string{}, keyColumns...), "year"), countColumns...)
	writeCSV(c, "tickets-yoy.csv", r.cf, append(header, "diff_pct"), cells)
}

type slaReportTargetJSON struct {
	Minutes int64        `json:"minutes"`
	Basis   domain.Basis `json:"basis"`
	Text    string       `json:"text"`
}

type slaReportRowJSON struct {
	Code          domain.SLACode      `json:"code"`
	Description   string              `json:"description"`
	Target        slaReportTargetJSON `json:"target"`
	ExpectedShare float64             `json:"expected_share"`
	MeasuredShare *float64            `json:"measured_share"`
	Deviation     *float64            `json:"deviation"`
	Met           int64               `json:"met"`
	Breached      int64               `json:"breached"`
	Running       int64               `json:"running"`
}

type slaReportJSON struct {
	From time.Time          `json:"from"`
	To   time.Time          `json:"to"`
	Ente *string            `json:"ente"`
	AsOf *time.Time         `json:"as_of,omitempty"`
	At   time.Time          `json:"at"` // the instant running clocks are judged at
	Rows []slaReportRowJSON `json:"rows"`
	// Table is the report's whole SLA table, SLA.1 to SLA.11.
	Table []slaTableRowJSON `json:"table"`
}

type slaDisplayJSON struct {
	Expected  string `json:"expected"`
	Measured  string `json:"measured"`
	Deviation string `json:"deviation"`
}

type slaTableRowJSON struct {
	Code        domain.SLACode  `json:"code"`
	Description string          `json:"description"`
	Unit        domain.SLAUnit  `json:"unit"`
	Expected    float64         `json:"expected"`
	Measured    *float64        `json:"measured"`
	Deviation   *float64        `json:"deviation"` // percentage points; null unless unit is percent and measured is known
	NoData      bool            `json:"no_data"`
	Display     *slaDisplayJSON `json:"display,omitempty"` // locale=it only
}

// slaTableJSON is the whole SLA table, with the report's notation under
// locale=it.
func (f csvFormat) slaTableJSON(rows []domain.SLATableRow) []slaTableRowJSON {
	out := make([]slaTableRowJSON, len(rows))
	for i, r := range rows {
		out[i] = slaTableRowJSON{Code: r.Code, Description: r.Description, Unit: r.Unit, Expected: r.Expected,
			Measured: r.Measured, Deviation: r.Deviation, NoData: r.NoData}
		if f.Italian {
			d := slaDisplayJSON(r.Display)
			out[i].Display = &d
		}
	}
	return out
}

// slaRowsJSON is the SLA table as the reports show it.
func slaRowsJSON(rows []domain.SLAReportRow) []slaReportRowJSON {
	out := make([]slaReportRowJSON, len(rows))
	for i, row := range rows {
		out[i] = slaReportRowJSON{
			Code: row.Counts.Code, Description: domain.SLADescriptions[row.Counts.Code],
			Target:        slaReportTargetJSON{Minutes: int64(row.Target.Target / time.Minute), Basis: row.Target.Basis, Text: row.Target.Text()},
			ExpectedShare: row.Target.ExpectedShare, MeasuredShare: row.MeasuredShare, Deviation: row.Deviation,
			Met: row.Counts.Met, Breached: row.Counts.Breached, Running: row.Counts.Running,
		}
	}
	return out
}

// slaReport is the report's SLA table for the tickets opened in a period.
func (s *Server) slaReport(c *gin.Context) {
	r, err := s.newReportRequest(c, "from", "to", "view", "as_of")
	if err != nil {
		fail(c, err)
		return
	}
	from, to := s.period(r)
	view := r.q.Get("view")
	if view != "" && view != "clocks" && view != "table" {
		r.bad("view", "must be clocks or table")
	}
	if err := r.err(); err != nil {
		fail(c, err)
		return
	}
	table, err := s.reports.SLAAsOf(c.Request.Context(), from, to, r.ente, r.asOf)
	if err != nil {
		fail(c, err)
		return
	}
	rows, full := slaRowsJSON(table.Rows), r.cf.slaTableJSON(table.Full)
	switch {
	case r.csv && view == "table":
		writeCSV(c, "sla-table.csv", r.cf, export.SLATableColumns, r.cf.SLATableRows(table.Full))
	case r.csv:
		writeCSV(c, "sla.csv", r.cf, export.SLAColumns, r.cf.SLARows(table.Rows))
	default:
		c.JSON(http.StatusOK, slaReportJSON{From: s.local(from), To: s.local(to), Ente: r.entePtr(), AsOf: s.asOfJSON(r), At: s.local(table.At), Rows: rows, Table: full})
	}
}

type annualHelpDeskRowJSON struct {
	Level    *domain.Level    `json:"level"` // null on the total
	Current  reportCountsJSON `json:"current"`
	Previous reportCountsJSON `json:"previous"`
	DiffPct  *int64           `json:"diff_pct"` // gestiti, against the previous year
}

type annualHelpDeskJSON struct {
	Rows  []annualHelpDeskRowJSON `json:"rows"`
	Total annualHelpDeskRowJSON   `json:"total"`
}

type annualInterventionsRowJSON struct {
	Tier                 domain.Tier `json:"tier"`
	Count                int64       `json:"count"`
	Completed            int64       `json:"completed"`
	CompletedOnTime      int64       `json:"completed_on_time"`
	OnTimeShare          *float64    `json:"on_time_share"`
	MedianWorkingSeconds *int64      `json:"median_working_seconds"`
	P90WorkingSeconds    *int64      `json:"p90_working_seconds"`
}

type annualReportJSON struct {
	Year          int                          `json:"year"`
	PreviousYear  int                          `json:"previous_year"`
	Ente          *string                      `json:"ente"`
	AsOf          *time.Time                   `json:"as_of,omitempty"`
	At            time.Time                    `json:"at"`
	HelpDesk      annualHelpDeskJSON           `json:"help_desk"`
	SLA           []slaReportRowJSON           `json:"sla"`
	SLATable      []slaTableRowJSON            `json:"sla_table"` // SLA.1 to SLA.11
	Interventions []annualInterventionsRowJSON `json:"interventions"`
}

func helpDeskRow(row app.AnnualLevelRow) annualHelpDeskRowJSON {
	out := annualHelpDeskRowJSON{Current: countsJSON(row.Current), Previous: countsJSON(row.Previous), DiffPct: row.DiffPct}
	if row.Level != 0 {
		l := row.Level
		out.Level = &l
	}
	return out
}

// annualReport is the yearly report in one document, assembled by
// app.Reports.Annual; a staff user's ente filter adds a lookup of the ente.
func (s *Server) annualReport(c *gin.Context) {
	year, perr := strconv.Atoi(c.Param("year"))
	if perr != nil || year < domain.MinYear || year > domain.MaxYear {
		fail(c, domain.Invalid("the year is not valid", domain.FieldError{Field: "year",
			Detail: fmt.Sprintf("must be a year from %d to %d", domain.MinYear, domain.MaxYear)}))
		return
	}
	r, err := s.newReportRequest(c, "section", "as_of")
	if err != nil {
		fail(c, err)
		return
	}
	section := r.q.Get("section")
	if section == "" {
		section = "help_desk"
	}
	if !export.AnnualSections[section] {
		r.bad("section", "must be help_desk, sla, sla_table or interventions")
	}
	if err := r.err(); err != nil {
		fail(c, err)
		return
	}
	rep, err := s.reports.AnnualAsOf(c.Request.Context(), year, r.ente, r.asOf)
	if err != nil {
		fail(c, err)
		return
	}
	if r.csv {
		header, cells := r.cf.Annual(rep, section)
		writeCSV(c, fmt.Sprintf("annual-%d-%s.csv", year, section), r.cf, header, cells)
		return
	}
	out := annualReportJSON{Year: year, PreviousYear: year - 1, Ente: r.entePtr(), AsOf: s.asOfJSON(r), At: s.local(rep.At), SLA: slaRowsJSON(rep.SLA),
		SLATable: r.cf.slaTableJSON(rep.SLATable),
		HelpDesk: annualHelpDeskJSON{Rows: mapItems(rep.HelpDesk, helpDeskRow), Total: helpDeskRow(rep.HelpDeskTotal)}}
	for _, iv := range rep.Interventions {
		out.Interventions = append(out.Interventions, annualInterventionsRowJSON{Tier: iv.Tier, Count: iv.Count, Completed: iv.Completed,
			CompletedOnTime: iv.CompletedOnTime, OnTimeShare: iv.OnTimeShare, MedianWorkingSeconds: iv.MedianSeconds, P90WorkingSeconds: iv.P90Seconds})
	}
	c.JSON(http.StatusOK, out)
}
