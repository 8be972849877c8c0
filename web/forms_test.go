package web

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

func TestItalianNumbers(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1.000"}, {5495, "5.495"}, {749866, "749.866"}, {1234567, "1.234.567"}, {-21, "-21"}} {
		if got := itNumber(tc.v); got != tc.want {
			t.Errorf("itNumber(%d) = %q, want %q", tc.v, got, tc.want)
		}
	}
	share, pct := 0.997, 99.7
	if got := itPercent(&share, true, 1); got != "99,7%" {
		t.Errorf("itPercent(share 0.997) = %q, want 99,7%%", got)
	}
	if got := itPercent(&pct, false, 1); got != "99,7%" {
		t.Errorf("itPercent(99.7) = %q, want 99,7%%", got)
	}
	if got := itPercent(nil, false, 1); got != "—" {
		t.Errorf("itPercent(nil) = %q, want a dash", got)
	}
}

func TestQueueFilter(t *testing.T) {
	for _, tc := range []struct {
		query  string
		errs   int
		level  domain.Level
		status []domain.Status
	}{
		{"", 0, 0, nil},
		{"livello=2&stato=aperti", 0, 2, []domain.Status{domain.StatusNuovo, domain.StatusAperto}},
		{"stato=risolto", 0, 0, []domain.Status{domain.StatusRisolto}},
		{"livello=3", 1, 0, nil},
		{"stato=chiuso", 1, 0, nil},
		{"testo=" + strings.Repeat("x", 201), 1, 0, nil},
		{"sla=rischio", 0, 0, nil},
		{"sla=scaduti", 0, 0, nil},
		{"sla=forse", 1, 0, nil},
		{"attesa=si", 0, 0, nil},
		{"attesa=no", 0, 0, nil},
		{"attesa=forse", 1, 0, nil},
	} {
		r := httptest.NewRequest("GET", "/ticket?"+tc.query, nil)
		_, f, errs := parseQueueFilter(r, time.Now())
		if len(errs) != tc.errs || f.Level != tc.level || len(f.Statuses) != len(tc.status) {
			t.Errorf("%q: errors %v, level %d, statuses %v; want %d errors, level %d, statuses %v", tc.query, errs, f.Level, f.Statuses, tc.errs, tc.level, tc.status)
		}
	}
}

func TestQueueWaitingFilter(t *testing.T) {
	for q, want := range map[string]string{"": "<nil>", "attesa=si": "true", "attesa=no": "false"} {
		_, f, _ := parseQueueFilter(httptest.NewRequest("GET", "/ticket?"+q, nil), time.Now())
		got := "<nil>"
		if f.Waiting != nil {
			got = fmt.Sprint(*f.Waiting)
		}
		if got != want {
			t.Errorf("%q: waiting %s, want %s", q, got, want)
		}
	}
}

func TestActionForm(t *testing.T) {
	for _, tc := range []struct {
		form url.Values
		ok   bool
	}{
		{url.Values{"azione": {"resolve"}, "versione": {"3"}}, true},
		{url.Values{"azione": {"open"}, "versione": {"3"}}, false},
		{url.Values{"azione": {"delete"}, "versione": {"3"}}, false},
		{url.Values{"azione": {"resolve"}, "versione": {"0"}}, false},
		{url.Values{"azione": {"resolve"}}, false},
	} {
		r := httptest.NewRequest("POST", "/ticket/1/azione", strings.NewReader(tc.form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if _, ok := parseAction(r); ok != tc.ok {
			t.Errorf("parseAction(%v) ok = %v, want %v", tc.form, ok, tc.ok)
		}
	}
}

func TestTicketFormReceivedAt(t *testing.T) {
	h := newTestHandler(t)
	op := domain.Principal{Role: domain.RoleOperator, UserID: 1}
	for v, ok := range map[string]bool{"": true, "2026-03-02T09:30": true, "2026-03-02": false, "ieri": false, "2026-13-02T09:30": false} {
		r := httptest.NewRequest("POST", "/ticket/nuovo", strings.NewReader(url.Values{"ricevuto_il": {v}, "oggetto": {"x"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		f, n, errs := h.parseTicketForm(r, op)
		if (errs == nil) != ok || f.Received != v || f.Subject != "x" {
			t.Errorf("%q: errors %v, form %+v; want ok=%v and the form kept", v, errs, f, ok)
		}
		if v == "2026-03-02T09:30" && !n.ReceivedAt.Equal(time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)) {
			t.Errorf("%q is %v, want 08:30 UTC (Rome's local time)", v, n.ReceivedAt)
		}
	}
}
