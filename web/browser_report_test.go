package web

import (
	"context"
	"fmt"
	"io"
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

// cells reads the body rows of a table on the page, cell by cell.
func (b *browser) cells(table string) [][]string {
	b.t.Helper()
	out, err := chromedp.Run(b.step(), chromedp.Evaluate[[][]string](`[...document.querySelectorAll('`+table+` tbody tr')].map(r => [...r.children].map(c => c.textContent.trim()))`))
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

// download fetches a link of the page with the browser's cookies.
func (b *browser) download(sel string) (string, []byte) {
	b.t.Helper()
	href, err := chromedp.Run(b.step(), chromedp.Evaluate[string](`document.querySelector('`+sel+`').getAttribute('href')`))
	if err != nil {
		b.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, b.base+href, nil)
	for _, c := range b.cookies() {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("download %s: %s %.200q", href, resp.Status, body)
	}
	return href, body
}

// sameHelpDesk compares the page's help-desk table with the API's rows.
func sameHelpDesk(t *testing.T, cells [][]string, apiRows [][2]apiCounts) {
	t.Helper()
	if len(apiRows) != len(cells) {
		t.Fatalf("help-desk table has %d rows, the API %d", len(cells), len(apiRows))
	}
	for i, r := range apiRows {
		cur, prev := r[0], r[1]
		exp := []string{itNumber(prev.Gestiti), itNumber(cur.Gestiti), itNumber(cur.Risolto), itNumber(cur.NonDiCompetenza), itNumber(cur.Aperto), itNumber(cur.Nuovo)}
		c := cells[i]
		if g := []string{c[1], c[2], c[4], c[5], c[6], c[7]}; strings.Join(g, "|") != strings.Join(exp, "|") {
			t.Errorf("help-desk row %d = %v, the API says %v", i, g, exp)
		}
	}
}

// TestBrowserReportAsOf: the annual report page with "Dati al" shows the
// API's figures with the same as_of, its downloads carry it, and a bad
// date is the form's error.
func TestBrowserReportAsOf(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "olga", "operator", 1, "")
		_, olga := d.signedIn(t, "olga")
		ctx := context.Background()
		loc := rome(t)
		now := time.Now()
		// A call logged three days late, resolved now; another ticket now.
		received := now.Add(-72 * time.Hour).Truncate(time.Minute)
		old, err := d.svc.Tickets.Open(ctx, olga, app.OpenTicket{Ente: "firenze", Subject: "Telefonata di lunedì", Description: "x",
			Service: "sito_web", Channel: domain.ChannelPhone, ReceivedAt: received})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []domain.Action{domain.ActionTakeInCharge, domain.ActionResolve} {
			if _, err := d.svc.Tickets.Apply(ctx, olga, old.ID, a, "", app.AnyVersion); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.svc.Tickets.Open(ctx, olga, app.OpenTicket{Ente: "firenze", Subject: "Oggi", Description: "x",
			Service: "sito_web", Channel: domain.ChannelPhone}); err != nil {
			t.Fatal(err)
		}
		day := now.Add(-48 * time.Hour).In(loc)
		asOf, year := day.Format("2006-01-02"), day.Year()
		b := newBrowser(t, path, d.url)
		b.signIn("olga", password)
		b.open(fmt.Sprintf("/report?anno=%d", year))
		b.do(chromedp.SetValue(chromedp.CSS("#al"), asOf))
		b.submit(`form[action="/report"] button[type=submit]`)
		if got := b.text("#dati-al"); !strings.Contains(got, day.Format("02/01/2006")+" 23:59") {
			t.Errorf("the page reads %q, want the end of %s", got, asOf)
		}
		b.checkA11y("relazione-annuale-al")
		cells := b.cells("#tabella-help-desk")
		apiRows := d.apiAnnualHelpDesk(t, "olga", year, "as_of="+asOf)
		sameHelpDesk(t, cells, apiRows)
		// Then, the late call was new and today's ticket did not exist.
		if total := apiRows[len(apiRows)-1][0]; received.In(loc).Year() == year && (total.Gestiti != 1 || total.Nuovo != 1 || total.Risolto != 0) {
			t.Errorf("the API's report as of %s counts %+v, want the one new ticket", asOf, total)
		}
		sla := b.cells("#tabella-sla")
		apiSLA := d.apiAnnualSLATable(t, "olga", year, "as_of="+asOf)
		if len(sla) != len(apiSLA) || len(sla) == 0 {
			t.Fatalf("SLA table has %d rows, the API %d", len(sla), len(apiSLA))
		}
		for i, r := range apiSLA {
			if g := []string{sla[i][0], sla[i][2], sla[i][3], sla[i][4]}; strings.Join(g, "|") != strings.Join(r, "|") {
				t.Errorf("SLA row %d with as_of = %v, the API says %v", i, g, r)
			}
		}
		// The downloads carry the date: the file is the API's with as_of.
		href, body := b.download(`a[href*="/csv?sezione=help_desk"]`)
		if !strings.Contains(href, "al="+asOf) {
			t.Errorf("the CSV link %s does not carry al=%s", href, asOf)
		}
		if want := d.apiRaw(t, "olga", fmt.Sprintf("/api/v1/reports/annual/%d?section=help_desk&locale=it&as_of=%s", year, asOf), "text/csv"); string(body) != string(want) {
			t.Errorf("the page's CSV with al is\n%s\nthe API's with as_of\n%s", body, want)
		}
		if now := d.apiRaw(t, "olga", fmt.Sprintf("/api/v1/reports/annual/%d?section=help_desk&locale=it", year), "text/csv"); string(now) == string(body) {
			t.Errorf("the CSV as of %s is the CSV of now; the date is not applied", asOf)
		}
		// A date in the future is the form's error; the figures are now's.
		if st := b.open(fmt.Sprintf("/report?anno=%d&al=%d-01-01", year, year+2)); st != http.StatusUnprocessableEntity {
			t.Errorf("a future al answered %d, want 422", st)
		}
		if msg := b.text(".alert-danger"); !strings.Contains(msg, "Dati al") {
			t.Errorf("a future al: the page says %q", msg)
		}
	})
}
