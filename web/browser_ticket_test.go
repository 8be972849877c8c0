package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestBrowserWaitAndResume: an operator puts a ticket on hold from its
// page and the reply clock's pause shows; the ente sees that the desk
// waits on it, in the public history only; a stale page cannot resume;
// the operator resumes and the pause is counted.
func TestBrowserWaitAndResume(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "anna", "ente", 0, "firenze")
		d.user(t, "olga", "operator", 1, "")
		_, anna := d.signedIn(t, "anna")
		tk, err := d.svc.Tickets.Open(context.Background(), anna, app.OpenTicket{Subject: "Modulo SUAP bloccato",
			Description: "Il modulo non si invia.", Service: "suap", Channel: domain.ChannelPortal})
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(tk.ID)
		b := newBrowser(t, path, d.url)

		b.signIn("olga", password)
		b.open("/ticket/" + id)
		if n, err := chromedp.Run(b.step(), chromedp.Evaluate[int](`document.querySelectorAll('#form-attesa').length`)); err != nil || n != 0 {
			t.Errorf("a new ticket offers the wait form (%d, %v); it must be taken in charge first", n, err)
		}
		b.submit(`button[value=take_in_charge]`)
		// A bad until is the form's error; what was typed stays.
		b.do(chromedp.SetValue(chromedp.CSS("#attesa-di"), "ente"),
			chromedp.SetValue(chromedp.CSS("#fino-a"), time.Now().Add(-48*time.Hour).Format("2006-01-02T15:04")),
			chromedp.SetValue(chromedp.CSS("#motivo-attesa"), "Ci serve il numero di pratica."))
		if st := b.submit(`button[value=wait]`); st != http.StatusUnprocessableEntity && st != 0 {
			t.Errorf("a wait until the past answered %d, want 422", st)
		}
		if msg := b.text(".alert-danger"); !strings.Contains(msg, "Fino a") {
			t.Errorf("a wait until the past: the page says %q", msg)
		}
		if kept, err := chromedp.Run(b.step(), chromedp.Value(chromedp.CSS("#motivo-attesa"))); err != nil || kept != "Ci serve il numero di pratica." {
			t.Errorf("the reason typed is lost: %q (%v)", kept, err)
		}
		b.do(chromedp.SetValue(chromedp.CSS("#fino-a"), ""))
		b.submit(`button[value=wait]`)
		if got := b.text("#attesa"); !strings.Contains(got, "Ente") || !strings.Contains(got, "numero di pratica") {
			t.Errorf("the waiting state reads %q", got)
		}
		if got := b.text("#sla-SLA_7 .pausa"); !strings.HasPrefix(got, "In pausa dal") {
			t.Errorf("the reply clock's pause reads %q, want In pausa dal …", got)
		}
		b.checkA11y("ticket-in-attesa")
		b.open("/ticket?attesa=si")
		if got := b.text("#elenco-ticket"); !strings.Contains(got, "Modulo SUAP bloccato") || !strings.Contains(got, "In attesa") {
			t.Errorf("the queue of waiting tickets reads %q", got)
		}
		b.open("/ticket?attesa=no")
		if strings.Contains(b.text("main"), "Modulo SUAP bloccato") {
			t.Error("the queue of tickets not waiting lists the waiting one")
		}
		b.signOut()

		// The ente sees that the desk waits on it, with the reason.
		b.signIn("anna", password)
		if got := b.text("#elenco-ticket"); !strings.Contains(got, "In attesa di una vostra risposta") {
			t.Errorf("I miei ticket does not say the desk waits on the ente: %q", got)
		}
		b.open("/ticket/" + id)
		if got := b.text("#attesa-ente"); !strings.Contains(got, "numero di pratica") {
			t.Errorf("the ente's page reads %q", got)
		}
		if hist := b.text("#storico"); !strings.Contains(hist, "Messa in attesa") {
			t.Errorf("the public history lacks the wait: %q", hist)
		}
		if n, err := chromedp.Run(b.step(), chromedp.Evaluate[int](`document.querySelectorAll('#form-attesa, button[value=resume]').length`)); err != nil || n != 0 {
			t.Errorf("the ente's page has %d wait or resume controls (%v)", n, err)
		}
		b.checkA11y("ticket-ente-in-attesa")
		b.signOut()

		// A stale page cannot resume; the current one can.
		b.signIn("olga", password)
		b.open("/ticket/" + id)
		d.changeBehindTheScenes(t, "olga", id)
		b.submit(`button[value=resume]`)
		if _, err := chromedp.Run(b.step(), chromedp.Query(chromedp.CSS("#pagina-superata"))); err != nil {
			t.Errorf("a stale resume got no warning: %q", b.text("main"))
		}
		if got := b.text("#attesa"); !strings.Contains(got, "Ente") {
			t.Errorf("after a stale resume the page shows %q, want the ticket still waiting", got)
		}
		b.submit(`button[value=resume]`)
		if n, err := chromedp.Run(b.step(), chromedp.Evaluate[int](`document.querySelectorAll('#attesa').length`)); err != nil || n != 0 {
			t.Errorf("after resuming the ticket still shows as waiting (%d, %v)", n, err)
		}
		if hist := b.text("#storico"); !strings.Contains(hist, "Ripresa dall'attesa") {
			t.Errorf("the history lacks the resume: %q", hist)
		}
		got, err := d.svc.Tickets.Get(context.Background(), anna, tk.ID)
		if err != nil || got.Waiting != nil {
			t.Fatalf("after resuming the ticket is %+v (%v), want not waiting", got.Waiting, err)
		}
		// The pause counted on the clock's basis (working time: none when
		// the test runs out of hours) is what the page shows, and the
		// deadline is the moved one.
		for _, c := range got.Clocks {
			if c.Code != domain.SLAFirstReply {
				continue
			}
			want := "—"
			if c.Paused > 0 {
				want = "In pausa per " + pauseText(c.Paused) + " in tutto"
			}
			if got := b.text("#sla-SLA_7 .pausa"); got != want {
				t.Errorf("after resuming the reply clock's pause reads %q, want %q", got, want)
			}
			if got := b.text("#sla-SLA_7 td:nth-child(2)"); got != c.Deadline.In(rome(t)).Format("02/01/2006 15:04") {
				t.Errorf("after resuming the reply deadline reads %q, want %v", got, c.Deadline.In(rome(t)))
			}
		}
	})
}

