package web

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestBrowserWithoutJavaScript signs in and opens a ticket with the page's
// scripts switched off: the forms are plain HTML.
func TestBrowserWithoutJavaScript(t *testing.T) {
	path := chromium(t)
	d := startDesk(t, repotest.SQLite(t))
	d.user(t, "anna", "ente", 0, "firenze")
	b := newBrowser(t, path, d.url)
	b.do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	})
	b.signIn("anna", password)
	b.open("/ticket/nuovo")
	b.do(chromedp.SetValue(chromedp.CSS("#oggetto"), "Senza JavaScript"),
		chromedp.SetValue(chromedp.CSS("#servizio"), "suap"),
		chromedp.SetValue(chromedp.CSS("#descrizione"), "Il modulo funziona anche senza script."))
	b.submit(`form[action="/ticket/nuovo"] button[type=submit]`)
	if got := b.text("#stato"); got != "Nuovo" {
		t.Fatalf("without JavaScript the new ticket page shows status %q", got)
	}
	b.open("/ticket")
	if got := b.text("#elenco-ticket"); !strings.Contains(got, "Senza JavaScript") {
		t.Errorf("the list lacks the ticket: %q", got)
	}
	if on, err := chromedp.Run(b.step(), chromedp.Evaluate[bool](`typeof bootstrap !== 'undefined'`)); err != nil || on {
		t.Errorf("the page's scripts ran (bootstrap defined = %v, %v)", on, err)
	}
	b.signOut()
}
