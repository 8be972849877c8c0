package app

import (
	"context"
	"fmt"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// MailStore is what the e-mail use cases need from persistence.
type MailStore interface {
	GetUser(ctx context.Context, id int64) (domain.User, error)
	ListUsers(ctx context.Context) ([]domain.User, error)
	Calendar(ctx context.Context, enteCode string) (domain.Calendar, error)
	LogMail(ctx context.Context, m domain.Mail) (domain.Mail, error)
	MailOutcome(ctx context.Context, id int64, status domain.MailStatus, errText string, sentAt *time.Time) error
	ListMail(ctx context.Context, limit int) ([]domain.Mail, error)

	// For outage notices: the outage, its enti and systems, and the
	// notice time recorded with the send's outcome in one transaction.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	GetOutage(ctx context.Context, id int64) (domain.Outage, error)
	UpdateOutage(ctx context.Context, id int64, fn func(*domain.Outage) error) (domain.Outage, error)
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	MonitoringSystems(ctx context.Context) ([]domain.MonitoringSystem, error)
}

// MailRequest is what an event tells the mail rules.
type MailRequest struct {
	Type       domain.EventType
	At         time.Time
	TicketID   int64 // or the intervention's id for intervention events
	EnteCode   string
	Subject    string // the ticket's subject, or the intervention's description
	ReporterID int64  // who opened the ticket or requested the intervention
	AssigneeID *int64
	Level      domain.Level
	ToStatus   string
	Body       string // the reply, the resolution, the reason or the outcome
	ClockCode  string
	Deadline   time.Time
	PlannedAt  *time.Time
	Webhook    string // webhook.disabled: the URL and why
}

// The kinds of mail an event may give; which one is the mail rules' first
// choice, a pure function of the event (mailCase).
type mailKind int

const (
	mailNone mailKind = iota
	mailReporterTicket
	mailReporterIntervention
	mailOperatorsSLA
	mailAdminsWebhook
)

func (r MailRequest) mailCase() mailKind {
	switch {
	case r.Type == domain.EventTicketReplied,
		r.Type == domain.EventTicketStatusChanged && (r.ToStatus == string(domain.StatusRisolto) || r.ToStatus == string(domain.StatusNonDiCompetenza)):
		return mailReporterTicket
	case r.Type == domain.EventInterventionSchedule || r.Type == domain.EventInterventionDone:
		return mailReporterIntervention
	case r.Type == domain.EventSLAWarning || r.Type == domain.EventSLABreached:
		return mailOperatorsSLA
	case r.Type == domain.EventWebhookDisabled:
		return mailAdminsWebhook
	}
	return mailNone
}

// MayMail reports whether the event could give any mail at all, whoever
// the recipients turn out to be: false means Plan returns none, whatever
// the users.
func (r MailRequest) MayMail() bool { return r.mailCase() != mailNone }

// Mailing decides who is told what by e-mail, and keeps every send with
// its outcome.
type Mailing struct {
	store MailStore
	now   Clock
	queue MailQueue
}

// NewMailing builds the e-mail use cases.
func NewMailing(store MailStore, now Clock) *Mailing { return &Mailing{store: store, now: now} }

// Plan returns the mails an event gives, logged as queued: the reporter
// of an ente's ticket at once when it is replied to, resolved or closed
// as not competent, and when an intervention is scheduled or completed;
// operators on an SLA warning or breach, within the ente's working hours;
// admins when a webhook is disabled. Users without an address, inactive
// or opted out get none.
func (u *Mailing) Plan(ctx context.Context, r MailRequest) ([]domain.Mail, error) {
	var (
		to      []domain.User
		subject string
		body    string
		sendAt  = r.At
		err     error
	)
	ticket := &r.TicketID
	switch r.mailCase() {
	case mailReporterTicket:
		if to, err = u.reporter(ctx, r.ReporterID); err != nil {
			return nil, err
		}
		subject, body = ticketMail(r)
	case mailReporterIntervention:
		if to, err = u.reporter(ctx, r.ReporterID); err != nil {
			return nil, err
		}
		ticket = nil
		subject, body = interventionMail(r)
	case mailOperatorsSLA:
		if to, err = u.operators(ctx, r.AssigneeID, r.Level); err != nil {
			return nil, err
		}
		cal, err := u.store.Calendar(ctx, r.EnteCode)
		if err != nil {
			return nil, err
		}
		sendAt = cal.NextOpen(r.At)
		subject, body = slaMail(r, cal.Location)
	case mailAdminsWebhook:
		if to, err = u.byRole(ctx, domain.RoleAdmin, 0); err != nil {
			return nil, err
		}
		ticket = nil
		subject = "Webhook disattivato"
		body = "Il webhook " + r.Webhook + " è stato disattivato perché le consegne non riuscivano da un giorno.\n"
	}
	now := u.now.read()
	var out []domain.Mail
	for _, usr := range to {
		m, err := u.store.LogMail(ctx, domain.Mail{Kind: r.Type, To: usr.Email, Subject: subject, Body: body,
			TicketID: ticket, Status: domain.MailQueued, CreatedAt: now, SendAt: sendAt})
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// reporter is the ente user who reported, if they get mail.
func (u *Mailing) reporter(ctx context.Context, id int64) ([]domain.User, error) {
	if id == 0 {
		return nil, nil
	}
	usr, err := u.store.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if usr.Role != domain.RoleEnte || !usr.Mailable() {
		return nil, nil
	}
	return []domain.User{usr}, nil
}

// operators are the ticket's assignee, or with none the operators of its
// level.
func (u *Mailing) operators(ctx context.Context, assignee *int64, level domain.Level) ([]domain.User, error) {
	if assignee != nil {
		usr, err := u.store.GetUser(ctx, *assignee)
		if err != nil {
			return nil, err
		}
		if usr.Mailable() {
			return []domain.User{usr}, nil
		}
		return nil, nil
	}
	return u.byRole(ctx, domain.RoleOperator, level)
}

func (u *Mailing) byRole(ctx context.Context, role domain.Role, level domain.Level) ([]domain.User, error) {
	all, err := u.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.User
	for _, usr := range all {
		if usr.Role == role && (level == 0 || usr.Level == level) && usr.Mailable() {
			out = append(out, usr)
		}
	}
	return out, nil
}

// Outcome records how the send of a logged mail went; the send of an
// outage notice that succeeds records its time as the outage's notice
// time, in the same transaction, unless one is recorded already.
func (u *Mailing) Outcome(ctx context.Context, m domain.Mail, sendErr error) error {
	if sendErr != nil {
		return u.store.MailOutcome(ctx, m.ID, domain.MailFailed, sendErr.Error(), nil)
	}
	now := u.now.read()
	if m.OutageID == nil || m.Notice == "" {
		return u.store.MailOutcome(ctx, m.ID, domain.MailSent, "", &now)
	}
	return u.store.InTx(ctx, func(ctx context.Context) error {
		if err := u.store.MailOutcome(ctx, m.ID, domain.MailSent, "", &now); err != nil {
			return err
		}
		return u.recordNotice(ctx, m, now)
	})
}

// Log returns the latest sends, newest first.
func (u *Mailing) Log(ctx context.Context, limit int) ([]domain.Mail, error) {
	if limit < 1 || limit > 100 {
		limit = 100
	}
	return u.store.ListMail(ctx, limit)
}

func ticketMail(r MailRequest) (subject, body string) {
	switch {
	case r.Type == domain.EventTicketReplied:
		subject = fmt.Sprintf("Risposta alla segnalazione n. %d: %s", r.TicketID, r.Subject)
		body = fmt.Sprintf("Gentile utente,\nil Centro Servizi Territoriale ha risposto alla sua segnalazione n. %d (%s):\n\n%s\n", r.TicketID, r.Subject, r.Body)
	case r.ToStatus == string(domain.StatusRisolto):
		subject = fmt.Sprintf("Segnalazione n. %d risolta: %s", r.TicketID, r.Subject)
		body = fmt.Sprintf("Gentile utente,\nla sua segnalazione n. %d (%s) è stata risolta.\n\n%s\n", r.TicketID, r.Subject, r.Body)
	default:
		subject = fmt.Sprintf("Segnalazione n. %d chiusa: non di competenza", r.TicketID)
		body = fmt.Sprintf("Gentile utente,\nla sua segnalazione n. %d (%s) è stata chiusa perché non di competenza del Centro Servizi Territoriale.\n\n%s\n", r.TicketID, r.Subject, r.Body)
	}
	return subject, body + "\nQuesto messaggio è inviato automaticamente: per rispondere usi il portale del servizio di assistenza.\n"
}

func interventionMail(r MailRequest) (subject, body string) {
	if r.Type == domain.EventInterventionSchedule {
		when := ""
		if r.PlannedAt != nil {
			when = " per il " + r.PlannedAt.Format("02/01/2006 15:04")
		}
		return fmt.Sprintf("Intervento n. %d programmato", r.TicketID),
			fmt.Sprintf("Gentile utente,\nl'intervento n. %d (%s) è stato programmato%s.\n", r.TicketID, r.Subject, when)
	}
	return fmt.Sprintf("Intervento n. %d completato", r.TicketID),
		fmt.Sprintf("Gentile utente,\nl'intervento n. %d (%s) è stato completato.\n\n%s\n", r.TicketID, r.Subject, r.Body)
}

func slaMail(r MailRequest, loc *time.Location) (subject, body string) {
	if loc == nil {
		loc = time.UTC
	}
	deadline := r.Deadline.In(loc).Format("02/01/2006 15:04")
	if r.Type == domain.EventSLABreached {
		return fmt.Sprintf("%s scaduto: segnalazione n. %d", r.ClockCode, r.TicketID),
			fmt.Sprintf("Lo SLA %s della segnalazione n. %d (%s, ente %s) è scaduto il %s.\n", r.ClockCode, r.TicketID, r.Subject, r.EnteCode, deadline)
	}
	return fmt.Sprintf("%s in scadenza: segnalazione n. %d", r.ClockCode, r.TicketID),
		fmt.Sprintf("Lo SLA %s della segnalazione n. %d (%s, ente %s) scade il %s.\n", r.ClockCode, r.TicketID, r.Subject, r.EnteCode, deadline)
}
