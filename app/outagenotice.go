package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// MailQueue queues logged mails for sending, inside the transaction ctx
// carries, so that a rollback sends nothing.
type MailQueue interface {
	QueueMails(ctx context.Context, mails []domain.Mail) error
}

// SetQueue gives the use cases that queue mail themselves (outage
// notices) the queue; the queue is built with the Mailing, hence after it.
func (u *Mailing) SetQueue(q MailQueue) { u.queue = q }

// NoticeRecipient is one mail an outage notice queued.
type NoticeRecipient struct {
	Ente string
	Mail domain.Mail
}

// OutageNoticeResult is what sending an outage notice did: the mails
// queued, and the affected enti that nobody could be told at.
type OutageNoticeResult struct {
	Outage   domain.Outage
	Audience domain.NoticeAudience
	Queued   []NoticeRecipient
	Untold   []UntoldEnte
}

// UntoldEnte is an affected ente the notice could not reach, and why.
type UntoldEnte struct {
	Ente   string
	Reason string // one of the Untold* reasons
}

// Why a notice could not reach an ente, as the API answers it; the pages
// say each in Italian.
const (
	UntoldNoOfficeAddress = "no office address (office_email)"
	UntoldNoMailableUser  = "no active user with an e-mail address who has not opted out"
)

// SendOutageNotice queues, in one transaction, an Italian e-mail with
// the outage's public text, systems, start and kind to every office
// address of the affected enti (NoticeOffices, SLA.9) or to every active
// user of those enti with an address who has not opted out (NoticeUsers,
// SLA.10). The notice time is recorded when a send succeeds (Outcome).
// An ente nobody can be told at is in Untold; when nobody at all can be,
// nothing is queued and the answer is unprocessable.
func (u *Mailing) SendOutageNotice(ctx context.Context, id int64, a domain.NoticeAudience) (OutageNoticeResult, error) {
	res := OutageNoticeResult{Audience: a}
	if u.queue == nil {
		return res, errors.New("outage notices: the mailing has no queue")
	}
	err := u.store.InTx(ctx, func(ctx context.Context) error {
		o, err := u.store.GetOutage(ctx, id)
		if err != nil {
			return err
		}
		if err := o.CanSendNotice(a); err != nil {
			return err
		}
		res.Outage = o
		to, untold, err := u.noticeRecipients(ctx, o.Enti, a)
		if err != nil {
			return err
		}
		res.Untold = untold
		if len(to) == 0 {
			fe := make([]domain.FieldError, len(untold))
			for i, ut := range untold {
				fe[i] = domain.FieldError{Field: "enti", Detail: ut.Ente + ": " + ut.Reason}
			}
			return &domain.Error{Code: domain.CodeUnprocessable, Message: fmt.Sprintf("nobody of the enti of outage %d can be told by e-mail", id), Fields: fe}
		}
		names, err := u.systemNames(ctx)
		if err != nil {
			return err
		}
		now := u.now.read()
		mails := make([]domain.Mail, 0, len(to))
		for _, r := range to {
			cal, err := u.store.Calendar(ctx, r.Ente)
			if err != nil {
				return err
			}
			subject, body := outageMail(o, r.name, names, cal.Location)
			m, err := u.store.LogMail(ctx, domain.Mail{Kind: a.MailKind(), To: r.Mail.To, Subject: subject, Body: body,
				OutageID: &o.ID, Notice: a, Status: domain.MailQueued, CreatedAt: now, SendAt: now})
			if err != nil {
				return err
			}
			mails = append(mails, m)
			res.Queued = append(res.Queued, NoticeRecipient{Ente: r.Ente, Mail: m})
		}
		return u.queue.QueueMails(ctx, mails)
	})
	if err != nil {
		return OutageNoticeResult{Audience: a, Untold: res.Untold}, err
	}
	return res, nil
}

// noticeRecipient is where one mail of a notice goes, and whom it greets.
type noticeRecipient struct {
	NoticeRecipient
	name string
}

