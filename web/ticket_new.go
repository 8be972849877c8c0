package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

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
	Received    string // when the report arrived, as typed (2006-01-02T15:04, Rome); empty: now
}

// parseTicketForm reads the form; a received time that is not a date and
// time is the form's error, with the rest kept.
func (h *Handler) parseTicketForm(r *http.Request, p domain.Principal) (ticketForm, app.OpenTicket, []string) {
	f := ticketForm{Ente: strings.TrimSpace(r.PostFormValue("ente")), Subject: strings.TrimSpace(r.PostFormValue("oggetto")),
		Description: strings.TrimSpace(r.PostFormValue("descrizione")), Service: strings.TrimSpace(r.PostFormValue("servizio")),
		Channel: r.PostFormValue("canale"), Received: strings.TrimSpace(r.PostFormValue("ricevuto_il"))}
	if p.Role == domain.RoleEnte {
		f.Ente = p.EnteCode
		f.Channel = string(domain.ChannelPortal)
	}
	n := app.OpenTicket{Ente: f.Ente, Subject: f.Subject, Description: f.Description,
		Service: f.Service, Channel: domain.Channel(f.Channel)}
	if f.Received == "" {
		return f, n, nil
	}
	at, err := time.ParseInLocation("2006-01-02T15:04", f.Received, h.rome)
	if err != nil {
		return f, n, []string{"Ricevuto il: indica data e ora (gg/mm/aaaa hh:mm), oppure lascia vuoto se la segnalazione arriva ora."}
	}
	n.ReceivedAt = at.UTC()
	return f, n, nil
}

// newTicketPage is the data of the new-ticket form.
func (h *Handler) newTicketPage(s *session, f ticketForm, errs []string) map[string]any {
	return map[string]any{"Form": f, "Errors": errs, "Staff": s.P.IsStaff(), "Backdate": domain.MayBackdate(s.P.Role),
		"Channels":   domain.Channels,
		"WindowDays": int(domain.DefaultBackdateWindow / (24 * time.Hour))}
}

func (h *Handler) ticketNew(w http.ResponseWriter, r *http.Request, s *session) {
	h.render(w, r, s, "ticket_new", "Nuovo ticket", h.newTicketPage(s, ticketForm{}, nil))
}

func (h *Handler) ticketCreate(w http.ResponseWriter, r *http.Request, s *session) {
	f, n, errs := h.parseTicketForm(r, s.P)
	if errs != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		h.render(w, r, s, "ticket_new", "Nuovo ticket", h.newTicketPage(s, f, errs))
		return
	}
	t, err := h.tickets.Open(r.Context(), s.P, n)
	if err != nil {
		if msgs := fieldMessages(err); msgs != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			h.render(w, r, s, "ticket_new", "Nuovo ticket", h.newTicketPage(s, f, msgs))
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
	"reason": "Motivo", "azione": "Azione", "received_at": "Ricevuto il", "waiting_on": "In attesa di", "until": "Fino a",
	"started_at": "Inizio", "intervention_started_at": "Inizio dell'intervento", "ended_at": "Fine", "systems": "Sistemi",
	"enti": "Enti", "cause": "Causa", "public_text": "Avviso pubblico", "audience": "Destinatari"}

// fieldHints say in Italian what a field must be, where the use case's
// detail (English, for API clients) would not read well on a page.
var fieldHints = map[string]string{
	"received_at": fmt.Sprintf("non può essere nel futuro né più di %d giorni fa (le segnalazioni più vecchie si caricano con l'importazione)",
		int(domain.DefaultBackdateWindow/(24*time.Hour))),
	"until":                   "deve essere dopo adesso ed entro un anno",
	"waiting_on":              "scegli di chi si attende la risposta",
	"intervention_started_at": "non può essere prima dell'inizio dell'interruzione",
	"ended_at":                "deve essere dopo l'inizio dell'interruzione",
	"systems":                 "scegli almeno un sistema o un ente colpito, tra quelli elencati",
}

var channelLabels = map[domain.Channel]string{domain.ChannelPhone: "Telefono", domain.ChannelEmail: "Posta elettronica",
	domain.ChannelPortal: "Portale dei servizi", domain.ChannelContactCenter: "Contact center 055055"}

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
		detail := fe.Detail
		if h, ok := fieldHints[fe.Field]; ok {
			detail = h
		}
		out = append(out, fmt.Sprintf("%s: %s", label(fieldNames, fe.Field), detail))
	}
	return out
}
