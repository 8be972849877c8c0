package web

import (
	"net/http"
	"strconv"

	"github.com/cst-firenze/helpdesk/domain"
)

// ticketView is what the ticket page shows.
type ticketView struct {
	T       domain.Ticket
	Events  []domain.Event  // public history for ente staff; all for the help desk
	Actions []domain.Action // the buttons the principal may press (domain.Ticket.Allows)
	Reply   bool            // the principal may add a public reply
	Note    bool            // the principal may add an internal note
	Stale   bool
	Errors  []string
	Done    domain.Action // the action just applied, or "open" for a new ticket
}

// staffActions are the buttons of the help desk, in the order they appear.
var staffActions = []domain.Action{domain.ActionTakeInCharge, domain.ActionEscalate, domain.ActionResolve,
	domain.ActionCloseNotCompetent, domain.ActionReopen}

func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

func (h *Handler) ticketShow(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := pathID(r)
	if !ok {
		h.errorPage(w, r, s, domain.ErrNotFound)
		return
	}
	v := ticketView{Done: domain.Action(r.URL.Query().Get("fatto"))}
	if r.URL.Query().Get("creato") == "1" {
		v.Done = domain.ActionOpen
	}
	h.showTicket(w, r, s, id, v)
}

// showTicket loads the ticket and its history through the use cases, which
// hide other enti's tickets (404) and internal notes from ente staff.
func (h *Handler) showTicket(w http.ResponseWriter, r *http.Request, s *session, id int64, v ticketView) {
	t, err := h.tickets.Get(r.Context(), s.P, id)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	evs, err := h.tickets.Events(r.Context(), s.P, id)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	v.T, v.Events = t, evs
	for _, a := range staffActions {
		if t.Allows(s.P, a) == nil {
			v.Actions = append(v.Actions, a)
		}
	}
	v.Reply = t.Allows(s.P, domain.ActionReply) == nil
	v.Note = t.Allows(s.P, domain.ActionNote) == nil
	h.render(w, r, s, "ticket", "Ticket "+strconv.FormatInt(id, 10)+": "+t.Subject, v)
}
