package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/export"
)

// Reports is the report use cases the pages call (app.Reports).
type Reports interface {
	Scope(ctx context.Context, p domain.Principal, ente string) (string, error)
	Annual(ctx context.Context, year int, ente string) (app.AnnualReport, error)
	AnnualAsOf(ctx context.Context, year int, ente string, asOf *time.Time) (app.AnnualReport, error)
	AsOf(v string) (*time.Time, error)
	Tickets(ctx context.Context, q domain.TicketStatsQuery) ([]domain.TicketStatsRow, error)
}

// bar is one bar of an SVG chart, laid out on the server (no script).
type bar struct {
	Label          string
	X, Y, W, H     float64
	Value          string
	Class          string
	LabelX, LabelY float64
}

// chart lays out grouped bars of the previous and current year per row.
func chart(labels []string, prev, cur []int64, prevYear, year int) []bar {
	var max int64 = 1
	for i := range cur {
		max = int64(math.Max(float64(max), math.Max(float64(prev[i]), float64(cur[i]))))
	}
	const height, top, groupW, barW = 160.0, 20.0, 140.0, 50.0
	var out []bar
	for i, l := range labels {
		x := 40 + float64(i)*groupW
		for j, v := range []int64{prev[i], cur[i]} {
			h := height * float64(v) / float64(max)
			class, yr := "bar-b", prevYear
			if j == 1 {
				class, yr = "bar-a", year
			}
			bx := x + float64(j)*(barW+4)
			out = append(out, bar{Label: fmt.Sprintf("%s %d", l, yr), X: bx, Y: top + height - h, W: barW, H: h,
				Value: itNumber(v), Class: class, LabelX: bx + barW/2, LabelY: top + height - h - 4})
		}
	}
	return out
}

// statusOrder stacks a month's bar bottom up: closed first, then open.
var statusOrder = []domain.Status{domain.StatusRisolto, domain.StatusNonDiCompetenza, domain.StatusAperto, domain.StatusNuovo}

var monthShort = [...]string{"", "gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic"}

// monthRow is one month of the year's tickets by current status.
type monthRow struct {
	Month  string
	Counts domain.StatusCounts
}

func statusCount(c domain.StatusCounts, s domain.Status) int64 {
	switch s {
	case domain.StatusNuovo:
		return c.Nuovo
	case domain.StatusAperto:
		return c.Aperto
	case domain.StatusRisolto:
		return c.Risolto
	default:
		return c.NonDiCompetenza
	}
}

// monthChart lays out one stacked bar per month of the tickets opened in
// it, by current status, and returns the twelve rows of its data table.
func monthChart(stats []domain.TicketStatsRow) ([]bar, []monthRow) {
	rows := make([]monthRow, 12)
	for i := range rows {
		rows[i].Month = monthNames[i+1]
	}
	for _, s := range stats {
		if s.Key.Month >= 1 && s.Key.Month <= 12 {
			rows[s.Key.Month-1].Counts.Add(s.Counts)
		}
	}
	var max int64 = 1
	for _, r := range rows {
		max = int64(math.Max(float64(max), float64(r.Counts.Gestiti())))
	}
	const height, top, groupW, barW = 180.0, 20.0, 46.0, 30.0
	var out []bar
	for i, r := range rows {
		x := 40 + float64(i)*groupW
		y := top + height
		for j, st := range statusOrder {
			v := statusCount(r.Counts, st)
			if v == 0 {
				continue
			}
			h := height * float64(v) / float64(max)
			y -= h
			out = append(out, bar{Label: fmt.Sprintf("%s, %s", r.Month, strings.ToLower(label(statusLabels, st))), X: x, Y: y, W: barW, H: h,
				Value: itNumber(v), Class: fmt.Sprintf("bar-s%d", j)})
		}
		out = append(out, bar{Label: monthShort[i+1], LabelX: x + barW/2, LabelY: top + height + 16, Class: "month"})
	}
	return out, rows
}

// itNumber writes 1234567 as 1.234.567, as Italian readers expect.
func itNumber(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := v < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, '.')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// itPercent writes a share (0..1) or a percentage as "99,7%".
func itPercent(v *float64, share bool, decimals int) string {
	if v == nil {
		return "—"
	}
	x := *v
	if share {
		x *= 100
	}
	s := strconv.FormatFloat(x, 'f', decimals, 64)
	for i := range s {
		if s[i] == '.' {
			s = s[:i] + "," + s[i+1:]
		}
	}
	return s + "%"
}

