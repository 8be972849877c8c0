package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestBrowserPublicPages checks the pages anyone can read in a real
// browser: they render under the CSP and pass axe-core.
func TestBrowserPublicPages(t *testing.T) {
	path := chromium(t)
	srv := httptest.NewServer(newTestHandler(t))
	defer srv.Close()
	b := newBrowser(t, path, srv.URL)
	if st := b.open("/"); st != http.StatusOK {
		t.Fatalf("GET / = %d", st)
	}
	if h1 := b.text("h1"); h1 != "Accedi" {
		t.Errorf("h1 = %q, want Accedi", h1)
	}
	b.checkA11y("accedi")
	b.open("/dichiarazione-accessibilita")
	b.checkA11y("dichiarazione-accessibilita")
}

// TestAxeCatchesViolations proves the accessibility check can fail: a
// page with an unlabelled field and no contrast must be reported.
func TestAxeCatchesViolations(t *testing.T) {
	path := chromium(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<!doctype html><html><head><title>x</title></head><body><main><input type="text"><p style="color:#eee;background:#fff">testo</p></main></body></html>`))
	}))
	defer srv.Close()
	b := newBrowser(t, path, srv.URL)
	b.open("/")
	ids := map[string]bool{}
	for _, v := range b.serious() {
		ids[v.ID] = true
	}
	if !ids["label"] || !ids["color-contrast"] || !ids["html-has-lang"] {
		t.Errorf("axe reported %v, want label, color-contrast and html-has-lang", ids)
	}
}
