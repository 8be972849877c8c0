package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// queueFilter is the filter form of the ticket list.
type queueFilter struct {
	Level   string
	Ente    string
	Status  string
	Service string
	Text    string
	SLA     string // "rischio": a running clock due within atRisk; "scaduti": breached
	Waiting string // "si": in attesa now; "no": not
}

// atRisk is how close a deadline must be for the queue's "a rischio" filter.
const atRisk = time.Hour

func parseQueueFilter(r *http.Request, now time.Time) (queueFilter, domain.TicketFilter, []string) {
	q := r.URL.Query()
	f := queueFilter{Level: q.Get("livello"), Ente: strings.TrimSpace(q.Get("ente")), Status: q.Get("stato"),
		Service: strings.TrimSpace(q.Get("servizio")), Text: strings.TrimSpace(q.Get("testo")), SLA: q.Get("sla"), Waiting: q.Get("attesa")}
	// The whole result by SLA due, in SQL (domain.TicketFilter.ByDue).
	df := domain.TicketFilter{EnteCode: f.Ente, Service: f.Service, Text: f.Text, Limit: 100, Now: now, ByDue: true}
	var errs []string
	switch f.SLA {
	case "":
	case "rischio":
		due := now.Add(atRisk)
		df.SLAState, df.SLADueBefore = domain.SLARunning, &due
	case "scaduti":
		df.SLAState = domain.SLABreached
	default:
		errs = append(errs, "La situazione SLA indicata non esiste.")
	}
	switch f.Waiting {
	case "":
	case "si", "no":
		b := f.Waiting == "si"
		df.Waiting = &b
	default:
		errs = append(errs, "Il filtro sull'attesa deve essere «sì» o «no».")
	}
	switch f.Level {
	case "":
	case "1", "2":
		n, _ := strconv.Atoi(f.Level)
		df.Level = domain.Level(n)
	default:
		errs = append(errs, "Il livello deve essere 1 o 2.")
	}
	switch {
	case f.Status == "aperti":
		df.Statuses = []domain.Status{domain.StatusNuovo, domain.StatusAperto}
	case f.Status == "":
	default:
		ok := false
		for _, s := range domain.Statuses {
			if string(s) == f.Status {
				df.Statuses, ok = []domain.Status{s}, true
			}
		}
		if !ok {
			errs = append(errs, "Lo stato indicato non esiste.")
		}
	}
	if len(f.Text) > 200 {
		errs = append(errs, "Il testo da cercare può avere al massimo 200 caratteri.")
	}
	return f, df, errs
}

// ticketRow is one line of a ticket list.
type ticketRow struct {
	T        domain.Ticket
	Due      time.Time // the nearest deadline of a running SLA clock
	DueState domain.SLAState
	DueCode  domain.SLACode
	AtRisk   bool // running and due within atRisk
	Waiting  bool // "in attesa" now
	Paused   bool // the nearest clock is paused by the wait
}

func rowOf(t domain.Ticket, now time.Time) ticketRow {
	t = t.At(now)
	r := ticketRow{T: t, Waiting: t.Waiting.Active(now)}
	for _, c := range t.Clocks {
		if c.StoppedAt == nil && (r.Due.IsZero() || c.Deadline.Before(r.Due)) {
			r.Due, r.DueState, r.DueCode, r.Paused = c.Deadline, c.State(now), c.Code, c.Pause != nil
		}
	}
	r.AtRisk = r.DueState == domain.SLARunning && r.Due.Sub(now) <= atRisk
	return r
}

// ticketList is "I miei ticket" for ente staff and the queue for the help
// desk, nearest SLA deadline first.
func (h *Handler) ticketList(w http.ResponseWriter, r *http.Request, s *session) {
	now := h.cfg.Now()
	f, df, errs := parseQueueFilter(r, now)
	title := "Coda dei ticket"
	if s.P.Role == domain.RoleEnte {
		title = "I miei ticket"
		df.EnteCode = s.P.EnteCode
	}
	// "dopo": the page after this position, by the same opaque cursor as
	// the API's next_cursor for sort=sla_due.
	q := r.URL.Query()
	if v := q.Get("dopo"); v != "" {
		cur, err := app.DecodeCursor(v, app.ByDue)
		if err != nil {
			errs = append(errs, "Il segno della pagina non è valido: ricomincia dalla prima pagina.")
		}
		df.After = &cur
	}
	var rows []ticketRow
	var next, first string
	var total string
	if len(errs) == 0 {
		pg, err := h.tickets.List(r.Context(), df)
		if err != nil {
			h.errorPage(w, r, s, err)
			return
		}
		for _, t := range pg.Tickets {
			rows = append(rows, rowOf(t, now))
		}
		if pg.Total != nil {
			total = itNumber(int64(*pg.Total))
			if pg.TotalCapped {
				total += " o più"
			}
		}
		if pg.Next != nil {
			q.Set("dopo", app.EncodeCursor(*pg.Next, app.ByDue))
			next = "/ticket?" + q.Encode()
		}
		if df.After != nil {
			q.Del("dopo")
			first = "/ticket?" + q.Encode()
		}
	}
	if len(errs) > 0 {
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	h.render(w, r, s, "tickets", title, map[string]any{"Filter": f, "Rows": rows, "Errors": errs,
		"Statuses": domain.Statuses, "Staff": s.P.IsStaff(), "Created": q.Get("creato"),
		"Next": next, "First": first, "Total": total})
}
