package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// ticketView is what the ticket page shows.
type ticketView struct {
	T       domain.Ticket   // as it stands now (a wait whose until has passed is over)
	Events  []domain.Event  // public history for ente staff; all for the help desk
	Actions []domain.Action // the buttons the principal may press (domain.Ticket.Allows)
	Reply   bool            // the principal may add a public reply
	Note    bool            // the principal may add an internal note
	Waiting bool            // the ticket is "in attesa" now
	Wait    bool            // the principal may put it on hold (the form is shown)
	Resume  bool            // the principal may end the wait
	WaitF   waitForm        // what the wait form holds (kept after an error)
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

// may says whether the principal may apply a to the ticket now: the
// permission table allows the act, the domain allows the principal on
// this ticket, and the state machine allows the action from its status.
func may(s *session, t domain.Ticket, a domain.Action) bool {
	if !s.Can(domain.TicketActionAct(a)) || t.Allows(s.P, a) != nil {
		return false
	}
	_, err := domain.Next(t.Status, a)
	return err == nil
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
	now := h.cfg.Now()
	t = t.At(now)
	v.T, v.Events = t, evs
	for _, a := range staffActions {
		if t.Allows(s.P, a) == nil && s.Can(domain.TicketActionAct(a)) {
			v.Actions = append(v.Actions, a)
		}
	}
	v.Reply = t.Allows(s.P, domain.ActionReply) == nil
	v.Note = t.Allows(s.P, domain.ActionNote) == nil
	v.Waiting = t.Waiting.Active(now)
	v.Wait = !v.Waiting && may(s, t, domain.ActionWait)
	v.Resume = v.Waiting && may(s, t, domain.ActionResume)
	if v.WaitF.On == "" {
		v.WaitF.On = domain.WaitingOnEnte
	}
	h.render(w, r, s, "ticket", "Ticket "+strconv.FormatInt(id, 10)+": "+t.Subject, v)
}

// waitForm is the form that puts a ticket on hold: whom the desk waits
// on, why, and optionally until when (Rome's local time, as people read it).
type waitForm struct {
	On     domain.WaitingOn
	Until  string // as typed: 2006-01-02T15:04
	Reason string
}

// parseWait reads the wait form into the use case's command; a malformed
// until is the form's error, with what was typed kept.
func (h *Handler) parseWait(r *http.Request) (waitForm, domain.WaitCommand, []string) {
	f := waitForm{On: domain.WaitingOn(r.PostFormValue("attesa_di")), Until: r.PostFormValue("fino_a"), Reason: r.PostFormValue("testo")}
	cmd := domain.WaitCommand{On: f.On, Reason: f.Reason}
	if f.Until == "" {
		return f, cmd, nil
	}
	u, err := time.ParseInLocation("2006-01-02T15:04", f.Until, h.rome)
	if err != nil {
		return f, cmd, []string{"Fino a: indica data e ora (gg/mm/aaaa hh:mm), oppure lascia vuoto per un'attesa senza scadenza."}
	}
	u = u.UTC()
	cmd.Until = &u
	return f, cmd, nil
}

var waitingOnLabels = map[domain.WaitingOn]string{domain.WaitingOnEnte: "Ente",
	domain.WaitingOnReporter: "Segnalante", domain.WaitingOnThirdParty: "Terzi (fornitori)"}

// pauseText is how long a clock stood still, as people say it.
func pauseText(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "meno di un minuto"
	case d < time.Hour:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Hour), 10) + " h " + strconv.FormatInt(int64(d%time.Hour/time.Minute), 10) + " min"
}