// TestBrowserBackdatedTicket: an operator logs a phone call after it came
// in, naming when it arrived; a time beyond the back-date window is the
// form's error with nothing typed lost; ente staff get no such field.
func TestBrowserBackdatedTicket(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "anna", "ente", 0, "firenze")
		d.user(t, "olga", "operator", 1, "")
		b := newBrowser(t, path, d.url)

		b.signIn("anna", password)
		b.open("/ticket/nuovo")
		if n, err := chromedp.Run(b.step(), chromedp.Evaluate[int](`document.querySelectorAll('#ricevuto-il').length`)); err != nil || n != 0 {
			t.Errorf("the ente's form has %d received-at fields (%v), want none", n, err)
		}
		b.signOut()

		b.signIn("olga", password)
		b.open("/ticket/nuovo")
		tooOld := time.Now().Add(-domain.DefaultBackdateWindow - 24*time.Hour).In(rome(t)).Format("2006-01-02T15:04")
		b.do(chromedp.SetValue(chromedp.CSS("#ente"), "firenze"), chromedp.SetValue(chromedp.CSS("#canale"), "email"),
			chromedp.SetValue(chromedp.CSS("#oggetto"), "Telefonata: PEC non ricevute"),
			chromedp.SetValue(chromedp.CSS("#servizio"), "gestione_documentale"),
			chromedp.SetValue(chromedp.CSS("#descrizione"), "Chiamata del protocollo, registrata dopo."),
			chromedp.SetValue(chromedp.CSS("#ricevuto-il"), tooOld))
		b.submit(`form[action="/ticket/nuovo"] button[type=submit]`)
		if msg := b.text(".alert-danger"); !strings.Contains(msg, "Ricevuto il") || !strings.Contains(msg, "giorni") {
			t.Errorf("a report older than the window: the page says %q", msg)
		}
		for sel, want := range map[string]string{"#ente": "firenze", "#canale": "email", "#oggetto": "Telefonata: PEC non ricevute",
			"#servizio": "gestione_documentale", "#descrizione": "Chiamata del protocollo, registrata dopo.", "#ricevuto-il": tooOld} {
			if got, err := chromedp.Run(b.step(), chromedp.Value(chromedp.CSS(sel))); err != nil || got != want {
				t.Errorf("after the error %s holds %q (%v), want %q", sel, got, err, want)
			}
		}
		b.checkA11y("nuovo-ticket-errore")
		received := time.Now().Add(-2 * time.Hour).In(rome(t)).Truncate(time.Minute)
		b.do(chromedp.SetValue(chromedp.CSS("#ricevuto-il"), received.Format("2006-01-02T15:04")))
		b.submit(`form[action="/ticket/nuovo"] button[type=submit]`)
		m := ticketURL.FindStringSubmatch(b.location())
		if m == nil {
			t.Fatalf("after opening a back-dated ticket the page is %s: %q", b.location(), b.text("main"))
		}
		if got := b.text("#aperto-il"); got != received.Format("02/01/2006 15:04") {
			t.Errorf("the ticket says it was opened %q, want %s", got, received.Format("02/01/2006 15:04"))
		}
		if _, err := chromedp.Run(b.step(), chromedp.Query(chromedp.CSS("#registrato-il"))); err != nil {
			t.Errorf("a back-dated ticket does not say when it was entered: %q", b.text("main"))
		}
		_, olga := d.signedIn(t, "olga")
		var id int64
		fmt.Sscan(m[1], &id)
		tk, err := d.svc.Tickets.Get(context.Background(), olga, id)
		if err != nil || !tk.OpenedAt.Equal(received) || tk.Channel != domain.ChannelEmail {
			t.Errorf("the stored ticket was received %v by %s (%v), want %v by email", tk.OpenedAt, tk.Channel, err, received)
		}
	})
}

