package web

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

//go:embed testdata/axe.min.js
var axeSource string

// chromium finds Debian's Chromium. Without it the browser tests skip,
// unless HELPDESK_TEST_REQUIRE_BROWSER=1 makes that a failure (as in CI).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("HELPDESK_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("HELPDESK_TEST_REQUIRE_BROWSER") == "1" {
		t.Fatal("HELPDESK_TEST_REQUIRE_BROWSER=1 but Chromium is not installed (apt-get install -y chromium)")
	}
	t.Skip("Chromium is not installed; browser tests skipped")
	return ""
}

// browser is one headless Chromium with its own cookie jar.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func newBrowser(t *testing.T, path, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1280, 900), chromedp.UserDataDir(t.TempDir()))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	return &browser{t: t, ctx: ctx, base: base}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.step(), steps...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// open navigates and returns the HTTP status of the page.
func (b *browser) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit clicks a button that posts a form and waits for the next page.
func (b *browser) submit(button string) int64 {
	b.t.Helper()
	// A mark on the old document tells when the next one has replaced it.
	if _, err := chromedp.Run(b.step(), chromedp.Evaluate[chromedp.Void](`window.hdOld = true`)); err != nil {
		b.t.Fatal(err)
	}
	resp, err := chromedp.RunResponse(b.step(), chromedp.Click(chromedp.CSS(button)))
	for try := 0; err == nil || (try < 3 && strings.Contains(err.Error(), "Cannot find context")); try++ {
		// A poll that runs while the old document is torn down loses its
		// execution context; polling again on the new one is the answer.
		_, err = chromedp.Run(b.step(), chromedp.Poll[bool](`!window.hdOld && document.readyState === 'complete'`))
		if err == nil {
			break
		}
	}
	if err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		main, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("main")))
		b.t.Fatalf("submit %s: %v (page %s: %q)", button, err, loc, main)
	}
	if resp == nil {
		return 0 // the click's response was lost with its context; the page did load
	}
	return resp.Status
}

// step bounds one action, so a missing element fails fast.
func (b *browser) step() context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	b.t.Cleanup(cancel)
	return ctx
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.step(), chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (b *browser) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// serious runs axe-core on the page (WCAG 2.1 A/AA and best practices)
// and returns its serious and critical violations.
func (b *browser) serious() []axeViolation {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		b.t.Fatalf("load axe: %v", err)
	}
	vs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}}).then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe: %v", err)
	}
	var out []axeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}

