package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestSignInSharesTheAPIsThrottle: the pages sign in through app.Auth with
// the browser's address, so failures on the sign-in page delay the API's
// login from that address, and the page says so.
func TestSignInSharesTheAPIsThrottle(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s)
		d.user(t, "anna", "ente", 0, "firenze")
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		page := func(pw string) (int, string) {
			t.Helper()
			resp, err := c.Get(d.url + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			m := csrfInput.FindSubmatch(body)
			if m == nil {
				t.Fatalf("no CSRF token on the sign-in page: %.300s", body)
			}
			resp, err = c.PostForm(d.url+"/accedi", url.Values{"csrf": {string(m[1])}, "username": {"anna"}, "password": {pw}})
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp.StatusCode, string(body)
		}
		delayed := false
		for range 20 {
			st, body := page("sbagliata-di-sicuro")
			if st == http.StatusTooManyRequests {
				if !strings.Contains(body, "Troppi tentativi") {
					t.Errorf("a delayed sign-in page reads %.300s", body)
				}
				delayed = true
				break
			}
			if st != http.StatusUnauthorized {
				t.Fatalf("a wrong password on the page: status %d", st)
			}
		}
		if !delayed {
			t.Fatal("twenty wrong passwords on the page were never delayed")
		}
		// The API's login from the same address is delayed too, even with
		// the right password.
		b, _ := json.Marshal(map[string]string{"username": "anna", "password": password})
		resp, err := http.Post(d.url+"/api/v1/auth/token", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("the API's login after the page's failures: %d, want 429", resp.StatusCode)
		}
	})
}

func TestClientAddress(t *testing.T) {
	h, err := New(Config{TrustedProxies: []string{"10.0.0.1", "10.1.0.0/16"}}, Services{Auth: refusingAuth{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ remote, xff, want string }{
		{"192.0.2.7:5000", "", "192.0.2.7"},
		{"192.0.2.7:5000", "203.0.113.9", "192.0.2.7"}, // an untrusted peer's header is ignored
		{"10.0.0.1:80", "203.0.113.9", "203.0.113.9"},
		{"10.0.0.1:80", "198.51.100.1, 203.0.113.9, 10.1.2.3", "203.0.113.9"},
		{"10.0.0.1:80", "10.1.2.3", "10.1.2.3"},
		{"10.0.0.1:80", "", "10.0.0.1"},
		{"10.0.0.1:80", "not-an-ip", "10.0.0.1"},
	} {
		r := httptest.NewRequest("POST", "/accedi", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := h.clientAddress(r); got != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}
