package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// interventionForm is one action posted from "I miei interventi".
type interventionForm struct {
	ID      int64
	Version int
	Cmd     domain.InterventionCommand
}

// parseInterventionForm reads the form; the planned time is entered in
// Rome's local time, as the technicians read it.
func (h *Handler) parseInterventionForm(r *http.Request, p domain.Principal) (interventionForm, []string) {
	var errs []string
	id, err1 := strconv.ParseInt(r.PathValue("id"), 10, 64)
	v, err2 := strconv.Atoi(r.PostFormValue("versione"))
	if err1 != nil || err2 != nil || id <= 0 || v <= 0 {
		errs = append(errs, "Intervento o versione della pagina non validi.")
	}
	f := interventionForm{ID: id, Version: v, Cmd: domain.InterventionCommand{
		Action: domain.InterventionAction(r.PostFormValue("azione")), Note: strings.TrimSpace(r.PostFormValue("testo"))}}
	switch f.Cmd.Action {
	case domain.InterventionSchedule:
		at, err := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("quando"), h.rome)
		if err != nil {
			errs = append(errs, "Indica data e ora previste dell'intervento.")
		}
		f.Cmd.PlannedAt, f.Cmd.TechnicianID = at, p.UserID
	case domain.InterventionStart, domain.InterventionComplete:
	default:
		errs = append(errs, "Azione non valida.")
	}
	return f, errs
}

var interventionStatusLabels = map[domain.InterventionStatus]string{
	domain.InterventionRequested: "Richiesto", domain.InterventionScheduled: "Pianificato",
	domain.InterventionInProgress: "In corso", domain.InterventionCompleted: "Completato", domain.InterventionCancelled: "Annullato"}

// interventionList is "I miei interventi": a technician's open work by
// deadline (with the requests nobody planned yet), an ente's interventions.
func (h *Handler) interventionList(w http.ResponseWriter, r *http.Request, s *session) {
	h.showInterventions(w, r, s, nil, "")
}

func (h *Handler) showInterventions(w http.ResponseWriter, r *http.Request, s *session, errs []string, done string) {
	now := h.cfg.Now()
	f := domain.InterventionFilter{Now: now, Ascending: true, Limit: 100}
	var mine, unplanned []domain.Intervention
	if err := domain.Permit(s.P, domain.ActReadInterventions); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	ente, err := app.EnteScope(s.P, "", "interventions")
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	f.EnteCode = ente
	if s.P.Role == domain.RoleTechnician {
		f.TechnicianID = &s.P.UserID
		f.Statuses = []domain.InterventionStatus{domain.InterventionScheduled, domain.InterventionInProgress}
	}
	pg, err := h.interventions.List(r.Context(), f)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	mine = pg.Interventions
	if s.P.Role == domain.RoleTechnician {
		pg, err := h.interventions.List(r.Context(), domain.InterventionFilter{Now: now, Ascending: true, Limit: 50, EnteCode: ente,
			Statuses: []domain.InterventionStatus{domain.InterventionRequested}})
		if err != nil {
			h.errorPage(w, r, s, err)
			return
		}
		unplanned = pg.Interventions
	}
	if len(errs) > 0 {
		w.WriteHeader(http.StatusUnprocessableEntity)
	}
	data := map[string]any{"Mine": mine, "Unplanned": unplanned,
		"Technician": s.P.Role == domain.RoleTechnician, "Errors": errs, "Done": done, "Now": now}
	if s.P.Role == domain.RoleTechnician {
		data["Today"], data["Week"], data["Later"] = h.byDay(mine, now)
	}
	h.render(w, r, s, "interventions", "I miei interventi", data)
}

// byDay splits a technician's work by when it is due to be done in Rome:
// today (with what is under way or already late), the rest of this week
// (to Sunday), and later. The planned time counts, else the deadline.
func (h *Handler) byDay(ivs []domain.Intervention, now time.Time) (today, week, later []domain.Intervention) {
	local := now.In(h.rome)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, h.rome)
	tomorrow := midnight.AddDate(0, 0, 1)
	toMonday := (8 - int(local.Weekday())) % 7 // Sunday is 0: tomorrow
	if toMonday == 0 {
		toMonday = 7 // today is Monday: the next one
	}
	monday := midnight.AddDate(0, 0, toMonday)
	for _, iv := range ivs {
		when := iv.Deadline
		if iv.PlannedAt != nil {
			when = *iv.PlannedAt
		}
		switch {
		case iv.Status == domain.InterventionInProgress || when.Before(tomorrow):
			today = append(today, iv)
		case when.Before(monday):
			week = append(week, iv)
		default:
			later = append(later, iv)
		}
	}
	return today, week, later
}

func (h *Handler) interventionAct(w http.ResponseWriter, r *http.Request, s *session) {
	f, errs := h.parseInterventionForm(r, s.P)
	if len(errs) > 0 {
		h.showInterventions(w, r, s, errs, "")
		return
	}
	_, err := h.interventions.Apply(r.Context(), s.P, f.ID, f.Cmd, f.Version)
	if err == nil {
		http.Redirect(w, r, "/interventi?fatto="+string(f.Cmd.Action), http.StatusSeeOther)
		return
	}
	switch domain.ErrorCode(err) {
	case domain.CodePreconditionFailed:
		h.showInterventions(w, r, s, []string{"Nel frattempo l'intervento è stato modificato da qualcun altro: qui sotto vedi lo stato attuale."}, "")
	case domain.CodeConflict, domain.CodeForbidden:
		h.showInterventions(w, r, s, []string{"Operazione non consentita nello stato attuale dell'intervento."}, "")
	default:
		if msgs := fieldMessages(err); msgs != nil {
			h.showInterventions(w, r, s, msgs, "")
			return
		}
		h.errorPage(w, r, s, err)
	}
}
