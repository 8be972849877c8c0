package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

var noticeLabels = map[domain.NoticeOutcome]string{domain.NoticeMet: "Rispettato", domain.NoticeMissed: "Non rispettato",
	domain.NoticePending: "In attesa", domain.NoticeNotApplicable: "Non applicabile"}

// outageRow is one outage as the pages show it, its notices judged now.
type outageRow struct {
	O           domain.Outage
	SLA9, SLA10 domain.NoticeOutcome
	Minutes     *int64 // duration in calendar minutes; nil while it lasts
}

func outageRows(os []domain.Outage, now time.Time) []outageRow {
	out := make([]outageRow, len(os))
	for i, o := range os {
		out[i] = outageRow{O: o, SLA9: o.SLA9(now), SLA10: o.SLA10(now)}
		if o.EndedAt != nil {
			m := int64(o.EndedAt.Sub(o.StartedAt) / time.Minute)
			out[i].Minutes = &m
		}
	}
	return out
}

// yearPeriod reads ?anno= (this year by default) as [1 Jan, 1 Jan next).
func (h *Handler) yearPeriod(r *http.Request) (year int, from, to time.Time, ok bool) {
	year = h.cfg.Now().In(h.rome).Year()
	if v := r.URL.Query().Get("anno"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < domain.MinYear || y > domain.MaxYear {
			return 0, from, to, false
		}
		year = y
	}
	from = time.Date(year, time.January, 1, 0, 0, 0, 0, h.rome)
	return year, from, from.AddDate(1, 0, 0), true
}

// permittedYear checks the role and reads the year of a yearly page; when
// either fails it has answered.
func (h *Handler) permittedYear(w http.ResponseWriter, r *http.Request, s *session, act domain.Act) (year int, from, to time.Time, ok bool) {
	if err := domain.Permit(s.P, act); err != nil {
		h.errorPage(w, r, s, err)
		return 0, from, to, false
	}
	if year, from, to, ok = h.yearPeriod(r); !ok {
		h.badYear(w, r, s)
	}
	return year, from, to, ok
}

func (h *Handler) badYear(w http.ResponseWriter, r *http.Request, s *session) {
	w.WriteHeader(http.StatusBadRequest)
	h.render(w, r, s, "error", "Anno non valido", map[string]any{"Status": http.StatusBadRequest,
		"Message": fmt.Sprintf("L'anno deve essere compreso tra %d e %d.", domain.MinYear, domain.MaxYear)})
}

// years are the choices of a year selector: this year and the nine before.
func (h *Handler) years() []int {
	var out []int
	for y := h.cfg.Now().In(h.rome).Year(); len(out) < 10; y-- {
		out = append(out, y)
	}
	return out
}

// outageList is "Interruzioni": the outages of a year, for an ente user
// only those affecting their ente (the API's scope and fields).
func (h *Handler) outageList(w http.ResponseWriter, r *http.Request, s *session) {
	year, from, to, ok := h.permittedYear(w, r, s, domain.ActReadReports)
	if !ok {
		return
	}
	ente, err := app.EnteScope(s.P, "", "outages")
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	list, err := h.outages.Outages(r.Context(), from, to, ente)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	h.render(w, r, s, "outages", fmt.Sprintf("Interruzioni del servizio %d", year), map[string]any{"Year": year, "Years": h.years(),
		"Rows": outageRows(list, h.cfg.Now()), "Report": s.Can(domain.ActReadOutageReport),
		"Create": s.Can(domain.ActRecordOutages)})
}

// outageReport is SLA.11's malfunction report as a printable page: the
// outages of a period with their causes, and its deliveries.
func (h *Handler) outageReport(w http.ResponseWriter, r *http.Request, s *session) {
	year, from, to, ok := h.permittedYear(w, r, s, domain.ActReadOutageReport)
	if !ok {
		return
	}
	rep, err := h.outages.OutagesReport(r.Context(), from, to)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	measured, deviation := rep.SLA11.ItalianSLA11()
	h.render(w, r, s, "outages_report", fmt.Sprintf("Relazione sui malfunzionamenti %d", year), map[string]any{"Year": year,
		"Years": h.years(), "From": from, "To": to.Add(-time.Nanosecond), "Rows": outageRows(rep.Outages, h.cfg.Now()),
		"Deliveries": rep.Deliveries, "Measured": measured, "Deviation": deviation, "At": h.cfg.Now()})
}