// TestBrowserQueueNextPage: past its first hundred the queue goes on
// behind "Pagina successiva", by SLA due, no ticket twice and none missed.
func TestBrowserQueueNextPage(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "olga", "operator", 1, "")
		_, olga := d.signedIn(t, "olga")
		want := map[string]bool{}
		for i := range 101 {
			tk, err := d.svc.Tickets.Open(context.Background(), olga, app.OpenTicket{Ente: "firenze", Subject: fmt.Sprintf("Coda %d", i),
				Description: "x", Service: "sito_web", Channel: domain.ChannelEmail})
			if err != nil {
				t.Fatal(err)
			}
			want[fmt.Sprint(tk.ID)] = true
		}
		b := newBrowser(t, path, d.url)
		b.signIn("olga", password)
		listed := func() []string {
			t.Helper()
			ids, err := chromedp.Run(b.step(), chromedp.Evaluate[[]string](`[...document.querySelectorAll('#elenco-ticket tbody tr td:first-child')].map(c => c.textContent.trim())`))
			if err != nil {
				t.Fatal(err)
			}
			return ids
		}
		first := listed()
		if len(first) != 100 {
			t.Fatalf("the first page lists %d tickets, want 100", len(first))
		}
		if got := b.text("#elenco-ticket caption"); !strings.Contains(got, "In tutto: 101") {
			t.Errorf("the caption reads %q", got)
		}
		b.checkA11y("coda-prima-pagina")
		b.submit("#pagina-successiva")
		second := listed()
		seen := map[string]bool{}
		for _, id := range append(first, second...) {
			if seen[id] || !want[id] {
				t.Errorf("ticket %s listed twice or unknown", id)
			}
			seen[id] = true
		}
		if len(seen) != len(want) {
			t.Errorf("the two pages list %d tickets, want %d", len(seen), len(want))
		}
		if n, err := chromedp.Run(b.step(), chromedp.Evaluate[int](`document.querySelectorAll('#pagina-successiva').length`)); err != nil || n != 0 {
			t.Errorf("the last page has a next link (%d, %v)", n, err)
		}
		if st := b.open("/ticket?dopo=rotto"); st != http.StatusUnprocessableEntity {
			t.Errorf("a broken page mark answered %d, want 422", st)
		}
		b.open("/ticket")
		b.submit("#pagina-successiva")
		b.submit("#prima-pagina")
		if got := listed(); len(got) != 100 || got[0] != first[0] {
			t.Errorf("back on the first page: %d tickets from %v, want 100 from %s", len(got), got[:min(1, len(got))], first[0])
		}
	})
}
