package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestBrowserOutages: an ente user reads the outages that affect her
// ente and no other; an operator reads them all and prints SLA.11's
// malfunction report with the causes, which ente users cannot open.
func TestBrowserOutages(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "anna", "ente", 0, "firenze")
		d.user(t, "olga", "operator", 1, "")
		ctx := context.Background()
		m := app.NewMonitoring(s, time.Now)
		start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
		if time.Now().In(rome(t)).YearDay() == 1 {
			start = time.Now().Add(-time.Hour).Truncate(time.Minute) // stay in this year
		}
		end, interv, notice := start.Add(90*time.Minute), start.Add(5*time.Minute), start.Add(20*time.Minute)
		own, foreign := "Database CSDB1 non raggiungibile", "Portale di Fiesole fermo"
		for _, o := range []struct {
			enti        []string
			cause, text string
		}{{[]string{"firenze", "fiesole"}, "Disco pieno sul nodo primario", own}, {[]string{"fiesole"}, "Certificato scaduto", foreign}} {
			enti, cause, text, planned := o.enti, o.cause, o.text, false
			if _, err := m.CreateOutage(ctx, start, app.OutagePatch{EndedAt: &end, InterventionStartedAt: &interv, OfficesNoticeAt: &notice,
				Planned: &planned, Cause: &cause, PublicText: &text, Systems: &[]string{"CSDB1"}, Enti: &enti}); err != nil {
				t.Fatal(err)
			}
		}
		b := newBrowser(t, path, d.url)

		b.signIn("anna", password)
		b.open("/interruzioni")
		got := b.text("#elenco-interruzioni")
		if !strings.Contains(got, own) || strings.Contains(got, foreign) {
			t.Errorf("the ente user's outages: %q, want %q and not %q", got, own, foreign)
		}
		if !strings.Contains(got, "90 min") || !strings.Contains(got, "Rispettato") {
			t.Errorf("the outage lacks its duration or SLA.9 outcome: %q", got)
		}
		b.checkA11y("interruzioni-ente")
		if st := b.open("/report/interruzioni"); st != http.StatusForbidden {
			t.Errorf("an ente user opens the malfunction report: status %d", st)
		}
		b.signOut()

		b.signIn("olga", password)
		b.open("/interruzioni")
		if got := b.text("#elenco-interruzioni"); !strings.Contains(got, own) || !strings.Contains(got, foreign) {
			t.Errorf("the operator's outages: %q, want both", got)
		}
		b.open("/report/interruzioni")
		b.checkA11y("relazione-malfunzionamenti")
		rep := b.text("#tabella-malfunzionamenti")
		for _, want := range []string{"Disco pieno sul nodo primario", "Certificato scaduto"} {
			if !strings.Contains(rep, want) {
				t.Errorf("the malfunction report lacks the cause %q: %q", want, rep)
			}
		}
		want, _ := domain.MeasureSLA11(time.Date(time.Now().In(rome(t)).Year(), 1, 1, 0, 0, 0, 0, rome(t)),
			time.Date(time.Now().In(rome(t)).Year()+1, 1, 1, 0, 0, 0, 0, rome(t)), nil).ItalianSLA11()
		if got := b.text("#sla11"); !strings.Contains(got, want) {
			t.Errorf("SLA.11 reads %q, want the measured %q", got, want)
		}
		if st := b.open("/interruzioni?anno=1"); st != http.StatusBadRequest {
			t.Errorf("a year out of range: status %d", st)
		}
		b.signOut()
	})
}
