package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// ticketForm is the form that opens a ticket; the use case validates it
// with the same rules as the API.
type ticketForm struct {
	Ente        string
	Subject     string
	Description string
	Service     string
	Channel     string
}

func parseTicketForm(r *http.Request, p domain.Principal) (ticketForm, app.OpenTicket) {
	f := ticketForm{Ente: strings.TrimSpace(r.PostFormValue("ente")), Subject: strings.TrimSpace(r.PostFormValue("oggetto")),
		Description: strings.TrimSpace(r.PostFormValue("descrizione")), Service: strings.TrimSpace(r.PostFormValue("servizio")),
		Channel: r.PostFormValue("canale")}
	if p.Role == domain.RoleEnte {
		f.Ente = p.EnteCode
		f.Channel = string(domain.ChannelPortal)
	}
	return f, app.OpenTicket{Ente: f.Ente, Subject: f.Subject, Description: f.Description,
		Service: f.Service, Channel: domain.Channel(f.Channel)}
}

func (h *Handler) ticketNew(w http.ResponseWriter, r *http.Request, s *session) {
	h.render(w, r, s, "ticket_new", "Nuovo ticket", map[string]any{"Form": ticketForm{}, "Staff": s.P.IsStaff()})
}

func (h *Handler) ticketCreate(w http.ResponseWriter, r *http.Request, s *session) {
	f, n := parseTicketForm(r, s.P)
	t, err := h.tickets.Open(r.Context(), s.P, n)
	if err != nil {
		if msgs := fieldMessages(err); msgs != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			h.render(w, r, s, "ticket_new", "Nuovo ticket", map[string]any{"Form": f, "Errors": msgs, "Staff": s.P.IsStaff()})
			return
		}
		h.errorPage(w, r, s, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/ticket/%d?creato=1", t.ID), http.StatusSeeOther)
}

// fieldNames are the form's names for the use case's fields.
var fieldNames = map[string]string{"subject": "Oggetto", "description": "Descrizione", "service": "Servizio",
	"channel": "Canale", "ente": "Ente", "body": "Testo", "level": "Livello", "username": "Nome utente",
	"password": "Password", "role": "Ruolo", "code": "Codice", "name": "Nome", "kind": "Tipo",
	"ced_multiente": "CED Multiente", "month": "Mese", "day": "Giorno", "year": "Anno", "from_year": "Dal",
	"reason": "Motivo", "azione": "Azione", "waiting_on": "In attesa di", "until": "Fino a"}

// fieldMessages turns a validation error into messages for the form, or
// nil when err is not about the input.
func fieldMessages(err error) []string {
	switch domain.ErrorCode(err) {
	case domain.CodeInvalid, domain.CodeUnprocessable:
	default:
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return []string{"I dati inviati non sono validi: " + err.Error()}
	}
	var out []string
	for _, fe := range de.Fields {
		out = append(out, fmt.Sprintf("%s: %s", label(fieldNames, fe.Field), fe.Detail))
	}
	return out
}
