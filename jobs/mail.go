package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	gomail "github.com/wneessen/go-mail"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// SMTP is where mail goes: HELPDESK_SMTP_URL and HELPDESK_SMTP_FROM.
type SMTP struct {
	Host, User, Password, From string
	Port                       int
	TLS                        string // none, starttls or tls
}

// ParseSMTPURL reads smtp://user:pass@host:port?tls=none|starttls|tls;
// credentials are optional, TLS defaults to starttls.
func ParseSMTPURL(raw, from string) (SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return SMTP{}, fmt.Errorf("HELPDESK_SMTP_URL must look like smtp://user:pass@host:587?tls=starttls")
	}
	s := SMTP{Host: u.Hostname(), From: from, TLS: u.Query().Get("tls")}
	if s.TLS == "" {
		s.TLS = "starttls"
	}
	if s.TLS != "none" && s.TLS != "starttls" && s.TLS != "tls" {
		return SMTP{}, fmt.Errorf("HELPDESK_SMTP_URL: tls must be none, starttls or tls, not %q", s.TLS)
	}
	s.Port = map[string]int{"none": 25, "starttls": 587, "tls": 465}[s.TLS]
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil {
			return SMTP{}, fmt.Errorf("HELPDESK_SMTP_URL: bad port %q", p)
		}
	}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if from == "" {
		return SMTP{}, fmt.Errorf("HELPDESK_SMTP_FROM is required with HELPDESK_SMTP_URL")
	}
	return s, nil
}

// send delivers one mail over SMTP with go-mail.
func (s SMTP) send(ctx context.Context, to, subject, body string) error {
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(20 * time.Second)}
	switch s.TLS {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "tls":
		opts = append(opts, gomail.WithSSLPort(false))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(s.User), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return err
	}
	m := gomail.NewMsg()
	if err := m.From(s.From); err != nil {
		return err
	}
	if err := m.To(to); err != nil {
		return err
	}
	m.Subject(subject)
	m.SetBodyString(gomail.TypeTextPlain, body)
	return c.DialAndSendWithContext(ctx, m)
}

// mailArgs is one mail to send; its log row says how it went.
type mailArgs struct {
	LogID   int64  `json:"log_id"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	// An outage notice: its send's time is the outage's notice time.
	OutageID int64                 `json:"outage_id,omitempty"`
	Notice   domain.NoticeAudience `json:"notice,omitempty"`
}

func (mailArgs) Kind() string { return "mail" }

func (mailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

type mailWorker struct {
	river.WorkerDefaults[mailArgs]
	q *Queue
}

func (w *mailWorker) Work(ctx context.Context, job *river.Job[mailArgs]) error {
	a := job.Args
	err := w.q.cfg.SMTP.send(ctx, a.To, a.Subject, a.Body)
	m := domain.Mail{ID: a.LogID, Notice: a.Notice}
	if a.OutageID != 0 {
		m.OutageID = &a.OutageID
	}
	if oerr := w.q.cfg.Mailing.Outcome(ctx, m, err); oerr != nil {
		return oerr
	}
	return err
}

// mailRequest is what a notice tells the mail rules.
func mailRequest(n domain.Notice) *app.MailRequest {
	r := &app.MailRequest{Type: n.Type, At: n.At}
	switch {
	case n.Ticket != nil:
		t := n.Ticket
		r.TicketID, r.EnteCode, r.Subject, r.ReporterID, r.AssigneeID, r.Level = t.ID, t.EnteCode, t.Subject, t.OpenedBy, t.AssigneeID, t.Level
		if n.Event != nil {
			r.ToStatus, r.Body = string(n.Event.ToStatus), n.Event.Body
		}
		if n.Clock != nil {
			r.ClockCode, r.Deadline = string(n.Clock.Code), n.Clock.Deadline
		}
	case n.Intervention != nil:
		iv := n.Intervention
		r.TicketID, r.EnteCode, r.Subject, r.ReporterID, r.PlannedAt, r.Body = iv.ID, iv.EnteCode, iv.Description, iv.RequestedBy, iv.PlannedAt, iv.Outcome
	case n.Webhook != nil:
		r.Webhook = n.Webhook.URL + " (" + n.Webhook.DisabledReason + ")"
	}
	return r
}

// planMails asks the mail rules for the mails of a fan-out, inside its
// transaction, and returns their jobs.
func (q *Queue) planMails(ctx context.Context, a fanoutArgs) ([]river.InsertManyParams, error) {
	if q.cfg.Mailing == nil || a.Mail == nil {
		return nil, nil
	}
	mails, err := q.cfg.Mailing.Plan(ctx, *a.Mail)
	if err != nil {
		return nil, err
	}
	return q.mailJobs(mails), nil
}

// mailJobs are the send jobs of logged mails, each scheduled at its
// SendAt.
func (q *Queue) mailJobs(mails []domain.Mail) []river.InsertManyParams {
	out := make([]river.InsertManyParams, len(mails))
	for i, m := range mails {
		opts := &river.InsertOpts{MaxAttempts: 10}
		if m.SendAt.After(q.cfg.Now()) {
			opts.ScheduledAt = m.SendAt
		}
		args := mailArgs{LogID: m.ID, To: m.To, Subject: m.Subject, Body: m.Body, Notice: m.Notice}
		if m.OutageID != nil {
			args.OutageID = *m.OutageID
		}
		out[i] = river.InsertManyParams{Args: args, InsertOpts: opts}
	}
	return out
}

// QueueMails inserts the send jobs of logged mails in the transaction ctx
// carries (app.MailQueue).
func (q *Queue) QueueMails(ctx context.Context, mails []domain.Mail) error {
	tx := q.cfg.TxOf(ctx)
	if tx == nil {
		return errors.New("queue mails: the jobs must be inserted inside the change's transaction")
	}
	if len(mails) == 0 {
		return nil
	}
	_, err := q.client.InsertManyTx(ctx, tx, q.mailJobs(mails))
	return err
}
