package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cst-firenze/helpdesk/domain"
)

// actionForm is one action posted from the ticket page. Version is the
// version the page showed, sent to the use case as the API's If-Match.
type actionForm struct {
	Action  domain.Action
	Version int
	Body    string
}

func parseAction(r *http.Request) (actionForm, bool) {
	v, err := strconv.Atoi(r.PostFormValue("versione"))
	f := actionForm{Action: domain.Action(r.PostFormValue("azione")), Version: v, Body: strings.TrimSpace(r.PostFormValue("testo"))}
	_, known := actionLabels[f.Action]
	return f, err == nil && v > 0 && known && f.Action != domain.ActionOpen
}

// ticketAct applies one action; a stale page is told so and shown the
// current state instead of overwriting someone else's change.
func (h *Handler) ticketAct(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := pathID(r)
	if !ok {
		h.errorPage(w, r, s, domain.ErrNotFound)
		return
	}
	f, ok := parseAction(r)
	if !ok {
		w.WriteHeader(http.StatusUnprocessableEntity)
		h.showTicket(w, r, s, id, ticketView{Errors: []string{"Azione o versione della pagina non valide."}})
		return
	}
	if err := domain.Permit(s.P, domain.TicketActionAct(f.Action)); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	var err error
	var wf waitForm
	if f.Action == domain.ActionWait {
		var cmd domain.WaitCommand
		var errs []string
		if wf, cmd, errs = h.parseWait(r); errs != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			h.showTicket(w, r, s, id, ticketView{Errors: errs, WaitF: wf})
			return
		}
		_, err = h.tickets.Wait(r.Context(), s.P, id, cmd, f.Version)
	} else {
		_, err = h.tickets.Apply(r.Context(), s.P, id, f.Action, f.Body, f.Version)
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/ticket/%d?fatto=%s", id, f.Action), http.StatusSeeOther)
		return
	}
	switch domain.ErrorCode(err) {
	case domain.CodePreconditionFailed:
		w.WriteHeader(http.StatusConflict)
		h.showTicket(w, r, s, id, ticketView{Stale: true})
	case domain.CodeConflict, domain.CodeForbidden:
		w.WriteHeader(http.StatusConflict)
		h.showTicket(w, r, s, id, ticketView{Errors: []string{"Operazione non consentita nello stato attuale del ticket."}})
	default:
		if msgs := fieldMessages(err); msgs != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			h.showTicket(w, r, s, id, ticketView{Errors: msgs, WaitF: wf})
			return
		}
		h.errorPage(w, r, s, err)
	}
}