// resolvedPercent is the report's "% risolti" of a year's counts.
func resolvedPercent(c domain.StatusCounts) string {
	v, ok := c.ResolvedPercent()
	if !ok {
		return itPercent(nil, false, 1)
	}
	return itPercent(&v, false, 1)
}

func (h *Handler) report(w http.ResponseWriter, r *http.Request, s *session) {
	year, from, to, ok := h.yearPeriod(r)
	if !ok {
		h.badYear(w, r, s)
		return
	}
	// "al": the report as it read at the end of that day (the API's as_of,
	// read by the same use case); a bad one is the form's error and the
	// page shows the figures as they stand now.
	asOfText := r.URL.Query().Get("al")
	var errs []string
	asOf, err := h.reports.AsOf(asOfText)
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			h.errorPage(w, r, s, err)
			return
		}
		errs = []string{"Dati al: indica una data (gg/mm/aaaa) non successiva a oggi, oppure lascia vuoto per i dati di adesso."}
		asOf, asOfText = nil, ""
	}
	rep, err := h.annual(r.Context(), s.P, year, asOf)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	var labels []string
	var prev, cur []int64
	for _, row := range rep.HelpDesk {
		labels = append(labels, fmt.Sprintf("%d° livello", row.Level))
		prev, cur = append(prev, row.Previous.Gestiti()), append(cur, row.Current.Gestiti())
	}
	// The second chart: tickets opened per month by status (then, with al).
	stats, err := h.reports.Tickets(r.Context(), domain.TicketStatsQuery{From: &from, To: &to, EnteCode: rep.Ente,
		GroupBy: []domain.Dimension{domain.DimMonth}, AsOf: asOf})
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	monthBars, months := monthChart(stats)
	if errs != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	h.render(w, r, s, "report", fmt.Sprintf("Relazione annuale %d", year), map[string]any{"R": rep,
		"PreviousYear": year - 1, "AsOf": asOfText, "Errors": errs, "Today": h.cfg.Now().In(h.rome).Format("2006-01-02"),
		"Bars": chart(labels, prev, cur, year-1, year), "Years": h.years(),
		"MonthBars": monthBars, "Months": months, "Statuses": statusOrder})
}

// annual is the report of the year for p, scoped as the API scopes it:
// an ente user reads their own ente, staff every ente.
func (h *Handler) annual(ctx context.Context, p domain.Principal, year int, asOf *time.Time) (app.AnnualReport, error) {
	if err := domain.Permit(p, domain.ActReadReports); err != nil {
		return app.AnnualReport{}, err
	}
	ente, err := h.reports.Scope(ctx, p, "")
	if err != nil {
		return app.AnnualReport{}, err
	}
	return h.reports.AnnualAsOf(ctx, year, ente, asOf)
}

// reportFile downloads a table of the report as the API's Italian CSV
// or XLSX (by the path's last segment): the same use case and the same
// writer (export) as GET /api/v1/reports/annual/{year}, with "al" as its
// as_of.
func (h *Handler) reportFile(w http.ResponseWriter, r *http.Request, s *session) {
	year, err := strconv.Atoi(r.PathValue("anno"))
	if err != nil || year < domain.MinYear || year > domain.MaxYear {
		h.badYear(w, r, s)
		return
	}
	q := r.URL.Query()
	section := q.Get("sezione")
	if section == "" {
		section = "help_desk"
	}
	if !export.AnnualSections[section] {
		h.errorPage(w, r, s, domain.Invalid("unknown section", domain.FieldError{Field: "sezione", Detail: "must be help_desk, sla, sla_table or interventions"}))
		return
	}
	asOf, err := h.reports.AsOf(q.Get("al"))
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	rep, err := h.annual(r.Context(), s.P, year, asOf)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	f := export.Format{Italian: true}
	header, rows := f.Annual(rep, section)
	ext, ctype, body := "csv", "text/csv; charset=utf-8", f.CSV(header, rows)
	if strings.HasSuffix(r.URL.Path, "/xlsx") {
		ext, ctype = "xlsx", export.MediaXLSX
		if body, err = f.XLSX(header, rows); err != nil {
			h.errorPage(w, r, s, err)
			return
		}
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="relazione-%d-%s.%s"`, year, section, ext))
	_, _ = w.Write(body)
}
