package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cst-firenze/helpdesk/domain"
)

// refusingAuth knows nobody: enough for the pages that need no session.
type refusingAuth struct{}

func (refusingAuth) Login(context.Context, string, string, string) (Tokens, error) {
	return Tokens{}, domain.Errorf(domain.CodeUnauthenticated, "wrong username or password")
}
func (refusingAuth) Refresh(context.Context, string) (Tokens, error) {
	return Tokens{}, domain.Errorf(domain.CodeUnauthenticated, "no such session")
}
func (refusingAuth) Authenticate(context.Context, string) (domain.Principal, error) {
	return domain.Principal{}, domain.Errorf(domain.CodeUnauthenticated, "bad token")
}
func (refusingAuth) Logout(context.Context, string) error { return nil }
func (refusingAuth) EndSessions(context.Context, int64) error {
	return domain.Errorf(domain.CodeUnauthenticated, "nobody signed in")
}

func newTestHandler(t *testing.T) *Handler {
	t.Helper()
	h, err := New(Config{Key: []byte("test-key")}, Services{Auth: refusingAuth{}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestSecurityHeadersAndSignInPage(t *testing.T) {
	h := newTestHandler(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", rec.Code)
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q, want default-src 'self' and no unsafe-inline", csp)
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
	}
	body := rec.Body.String()
	for _, want := range []string{`<html lang="it">`, "<h1 class=\"mb-4\">Accedi</h1>", `name="csrf"`, `href="#contenuto"`, `<main id="contenuto"`} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Error("sign-in page has inline script or style, which the CSP forbids")
	}
	var csrf *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == cookieCSRF {
			csrf = c
		}
	}
	if csrf == nil || !csrf.HttpOnly || csrf.SameSite != http.SameSiteLaxMode {
		t.Fatalf("CSRF cookie = %+v, want HttpOnly SameSite=Lax", csrf)
	}
}

func TestPostWithoutCSRFTokenIsForbidden(t *testing.T) {
	h := newTestHandler(t)
	seed := &http.Cookie{Name: cookieCSRF, Value: "a-seed-of-at-least-twenty-chars"}
	for _, tc := range []struct {
		name, path, token string
		want              int
	}{
		{"login without token", "/accedi", "", http.StatusForbidden},
		{"login with a forged token", "/accedi", "forged", http.StatusForbidden},
		{"action without token", "/ticket/1/azione", "", http.StatusForbidden},
		{"logout without token", "/esci", "", http.StatusForbidden},
		{"login with the token", "/accedi", h.csrfToken(seed.Value), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"username": {"anna"}, "password": {"secret"}}
			if tc.token != "" {
				form.Set(csrfField, tc.token)
			}
			req := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(seed)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("POST %s = %d, want %d", tc.path, rec.Code, tc.want)
			}
		})
	}
}

func TestSecureCookieOnlyBehindTLSOrTrustedProxy(t *testing.T) {
	h, err := New(Config{Key: []byte("k"), TrustedProxies: []string{"10.0.0.1"}}, Services{Auth: refusingAuth{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		remote, proto string
		want          bool
	}{{"10.0.0.1:5000", "https", true}, {"10.0.0.2:5000", "https", false}, {"10.0.0.1:5000", "", false}} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		if got := h.secure(r); got != tc.want {
			t.Errorf("secure(remote %s, proto %q) = %v, want %v", tc.remote, tc.proto, got, tc.want)
		}
	}
}

func TestStaticAssetsAreServed(t *testing.T) {
	h := newTestHandler(t)
	for _, p := range []string{"/static/bootstrap-italia/css/bootstrap-italia.min.css", "/static/bootstrap-italia/svg/sprites.svg", "/static/fonts.css"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("GET %s = %d (%d bytes), want 200 with a body", p, rec.Code, rec.Body.Len())
		}
	}
}
