package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// Counts are a year's tickets by status, as the report prints them.
type Counts struct {
	Nuovo           int64    `json:"nuovo"`
	Aperto          int64    `json:"aperto"`
	Risolto         int64    `json:"risolto"`
	NonDiCompetenza int64    `json:"non_di_competenza"`
	Gestiti         int64    `json:"gestiti"`
	ResolvedPercent *float64 `json:"resolved_percent"`
}

// HelpDeskRow is one line of the help-desk table; Level 0 is the total.
type HelpDeskRow struct {
	Level    *domain.Level `json:"level"`
	Current  Counts        `json:"current"`
	Previous Counts        `json:"previous"`
	DiffPct  *int64        `json:"diff_pct"`
}

// SLARow is one line of the SLA table.
type SLARow struct {
	Code        domain.SLACode `json:"code"`
	Description string         `json:"description"`
	Target      struct {
		Text string `json:"text"`
	} `json:"target"`
	ExpectedShare float64  `json:"expected_share"`
	MeasuredShare *float64 `json:"measured_share"`
	Deviation     *float64 `json:"deviation"`
	Met           int64    `json:"met"`
	Breached      int64    `json:"breached"`
	Running       int64    `json:"running"`
}

// TierRow is one line of the interventions table.
type TierRow struct {
	Tier            domain.Tier `json:"tier"`
	Count           int64       `json:"count"`
	Completed       int64       `json:"completed"`
	CompletedOnTime int64       `json:"completed_on_time"`
	OnTimeShare     *float64    `json:"on_time_share"`
}

// AnnualReport is the yearly report as the API publishes it.
type AnnualReport struct {
	Year         int       `json:"year"`
	PreviousYear int       `json:"previous_year"`
	At           time.Time `json:"at"`
	HelpDesk     struct {
		Rows  []HelpDeskRow `json:"rows"`
		Total HelpDeskRow   `json:"total"`
	} `json:"help_desk"`
	SLA           []SLARow  `json:"sla"`
	Interventions []TierRow `json:"interventions"`
}

// Reports is the report use cases the pages call.
type Reports interface {
	Annual(ctx context.Context, p domain.Principal, year int) (AnnualReport, error)
	AnnualCSV(ctx context.Context, p domain.Principal, year int, section string) ([]byte, error)
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

func (h *Handler) report(w http.ResponseWriter, r *http.Request, s *session) {
	now := h.cfg.Now().In(h.rome)
	year := now.Year()
	if v := r.URL.Query().Get("anno"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < domain.MinYear || y > domain.MaxYear {
			w.WriteHeader(http.StatusBadRequest)
			h.render(w, r, s, "error", "Anno non valido", map[string]any{"Status": http.StatusBadRequest,
				"Message": fmt.Sprintf("L'anno deve essere compreso tra %d e %d.", domain.MinYear, domain.MaxYear)})
			return
		}
		year = y
	}
	rep, err := h.reports.Annual(r.Context(), s.P, year)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	var labels []string
	var prev, cur []int64
	for _, row := range rep.HelpDesk.Rows {
		labels = append(labels, fmt.Sprintf("%d° livello", *row.Level))
		prev, cur = append(prev, row.Previous.Gestiti), append(cur, row.Current.Gestiti)
	}
	var years []int
	for y := now.Year(); y >= now.Year()-9; y-- {
		years = append(years, y)
	}
	h.render(w, r, s, "report", fmt.Sprintf("Relazione annuale %d", year), map[string]any{"R": rep,
		"Bars": chart(labels, prev, cur, rep.PreviousYear, rep.Year), "Years": years})
}

// reportCSV downloads a table of the report as the API's Italian CSV.
func (h *Handler) reportCSV(w http.ResponseWriter, r *http.Request, s *session) {
	year, err := strconv.Atoi(r.PathValue("anno"))
	section := r.URL.Query().Get("sezione")
	if err != nil {
		h.errorPage(w, r, s, domain.ErrNotFound)
		return
	}
	b, err := h.reports.AnnualCSV(r.Context(), s.P, year, section)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="relazione-%d-%s.csv"`, year, section))
	_, _ = w.Write(b)
}
