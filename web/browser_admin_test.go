package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// post sends a form with the browser's cookies but outside the browser,
// as a forged cross-site request would; it returns the status.
func (b *browser) post(path string, form url.Values) int {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range b.cookies() {
		req.AddCookie(c)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBrowserAdminJourney: an administrator manages users, enti with their
// closures and the SLA targets from the pages, through the use cases the
// API calls; nobody else reaches those pages; forms need their CSRF token.
func TestBrowserAdminJourney(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "amelia", "admin", 0, "")
		d.user(t, "olga", "operator", 1, "")
		d.user(t, "anna", "ente", 0, "firenze")
		ctx := context.Background()
		b := newBrowser(t, path, d.url)

		for _, who := range []string{"olga", "anna"} {
			b.signIn(who, password)
			for _, p := range []string{"/admin/utenti", "/admin/enti", "/admin/enti/firenze", "/admin/sla"} {
				if st := b.open(p); st != http.StatusForbidden {
					t.Errorf("%s opens %s: status %d, want 403", who, p, st)
				}
			}
			b.signOut()
		}

		b.signIn("amelia", password)
		b.open("/admin/utenti")
		b.checkA11y("admin-utenti")
		if st := b.post("/admin/utenti", url.Values{"utente": {"intrusa"}, "password": {password}, "ruolo": {"admin"}}); st != http.StatusForbidden {
			t.Errorf("create a user without the CSRF token: status %d, want 403", st)
		}
		// A password under the policy is refused with the field named.
		b.do(chromedp.SetValue(chromedp.CSS("#utente"), "carla"), chromedp.SetValue(chromedp.CSS("#password"), "corta"),
			chromedp.SetValue(chromedp.CSS("#ruolo"), "ente"), chromedp.SetValue(chromedp.CSS("#ente"), "firenze"))
		if st := b.submit(`form[action="/admin/utenti"] button[type=submit]`); st != http.StatusUnprocessableEntity || !strings.Contains(b.text(".alert-danger"), "Password") {
			t.Errorf("short password: status %d, page %q", st, b.text("main"))
		}
		b.do(chromedp.SetValue(chromedp.CSS("#password"), password))
		b.submit(`form[action="/admin/utenti"] button[type=submit]`)
		if h1 := b.text("h1"); h1 != "Utente carla" {
			t.Fatalf("after creating the user the page is %q: %q", h1, b.text("main"))
		}
		b.checkA11y("admin-utente")
		carla, err := d.svc.Auth.Login(ctx, "carla", password, "192.0.2.10")
		if err != nil {
			t.Fatalf("the new user cannot sign in: %v", err)
		}
		// Revoking the sessions ends carla's.
		b.submit(`button[value=revoca]`)
		if _, err := d.svc.Auth.Refresh(ctx, carla.Refresh); err == nil {
			t.Error("carla's session survived the revocation")
		}
		// Disabling: she can no longer sign in; then she is enabled again.
		b.submit(`button[value=disattiva]`)
		if got := b.text("#stato-utente"); got != "Disattivato" {
			t.Errorf("after disabling the status reads %q", got)
		}
		if _, err := d.svc.Auth.Login(ctx, "carla", password, "192.0.2.10"); err == nil {
			t.Error("a disabled user signs in")
		}
		b.submit(`button[value=riattiva]`)
		// A reset password replaces the old one.
		newPW := "un'altra-password-lunga"
		b.do(chromedp.SetValue(chromedp.CSS("#nuova-password"), newPW))
		b.submit(`form:has(#nuova-password) button[type=submit]`)
		if _, err := d.svc.Auth.Login(ctx, "carla", newPW, "192.0.2.10"); err != nil {
			t.Errorf("the reset password does not sign in: %v", err)
		}
		// A stale page changes nothing and says so.
		u, err := s.UserByUsername(ctx, "carla")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.svc.Users.Update(ctx, u.ID, app.AccountChange{Active: new(bool)}, app.AnyVersion); err != nil {
			t.Fatal(err)
		}
		b.submit(`button[value=disattiva]`)
		if _, err := chromedp.Run(b.step(), chromedp.Query(chromedp.CSS("#pagina-superata"))); err != nil {
			t.Errorf("a stale user page got no warning: %q", b.text("main"))
		}

		// Enti: add one, change it, give it a patron saint's day, remove it.
		b.open("/admin/enti")
		b.checkA11y("admin-enti")
		b.do(chromedp.SetValue(chromedp.CSS("#codice"), "nuovo-comune"), chromedp.SetValue(chromedp.CSS("#nome"), "Comune di Prova"))
		b.submit(`form[action="/admin/enti"] button[type=submit]`)
		if h1 := b.text("h1"); h1 != "Comune di Prova" {
			t.Fatalf("after adding the ente the page is %q: %q", h1, b.text("main"))
		}
		b.do(chromedp.SetValue(chromedp.CSS("#nome"), "Comune di Prova Nuova"), chromedp.SetValue(chromedp.CSS("#email_uffici"), "protocollo@prova.example"))
		b.submit(`form[action="/admin/enti/nuovo-comune"] button[type=submit]`)
		if e, err := d.svc.Enti.Get(ctx, "nuovo-comune"); err != nil || e.Name != "Comune di Prova Nuova" || e.OfficeEmail != "protocollo@prova.example" {
			t.Errorf("after the change the ente is %+v, %v", e, err)
		}
		b.do(chromedp.SetValue(chromedp.CSS("#giorno"), "24"), chromedp.SetValue(chromedp.CSS("#mese"), "6"),
			chromedp.SetValue(chromedp.CSS("#motivo"), "San Giovanni"))
		b.submit(`form[action="/admin/enti/nuovo-comune/chiusure"] button[type=submit]`)
		if got := b.text("#chiusure"); !strings.Contains(got, "24 giugno") || !strings.Contains(got, "San Giovanni") {
			t.Errorf("the closure is not listed: %q", got)
		}
		b.checkA11y("admin-ente")
		cal, err := s.Calendar(ctx, "nuovo-comune")
		if err != nil {
			t.Fatal(err)
		}
		if june24 := time.Date(2027, 6, 24, 10, 0, 0, 0, rome(t)); cal.IsWorkingDay(june24) {
			t.Error("24 June is still a working day for the ente after the closure")
		}
		if st := b.post("/admin/enti/nuovo-comune/chiusure", url.Values{"data": {"2027-12-07"}}); st != http.StatusForbidden {
			t.Errorf("add a closure without the CSRF token: status %d, want 403", st)
		}
		b.submit(`#chiusure button[type=submit]`)
		if cls, _ := d.svc.Enti.Closures(ctx, "nuovo-comune"); len(cls) != 0 {
			t.Errorf("after deleting, the closures are %+v", cls)
		}

		// SLA targets.
		b.open("/admin/sla")
		b.checkA11y("admin-sla")
		b.do(chromedp.SetValue(chromedp.CSS("#SLA_6_minuti"), "90"))
		b.submit(`form[action="/admin/sla"] button[type=submit]`)
		ts, err := d.svc.Enti.SLATargets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ts[0].Code != domain.SLATakeInCharge || ts[0].Target != 90*time.Minute {
			t.Errorf("after saving, the targets are %+v", ts)
		}
		b.do(chromedp.SetValue(chromedp.CSS("#SLA_7_quota"), "101"))
		if st := b.submit(`form[action="/admin/sla"] button[type=submit]`); st != http.StatusUnprocessableEntity || !strings.Contains(b.text(".alert-danger"), "SLA.7") {
			t.Errorf("an expected share of 101%%: status %d, page %q", st, b.text("main"))
		}
		b.signOut()
	})
}
