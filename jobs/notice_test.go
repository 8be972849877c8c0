package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// mailDesk is a queue that sends mail to a local SMTP sink.
type mailDesk struct {
	sink    *jobstest.SMTPSink
	mailing *app.Mailing
	queue   *jobs.Queue
}

func startMailDesk(t *testing.T, s *repository.Store, clock func() time.Time, cfg jobs.Config) mailDesk {
	t.Helper()
	sink := jobstest.NewSMTPSink(t)
	mailing := app.NewMailing(s, clock)
	cfg.Retry, cfg.Guard, cfg.Mailing, cfg.SMTP = fastRetry, &jobs.Guard{AllowPrivate: true}, mailing, sink.Config(t)
	return mailDesk{sink: sink, mailing: mailing, queue: jobstest.Start(t, s, cfg)}
}

// sentLog waits until the mail logged as id is sent, and returns it.
func (d mailDesk) sentLog(t *testing.T, id int64) domain.Mail {
	t.Helper()
	var got domain.Mail
	jobstest.WaitFor(t, fmt.Sprintf("the send of mail %d", id), func() bool {
		log, err := d.mailing.Log(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range log {
			if m.ID == id && m.Status == domain.MailSent {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// TestOutageNoticeToOfficesRecordsTheSendTime over a local SMTP sink: the
// notice to offices goes to each affected ente's office address with the
// outage's public text, an ente with none is reported, the send's time
// becomes the outage's office notice time (SLA.9 met within 30 minutes of
// the intervention's start, missed after), a later send or a time set by
// hand is not moved, the users' notice goes to the enti's mailable users,
// and a notice whose transaction rolls back sends nothing.
func TestOutageNoticeToOfficesRecordsTheSendTime(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startMailDesk(t, s, time.Now, jobs.Config{})
		ctx := context.Background()
		enti := app.NewEnti(s, time.Now, time.UTC)
		office := "protocollo@comune.fi.example"
		if _, err := enti.Update(ctx, "firenze", app.EnteChange{OfficeEmail: &office}, app.AnyVersion); err != nil {
			t.Fatal(err)
		}
		bad := "not an address"
		if _, err := enti.Update(ctx, "fiesole", app.EnteChange{OfficeEmail: &bad}, app.AnyVersion); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("office_email %q: %v, want invalid", bad, err)
		}
		m := app.NewMonitoring(s, time.Now)
		now := time.Now().UTC()
		outage := func(interventionAgo time.Duration) domain.Outage {
			t.Helper()
			started, began := now.Add(-interventionAgo-5*time.Minute), now.Add(-interventionAgo)
			text, systems, affected := "Il portale dei servizi non risponde: stiamo intervenendo.", []string{"CSCMS"}, []string{"firenze", "fiesole"}
			o, err := m.CreateOutage(ctx, started, app.OutagePatch{InterventionStartedAt: &began, PublicText: &text, Systems: &systems, Enti: &affected})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		o := outage(10 * time.Minute)

		abort := errors.New("abort")
		err := s.InTx(ctx, func(ctx context.Context) error {
			if _, err := d.mailing.SendOutageNotice(ctx, o.ID, domain.NoticeOffices); err != nil {
				return err
			}
			return abort
		})
		if !errors.Is(err, abort) {
			t.Fatalf("InTx: %v", err)
		}

		res, err := d.mailing.SendOutageNotice(ctx, o.ID, domain.NoticeOffices)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Queued) != 1 || res.Queued[0].Ente != "firenze" || res.Queued[0].Mail.To != office {
			t.Fatalf("queued %+v, want one mail to firenze's offices", res.Queued)
		}
		if len(res.Untold) != 1 || res.Untold[0].Ente != "fiesole" || !strings.Contains(res.Untold[0].Reason, "office") {
			t.Fatalf("untold %+v, want fiesole without an office address", res.Untold)
		}
		sent := d.sentLog(t, res.Queued[0].Mail.ID)
		time.Sleep(300 * time.Millisecond) // the rolled back notice must not come
		ms := d.sink.Mails()
		if len(ms) != 1 || ms[0].To != office {
			t.Fatalf("sink got %+v, want one mail to %s", ms, office)
		}
		for _, want := range []string{"Il portale dei servizi non risponde", "non programmata", "Portale dei servizi (CSCMS)", "Gentili uffici di Firenze", "Inizio: "} {
			if !strings.Contains(ms[0].Subject+"\n"+ms[0].Body, want) {
				t.Errorf("the notice lacks %q:\n%s\n%s", want, ms[0].Subject, ms[0].Body)
			}
		}
		got, err := m.Outage(ctx, o.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.OfficesNoticeAt == nil || sent.SentAt == nil || !got.OfficesNoticeAt.Equal(*sent.SentAt) {
			t.Fatalf("office notice at %v, want the send time %v", got.OfficesNoticeAt, sent.SentAt)
		}
		if got.UsersNoticeAt != nil {
			t.Errorf("users notice at %v: only offices were told", got.UsersNoticeAt)
		}
		if sla := got.SLA9(time.Now()); sla != domain.NoticeMet {
			t.Errorf("SLA.9 %s, want met (told 10 minutes after the intervention began)", sla)
		}

		// A second send is mailed, but the first one's time stays.
		again, err := d.mailing.SendOutageNotice(ctx, o.ID, domain.NoticeOffices)
		if err != nil {
			t.Fatal(err)
		}
		d.sentLog(t, again.Queued[0].Mail.ID)
		if got2, _ := m.Outage(ctx, o.ID, ""); !got2.OfficesNoticeAt.Equal(*got.OfficesNoticeAt) {
			t.Errorf("a later send moved the notice from %v to %v", got.OfficesNoticeAt, got2.OfficesNoticeAt)
		}

		// Told 40 minutes after the intervention began: SLA.9 missed.
		late := outage(40 * time.Minute)
		res, err = d.mailing.SendOutageNotice(ctx, late.ID, domain.NoticeOffices)
		if err != nil {
			t.Fatal(err)
		}
		d.sentLog(t, res.Queued[0].Mail.ID)
		if got, _ := m.Outage(ctx, late.ID, ""); got.OfficesNoticeAt == nil || got.SLA9(time.Now()) != domain.NoticeMissed {
			t.Errorf("late notice at %v: SLA.9 %s, want missed", got.OfficesNoticeAt, got.SLA9(time.Now()))
		}

		// A time set by hand is the first notice: a send does not move it.
		byHand := outage(5 * time.Minute)
		told := now.Add(-2 * time.Minute).Truncate(time.Second)
		if _, err := m.PatchOutage(ctx, byHand.ID, app.OutagePatch{OfficesNoticeAt: &told}); err != nil {
			t.Fatal(err)
		}
		res, err = d.mailing.SendOutageNotice(ctx, byHand.ID, domain.NoticeOffices)
		if err != nil {
			t.Fatal(err)
		}
		d.sentLog(t, res.Queued[0].Mail.ID)
		if got, _ := m.Outage(ctx, byHand.ID, ""); !got.OfficesNoticeAt.Equal(told) {
			t.Errorf("notice set by hand at %v moved to %v", told, got.OfficesNoticeAt)
		}

		// Users: the mailable ente users of the affected enti.
		mkUser(t, s, domain.User{Username: "anna", Role: domain.RoleEnte, EnteCode: "firenze", Email: "anna@comune.fi.example"})
		mkUser(t, s, domain.User{Username: "muto", Role: domain.RoleEnte, EnteCode: "firenze", Email: "muto@comune.fi.example", EmailOptOut: true})
		mkUser(t, s, domain.User{Username: "altrove", Role: domain.RoleEnte, EnteCode: "scandicci", Email: "x@comune.scandicci.example"})
		res, err = d.mailing.SendOutageNotice(ctx, o.ID, domain.NoticeUsers)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Queued) != 1 || res.Queued[0].Mail.To != "anna@comune.fi.example" || len(res.Untold) != 1 || res.Untold[0].Ente != "fiesole" {
			t.Fatalf("users' notice queued %+v, untold %+v", res.Queued, res.Untold)
		}
		sent = d.sentLog(t, res.Queued[0].Mail.ID)
		if got, _ := m.Outage(ctx, o.ID, ""); got.UsersNoticeAt == nil || !got.UsersNoticeAt.Equal(*sent.SentAt) {
			t.Errorf("users notice at %v, want %v", got.UsersNoticeAt, sent.SentAt)
		}
		if n := len(d.sink.Mails()); n != 5 {
			t.Errorf("sink got %d mails, want 5", n)
		}
		if log, _ := d.mailing.Log(ctx, 100); len(log) != 5 {
			t.Errorf("mail log has %d sends, want 5 (none of the rolled back notice)", len(log))
		}

		// Nobody to tell: refused, nothing queued.
		lonely := "fiesole"
		nobody := []string{lonely}
		if _, err := m.PatchOutage(ctx, late.ID, app.OutagePatch{Enti: &nobody}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.mailing.SendOutageNotice(ctx, late.ID, domain.NoticeOffices); domain.ErrorCode(err) != domain.CodeUnprocessable ||
			!strings.Contains(err.Error(), "nobody") {
			t.Fatalf("notice to nobody: %v, want unprocessable", err)
		}
	})
}