// checkA11y fails on serious or critical axe violations of the page, and
// saves a screenshot of it when HELPDESK_SCREENSHOTS=1.
func (b *browser) checkA11y(name string) {
	b.t.Helper()
	for _, v := range b.serious() {
		b.t.Errorf("axe on %s: %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
	}
	if os.Getenv("HELPDESK_SCREENSHOTS") == "1" {
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

func (b *browser) signIn(username, password string) {
	b.t.Helper()
	b.open("/")
	b.do(chromedp.SetValue(chromedp.CSS("#username"), username), chromedp.SetValue(chromedp.CSS("#password"), password))
	if st := b.submit(`form[action="/accedi"] button[type=submit]`); st != http.StatusOK {
		b.t.Fatalf("sign in as %s: status %d, page %q", username, st, b.text("main"))
	}
}

func (b *browser) signOut() {
	b.t.Helper()
	b.submit(`form[action="/esci"] button`)
	if h1 := b.text("h1"); h1 != "Accedi" {
		b.t.Fatalf("after sign-out the page is %q, want the sign-in page", h1)
	}
}

// cookies returns the browser's cookies for the site.
func (b *browser) cookies() []*http.Cookie {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, func(ctx context.Context, t *chromedp.Target) (*network.GetCookiesResult, error) {
		r, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base}})
		return &r, err
	})
	if err != nil {
		b.t.Fatal(err)
	}
	var out []*http.Cookie
	for _, c := range res.Cookies {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

var ticketURL = regexp.MustCompile(`/ticket/(\d+)`)

func TestBrowserJourneys(t *testing.T) {
	path := chromium(t)
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "anna", "ente", 0, "firenze")
		d.user(t, "bruno", "ente", 0, "fiesole")
		d.user(t, "olga", "operator", 1, "")
		b := newBrowser(t, path, d.url)

		// The ente user opens a ticket and finds it in her list.
		b.open("/")
		b.checkA11y("accedi")
		b.signIn("anna", password)
		if h1 := b.text("h1"); h1 != "I miei ticket" {
			t.Fatalf("ente user lands on %q, want I miei ticket", h1)
		}
		b.open("/ticket/nuovo")
		b.checkA11y("nuovo-ticket")
		b.do(chromedp.SetValue(chromedp.CSS("#oggetto"), "Il sito non si apre"),
			chromedp.SetValue(chromedp.CSS("#servizio"), "sito_web"),
			chromedp.SetValue(chromedp.CSS("#descrizione"), "Da stamattina la home page risponde con un errore."))
		b.submit(`form[action="/ticket/nuovo"] button[type=submit]`)
		m := ticketURL.FindStringSubmatch(b.location())
		if m == nil {
			t.Fatalf("after opening a ticket the page is %s: %q", b.location(), b.text("main"))
		}
		id := m[1]
		if got := b.text("#stato"); got != "Nuovo" {
			t.Errorf("new ticket status = %q, want Nuovo", got)
		}
		// She adds a public reply; notes and the desk's actions are not hers.
		b.do(chromedp.SetValue(chromedp.CSS("#risposta"), "Aggiungo: anche l'area riservata non si apre."))
		b.submit(`form:has(#risposta) button[type=submit]`)
		if hist := b.text("#storico"); !strings.Contains(hist, "anche l'area riservata") {
			t.Errorf("the ente user's reply is not in the history: %q", hist)
		}
		if n, err := chromedp.Run(b.step(), chromedp.Evaluate[int](`document.querySelectorAll('#nota, button[name=azione]').length`)); err != nil || n != 0 {
			t.Errorf("the ente user's page has %d note fields or action buttons (%v), want none", n, err)
		}
		b.checkA11y("ticket-ente-risposta")
		b.open("/ticket")
		if list := b.text("#elenco-ticket"); !strings.Contains(list, "Il sito non si apre") {
			t.Errorf("I miei ticket lacks the new ticket: %q", list)
		}
		b.checkA11y("i-miei-ticket")

		// A form posted without its CSRF token is refused, even with the session.
		for _, token := range []string{"", "forged"} {
			form := url.Values{"azione": {"reply"}, "versione": {"1"}, "testo": {"senza token"}}
			if token != "" {
				form.Set("csrf", token)
			}
			if st := b.post("/ticket/"+id+"/azione", form); st != http.StatusForbidden {
				t.Errorf("POST with csrf %q = %d, want 403", token, st)
			}
		}
		b.signOut()

		// The operator works it from the queue.
		b.signIn("olga", password)
		if list := b.text("#elenco-ticket"); !strings.Contains(list, "Il sito non si apre") {
			t.Errorf("the queue lacks the new ticket: %q", list)
		}
		b.checkA11y("coda")
		// Whether the new ticket is at risk depends on the hour the test
		// runs (within working hours its first clock is due in less than
		// the queue's hour): the filter must agree with its clocks.
		tid, _ := strconv.ParseInt(id, 10, 64)
		nt, err := s.GetTicket(context.Background(), tid)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		risky := false
		for _, c := range nt.Clocks {
			risky = risky || (c.State(now) == domain.SLARunning && c.Deadline.Before(now.Add(atRisk)))
		}
		for _, q := range []string{"sla=rischio", "sla=scaduti", "livello=2", "stato=risolto", "testo=stampante"} {
			if st := b.open("/ticket?" + q); st != http.StatusOK {
				t.Errorf("queue filtered by %s answered %d: %q", q, st, b.text("main"))
			}
			want := q == "sla=rischio" && risky
			if got := strings.Contains(b.text("main"), "Il sito non si apre"); got != want {
				t.Errorf("queue filtered by %s: lists the new ticket %t, want %t (clocks %+v)", q, got, want, nt.Clocks)
			}
		}
		b.open("/ticket?stato=nuovo&livello=1&ente=firenze&servizio=sito_web&testo=sito")
		if !strings.Contains(b.text("main"), "Il sito non si apre") {
			t.Errorf("queue filtered to match the new ticket lacks it: %q", b.text("main"))
		}
		b.open("/ticket/" + id)
		if hist := b.text("#storico"); !strings.Contains(hist, "anche l'area riservata") || !strings.Contains(hist, "anna") {
			t.Errorf("the operator does not see the ente user's reply: %q", hist)
		}
		b.submit(`button[value=take_in_charge]`)
		if got := b.text("#stato"); got != "Aperto" {
			t.Errorf("after taking in charge status = %q, want Aperto", got)
		}
		b.do(chromedp.SetValue(chromedp.CSS("#risposta"), "Stiamo verificando il server web."))
		b.submit(`form:has(#risposta) button[type=submit]`)
		b.do(chromedp.SetValue(chromedp.CSS("#nota"), "Riavviato il pool PHP: nota solo interna."))
		b.submit(`form:has(#nota) button[type=submit]`)
		b.checkA11y("ticket-operatore")

		// A stale page is told so and shown the current state.
		d.changeBehindTheScenes(t, "olga", id)
		b.submit(`button[value=resolve]`)
		if _, err := chromedp.Run(b.step(), chromedp.Query(chromedp.CSS("#pagina-superata"))); err != nil {
			t.Errorf("a stale page got no warning: %q", b.text("main"))
		}
		b.submit(`button[value=resolve]`)
		if got := b.text("#stato"); got != "Risolto" {
			t.Errorf("after resolving status = %q, want Risolto", got)
		}
		b.signOut()

		// The ente user sees the reply and never the note.
		b.signIn("anna", password)
		b.open("/ticket/" + id)
		hist := b.text("#storico")
		if !strings.Contains(hist, "Stiamo verificando il server web.") {
			t.Errorf("the ente user does not see the reply: %q", hist)
		}
		if strings.Contains(b.text("main"), "nota solo interna") {
			t.Error("the ente user sees the internal note")
		}
		b.checkA11y("ticket-ente")
		b.signOut()

		// Another ente's ticket is not reachable by URL.
		b.signIn("bruno", password)
		if st := b.open("/ticket/" + id); st != http.StatusNotFound {
			t.Errorf("another ente's ticket answered %d, want 404", st)
		}
		b.checkA11y("errore-404")
		b.open("/dichiarazione-accessibilita")
		b.checkA11y("dichiarazione-accessibilita")
		b.signOut()

		// A technician plans, starts and completes an intervention.
		d.user(t, "tina", "technician", 0, "")
		d.user(t, "dario", "ente", 0, "dicomano")
		iv := d.requestIntervention(t, "olga", "dicomano", "Sostituire la stampante dell'anagrafe")
		b.signIn("tina", password)
		// A technician may not read reports, here as in the API.
		if st := b.open("/report"); st != http.StatusForbidden {
			t.Errorf("a technician opens the annual report: status %d", st)
		}
		b.open("/interventi")
		if got := b.text("#da-pianificare"); !strings.Contains(got, "Sostituire la stampante") {
			t.Fatalf("the request is not among those to plan: %q", got)
		}
		b.checkA11y("interventi-tecnico")
		sel := fmt.Sprintf("#intervento-%d", iv)
		b.do(chromedp.SetValue(chromedp.CSS(sel+" input[name=quando]"), time.Now().Add(24*time.Hour).Format("2006-01-02T15:04")))
		b.submit(sel + " button[type=submit]")
		if got := b.text(sel + " .stato-intervento"); got != "Pianificato" {
			t.Fatalf("after planning the status is %q: %q", got, b.text("main"))
		}
		b.submit(sel + " button[type=submit]")
		if got := b.text(sel + " .stato-intervento"); got != "In corso" {
			t.Fatalf("after starting the status is %q", got)
		}
		if got := b.text("#oggi " + sel + " .stato-intervento"); got != "In corso" {
			t.Errorf("the intervention under way is not among today's: %q", got)
		}
		b.do(chromedp.SetValue(chromedp.CSS(sel+" textarea"), "Stampante sostituita e configurata."))
		b.submit(sel + " button[type=submit]")
		b.signOut()
		b.signIn("dario", password)
		b.open("/interventi")
		if got := b.text(sel); !strings.Contains(got, "Completato") || !strings.Contains(got, "Stampante sostituita") {
			t.Errorf("the ente does not see the completed intervention: %q", got)
		}
		b.checkA11y("interventi-ente")
		b.signOut()
		// A reporter reads reports but not the interventions list.
		d.user(t, "rebecca", "reporter", 0, "")
		b.signIn("rebecca", password)
		if st := b.open("/interventi"); st != http.StatusForbidden {
			t.Errorf("a reporter opens the interventions: status %d", st)
		}
		b.signOut()

		// The annual report page shows the use case's figures.
		year := time.Now().In(rome(t)).Year()
		want := d.annualReport(t, "olga", year)
		b.signIn("olga", password)
		b.open(fmt.Sprintf("/report?anno=%d", year))
		b.checkA11y("relazione-annuale")
		cells, err := chromedp.Run(b.step(), chromedp.Evaluate[[][]string](`[...document.querySelectorAll('#tabella-help-desk tbody tr')].map(r => [...r.children].map(c => c.textContent.trim()))`))
		if err != nil {
			t.Fatal(err)
		}
		rows := append(want.HelpDesk, want.HelpDeskTotal)
		if len(cells) != len(rows) {
			t.Fatalf("help-desk table has %d rows, want %d", len(cells), len(rows))
		}
		for i, row := range rows {
			got := cells[i]
			exp := []string{itNumber(row.Previous.Gestiti()), itNumber(row.Current.Gestiti()), itNumber(row.Current.Risolto),
				itNumber(row.Current.NonDiCompetenza), itNumber(row.Current.Aperto), itNumber(row.Current.Nuovo), resolvedPercent(row.Current)}
			if g := []string{got[1], got[2], got[4], got[5], got[6], got[7], got[8]}; strings.Join(g, "|") != strings.Join(exp, "|") {
				t.Errorf("help-desk row %d = %v, want %v (from app.Reports)", i, g, exp)
			}
		}
		// ... and they are the API's figures.
		sameHelpDesk(t, cells, d.apiAnnualHelpDesk(t, "olga", year, ""))
		if want.HelpDeskTotal.Current.Gestiti() < 1 {
			t.Errorf("the report counts no ticket this year: %+v", want.HelpDeskTotal)
		}
		// The whole SLA table, in the API's Italian notation.
		sla, err := chromedp.Run(b.step(), chromedp.Evaluate[[][]string](`[...document.querySelectorAll('#tabella-sla tbody tr')].map(r => [...r.children].map(c => c.textContent.trim()))`))
		if err != nil {
			t.Fatal(err)
		}
		apiSLA := d.apiAnnualSLATable(t, "olga", year, "")
		if len(sla) != 11 || len(apiSLA) != 11 {
			t.Fatalf("SLA table has %d rows, the API %d, want 11", len(sla), len(apiSLA))
		}
		for i, r := range apiSLA {
			if g := []string{sla[i][0], sla[i][2], sla[i][3], sla[i][4]}; strings.Join(g, "|") != strings.Join(r, "|") {
				t.Errorf("SLA row %d = %v, the API says %v", i, g, r)
			}
		}
		// Tickets per month and status: the months add up to the year.
		months, err := chromedp.Run(b.step(), chromedp.Evaluate[[]string](`[...document.querySelectorAll('#tabella-mesi tbody tr td:last-child')].map(c => c.textContent.trim())`))
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, m := range months {
			n, _ := strconv.ParseInt(strings.ReplaceAll(m, ".", ""), 10, 64)
			sum += n
		}
		if len(months) != 12 || sum != want.HelpDeskTotal.Current.Gestiti() {
			t.Errorf("month table: %d rows adding up to %d, want 12 adding up to %d", len(months), sum, want.HelpDeskTotal.Current.Gestiti())
		}
		if n, err := chromedp.Run(b.step(), chromedp.Evaluate[int](`document.querySelectorAll('svg[aria-labelledby="grafico-mesi-titolo grafico-mesi-desc"] rect').length`)); err != nil || n == 0 {
			t.Errorf("the month chart has %d bars (%v)", n, err)
		}
		for _, dl := range []struct{ path, ctype, start string }{
			{"csv?sezione=help_desk", "text/csv", "\ufeff"},
			{"xlsx?sezione=sla_table", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"},
		} {
			req, _ := http.NewRequest(http.MethodGet, d.url+fmt.Sprintf("/report/%d/%s", year, dl.path), nil)
			for _, c := range b.cookies() {
				req.AddCookie(c)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), dl.ctype) || !strings.HasPrefix(string(body), dl.start) {
				t.Errorf("download %s: %s %q %.40q", dl.path, resp.Status, resp.Header.Get("Content-Type"), body)
			}
		}
	})
}
