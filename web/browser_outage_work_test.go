package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestBrowserOutageWork: an operator records an outage on the pages,
// records its intervention's start (a stale form changes nothing), tells
// the affected ente's offices by e-mail through the notice use case (over
// a local SMTP sink: the send becomes the SLA.9 notice time) and is told
// which ente's users nobody could reach; without SMTP the page says e-mail
// is not configured. The affected ente's user reads the outage, another
// ente's user gets 404; forms without their CSRF token are refused.
func TestBrowserOutageWork(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		sink := jobstest.NewSMTPSink(t)
		mailing := app.NewMailing(s, time.Now)
		jobstest.Start(t, s, jobs.Config{Mailing: mailing, SMTP: sink.Config(t), Retry: domain.DefaultWebhookRetry(),
			Guard: &jobs.Guard{AllowPrivate: true}})
		d := startDeskWith(t, s, func(svc *Services) { svc.Notices = mailing })
		plain := startDesk(t, s) // cmd/helpdesk without HELPDESK_SMTP_URL
		d.user(t, "olga", "operator", 1, "")
		d.user(t, "anna", "ente", 0, "firenze")
		d.user(t, "bruno", "ente", 0, "fiesole")
		ctx := context.Background()
		office := "protocollo@comune.fi.example"
		if _, err := app.NewEnti(s, time.Now, time.UTC).Update(ctx, "firenze", app.EnteChange{OfficeEmail: &office}, app.AnyVersion); err != nil {
			t.Fatal(err)
		}
		loc := rome(t)
		start := time.Now().Add(-10 * time.Minute).Truncate(time.Minute)
		interv := start.Add(5 * time.Minute)
		text := "Il database CSDB1 non risponde: stiamo intervenendo."
		b := newBrowser(t, path, d.url)

		b.signIn("olga", password)
		b.open("/interruzioni")
		if st := b.submit("#nuova-interruzione"); st != http.StatusOK {
			t.Fatalf("open the new outage form: status %d", st)
		}
		b.checkA11y("interruzione-nuova")
		if st := b.post("/interruzioni/nuova", url.Values{"sistemi": {"CSDB1"}, "enti": {"firenze"}, "inizio": {start.In(loc).Format(localMinute)}}); st != http.StatusForbidden {
			t.Errorf("create an outage without the CSRF token: status %d, want 403", st)
		}
		// Neither a system nor an ente: the use case's rule, in Italian.
		b.do(chromedp.SetValue(chromedp.CSS("#inizio"), start.In(loc).Format(localMinute)))
		if st := b.submit(`form[action="/interruzioni/nuova"] button[type=submit]`); st != http.StatusUnprocessableEntity ||
			!strings.Contains(b.text(".alert-danger"), "almeno un sistema o un ente") {
			t.Errorf("an outage affecting nothing: status %d, page %q", st, b.text("main"))
		}
		b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('sistema-CSDB1').checked = true`),
			chromedp.SetValue(chromedp.CSS("#enti"), "firenze"), chromedp.SetValue(chromedp.CSS("#inizio"), start.In(loc).Format(localMinute)),
			chromedp.SetValue(chromedp.CSS("#causa"), "Disco pieno sul nodo primario"), chromedp.SetValue(chromedp.CSS("#testo-pubblico"), text))
		if st := b.submit(`form[action="/interruzioni/nuova"] button[type=submit]`); st != http.StatusOK || !strings.Contains(b.text("main"), "Interruzione registrata") {
			t.Fatalf("create the outage: status %d, page %q", st, b.text("main"))
		}
		page := strings.TrimPrefix(strings.SplitN(b.location(), "?", 2)[0], d.url)
		var id int64
		if _, err := fmt.Sscanf(page, "/interruzioni/%d", &id); err != nil {
			t.Fatalf("the outage's page is %q", page)
		}
		m := app.NewMonitoring(s, time.Now)
		o, err := m.Outage(ctx, id, "")
		if err != nil || o.Planned || !o.StartedAt.Equal(start) || o.PublicText != text || len(o.Enti) != 1 || len(o.Systems) != 1 {
			t.Fatalf("the outage recorded: %+v, %v", o, err)
		}
		if start.In(loc).Year() == time.Now().In(loc).Year() {
			b.open("/interruzioni")
			if st := b.submit(fmt.Sprintf(`#elenco-interruzioni a[href="%s"]`, page)); st != http.StatusOK || b.text("h1") != fmt.Sprintf("Interruzione n. %d", id) {
				t.Errorf("the list's link: status %d, page %q", st, b.text("h1"))
			}
		}

		// The intervention starts; the page's version goes with it.
		b.open(page)
		b.do(chromedp.SetValue(chromedp.CSS("#inizio-intervento"), interv.In(loc).Format(localMinute)))
		if st := b.submit(`#registra-intervento button[type=submit]`); st != http.StatusOK || !strings.Contains(b.text("main"), "Modifiche registrate") {
			t.Fatalf("record the intervention: status %d, page %q", st, b.text("main"))
		}
		if o, _ = m.Outage(ctx, id, ""); o.InterventionStartedAt == nil || !o.InterventionStartedAt.Equal(interv) || o.Cause != "Disco pieno sul nodo primario" {
			t.Errorf("after recording the intervention: %+v", o)
		}
		// A colleague changes the cause after the page was read: the
		// stale form changes nothing and shows the current state.
		colleague := "Disco pieno: log non ruotati"
		if _, err := m.PatchOutage(ctx, id, app.OutagePatch{Cause: &colleague}); err != nil {
			t.Fatal(err)
		}
		b.do(chromedp.SetValue(chromedp.CSS("#causa"), "Guasto hardware"))
		if st := b.submit(`#registra-intervento button[type=submit]`); st != http.StatusConflict || !strings.Contains(b.text("#dati-interruzione"), colleague) {
			t.Errorf("a stale form: status %d, page %q", st, b.text("main"))
		}
		b.text("#pagina-superata")
		if o, _ = m.Outage(ctx, id, ""); o.Cause != colleague {
			t.Errorf("the stale form changed the cause to %q", o.Cause)
		}
		// Bad input is refused with a page, never a 500, and changes nothing.
		token, err := chromedp.Run(b.step(), chromedp.Evaluate[string](`document.querySelector('input[name=csrf]').value`))
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct {
			path string
			form url.Values
			want int
		}{
			{"/interruzioni/nuova", url.Values{"sistemi": {"CSDB1"}, "inizio": {"ieri"}}, http.StatusUnprocessableEntity},
			{"/interruzioni/nuova", url.Values{"sistemi": {"NESSUNO"}, "enti": {"atlantide"}, "inizio": {start.In(loc).Format(localMinute)}}, http.StatusUnprocessableEntity},
			{page, url.Values{"versione": {"1"}, "inizio_intervento": {"domani"}}, http.StatusUnprocessableEntity},
			{page, url.Values{"versione": {"x"}, "causa": {"Altro"}}, http.StatusConflict},
			{page, url.Values{"versione": {"99"}, "fine": {start.Add(-time.Hour).In(loc).Format(localMinute)}}, http.StatusConflict},
			{page + "/avvisi", url.Values{"destinatari": {"tutti"}}, http.StatusUnprocessableEntity},
			{"/interruzioni/abc/avvisi", url.Values{"destinatari": {"offices"}}, http.StatusNotFound},
			{"/interruzioni/999999", url.Values{"versione": {"1"}, "causa": {"Altro"}}, http.StatusNotFound},
		} {
			bad.form.Set("csrf", token)
			if st := b.post(bad.path, bad.form); st != bad.want {
				t.Errorf("POST %s %v: status %d, want %d", bad.path, bad.form, st, bad.want)
			}
		}
		if o, _ = m.Outage(ctx, id, ""); o.Cause != colleague || o.EndedAt != nil {
			t.Errorf("bad input changed the outage: %+v", o)
		}
		if got := b.text("#sla9"); got != "In attesa" {
			t.Errorf("SLA.9 before any notice: %q", got)
		}
		b.checkA11y("interruzione-operatore")

		if st := b.post(page+"/avvisi", url.Values{"destinatari": {"offices"}}); st != http.StatusForbidden {
			t.Errorf("a notice without the CSRF token: status %d, want 403", st)
		}
		if st := b.submit("#avvisa-uffici"); st != http.StatusOK || !strings.Contains(b.text("#esito-avviso"), "1 e-mail in coda") {
			t.Fatalf("notify the offices: status %d, page %q", st, b.text("main"))
		}
		jobstest.WaitFor(t, "the office notice's send", func() bool {
			o, err := m.Outage(ctx, id, "")
			return err == nil && o.OfficesNoticeAt != nil
		})
		if ms := sink.Mails(); len(ms) != 1 || ms[0].To != office || !strings.Contains(ms[0].Body, text) {
			t.Errorf("the mails sent: %+v", ms)
		}
		b.open(page)
		if got := b.text("#sla9"); got != "Rispettato" {
			t.Errorf("SLA.9 after the office notice, sent within 30 minutes of the intervention: %q", got)
		}
		// Anna has no address: nobody of the ente's users can be told.
		if st := b.submit("#avvisa-utenti"); st != http.StatusUnprocessableEntity ||
			!strings.Contains(b.text("#esito-avviso"), "firenze: l'ente non ha utenti attivi con un indirizzo e-mail") {
			t.Errorf("notify the users: status %d, page %q", st, b.text("main"))
		}

		// An outage monitoring proposed is confirmed before anyone is told.
		proposed, err := s.CreateOutage(ctx, domain.Outage{StartedAt: start, Proposed: true, Systems: []string{"CSDB1"}, Enti: []string{"firenze"},
			PublicText: text, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()})
		if err != nil {
			t.Fatal(err)
		}
		b.open(fmt.Sprintf("/interruzioni/%d", proposed.ID))
		if got := b.text("#dati-interruzione"); !strings.Contains(got, "da confermare") {
			t.Errorf("a proposed outage's page: %q", got)
		}
		if st := b.submit("#avvisa-uffici"); st != http.StatusUnprocessableEntity || !strings.Contains(b.text("#errori"), "confermala prima") {
			t.Errorf("notify about a proposed outage: status %d, page %q", st, b.text("main"))
		}
		b.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('conferma').checked = true`))
		if st := b.submit(`#registra-intervento button[type=submit]`); st != http.StatusOK || strings.Contains(b.text("#dati-interruzione"), "da confermare") {
			t.Errorf("confirm the proposed outage: status %d, page %q", st, b.text("main"))
		}
		if o, _ := m.Outage(ctx, proposed.ID, ""); o.Proposed {
			t.Errorf("the confirmed outage is still proposed")
		}

		// The same pages without SMTP say so (the session cookie is the
		// host's, whatever the port, and both desks share store and key).
		nomail := *b
		nomail.base = plain.url
		nomail.open(page)
		if st := nomail.submit("#avvisa-uffici"); st != http.StatusServiceUnavailable || !strings.Contains(nomail.text("#esito-avviso"), "e-mail non configurata") {
			t.Errorf("a notice without SMTP: status %d, page %q", st, nomail.text("main"))
		}
		b.open(page)
		b.signOut()

		b.signIn("bruno", password)
		if st := b.open(page); st != http.StatusNotFound {
			t.Errorf("another ente's user opens the outage: status %d, want 404", st)
		}
		b.signOut()
		b.signIn("anna", password)
		if st := b.open(page); st != http.StatusOK || !strings.Contains(b.text("#dati-interruzione"), text) {
			t.Errorf("the affected ente's user opens the outage: status %d", st)
		}
		if n := b.count("form#registra-intervento, #avvisa-uffici, #avvisa-utenti"); n != 0 {
			t.Errorf("the ente user's page has %d of the operator's forms", n)
		}
		b.checkA11y("interruzione-ente")
		if st := b.open("/interruzioni/nuova"); st != http.StatusForbidden {
			t.Errorf("an ente user opens the new outage form: status %d, want 403", st)
		}
		b.signOut()
	})
}

// count is how many elements match sel.
func (b *browser) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}