// noticeRecipients are the addresses of the audience in the enti, by
// ente, and the enti without any.
func (u *Mailing) noticeRecipients(ctx context.Context, enti []string, a domain.NoticeAudience) ([]noticeRecipient, []UntoldEnte, error) {
	var users []domain.User
	if a == domain.NoticeUsers {
		var err error
		if users, err = u.store.ListUsers(ctx); err != nil {
			return nil, nil, err
		}
	}
	var (
		to     []noticeRecipient
		untold []UntoldEnte
	)
	for _, code := range enti {
		e, err := u.store.GetEnte(ctx, code)
		if err != nil {
			return nil, nil, err
		}
		n := len(to)
		if a == domain.NoticeOffices {
			if e.OfficeEmail == "" {
				untold = append(untold, UntoldEnte{Ente: code, Reason: UntoldNoOfficeAddress})
				continue
			}
			to = append(to, noticeRecipient{NoticeRecipient{Ente: code, Mail: domain.Mail{To: e.OfficeEmail}}, "Gentili uffici di " + e.Name})
			continue
		}
		for _, usr := range users {
			if usr.Role == domain.RoleEnte && usr.EnteCode == code && usr.Mailable() {
				to = append(to, noticeRecipient{NoticeRecipient{Ente: code, Mail: domain.Mail{To: usr.Email}}, "Gentile utente"})
			}
		}
		if len(to) == n {
			untold = append(untold, UntoldEnte{Ente: code, Reason: UntoldNoMailableUser})
		}
	}
	return to, untold, nil
}

// systemNames maps the monitored systems' codes to their names.
func (u *Mailing) systemNames(ctx context.Context) (map[string]string, error) {
	systems, err := u.store.MonitoringSystems(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(systems))
	for _, s := range systems {
		out[s.Code] = s.Name
	}
	return out, nil
}

// errNoticeKept says a send found the notice time already recorded.
var errNoticeKept = errors.New("the notice time was already recorded")

// recordNotice records a successful send of an outage notice as its time,
// unless one is recorded (domain.Outage.RecordNotice).
func (u *Mailing) recordNotice(ctx context.Context, m domain.Mail, at time.Time) error {
	_, err := u.store.UpdateOutage(ctx, *m.OutageID, func(o *domain.Outage) error {
		if !o.RecordNotice(m.Notice, at) {
			return errNoticeKept
		}
		o.UpdatedAt = at
		return nil
	})
	if errors.Is(err, errNoticeKept) || domain.ErrorCode(err) == domain.CodeNotFound {
		return nil // a retried send must not be sent again for this
	}
	return err
}

// outageMail is the Italian notice of an outage.
func outageMail(o domain.Outage, greet string, names map[string]string, loc *time.Location) (subject, body string) {
	if loc == nil {
		loc = time.UTC
	}
	kind := "non programmata"
	if o.Planned {
		kind = "programmata"
	}
	systems := make([]string, len(o.Systems))
	for i, code := range o.Systems {
		systems[i] = code
		if n := names[code]; n != "" {
			systems[i] = n + " (" + code + ")"
		}
	}
	slices.Sort(systems)
	what := strings.Join(systems, ", ")
	if what == "" {
		what = "servizi del Centro Servizi Territoriale"
	}
	subject = fmt.Sprintf("Interruzione %s n. %d: %s", kind, o.ID, what)
	var b strings.Builder
	fmt.Fprintf(&b, "%s,\n", greet)
	fmt.Fprintf(&b, "il Centro Servizi Territoriale comunica un'interruzione %s del servizio.\n\n", kind)
	fmt.Fprintf(&b, "Sistemi interessati: %s\n", what)
	fmt.Fprintf(&b, "Inizio: %s\n", o.StartedAt.In(loc).Format("02/01/2006 15:04"))
	if o.EndedAt != nil {
		fmt.Fprintf(&b, "Fine: %s\n", o.EndedAt.In(loc).Format("02/01/2006 15:04"))
	} else {
		b.WriteString("Fine: in corso\n")
	}
	fmt.Fprintf(&b, "\n%s\n\nQuesto messaggio è inviato automaticamente dal Centro Servizi Territoriale.\n", strings.TrimSpace(o.PublicText))
	return subject, b.String()
}
