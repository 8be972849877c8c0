package api_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// The fuzz targets run their seeds in every `go test`; bench/fuzz.sh runs
// each with -fuzz for a few seconds. Those that drive the router build one
// server on SQLite per target and check, for any input: no 5xx (a panic
// would be one), every error a valid problem+json, every success JSON.

// fuzzEnv builds the target's server once and silences the request log,
// which would otherwise print a line per input.
func fuzzEnv(f *testing.F) *secEnv {
	f.Helper()
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	f.Cleanup(func() { slog.SetDefault(prev) })
	return newSecEnv(f, repotest.SQLite(f))
}

// checkAnswer fails the input when the answer is a 5xx, an error that is
// not a complete problem, or a success that is not JSON.
func checkAnswer(t *testing.T, r *secResp) {
	t.Helper()
	switch {
	case r.Status >= 500:
		t.Fatalf("got %s, want no 5xx", r)
	case r.Status >= 400:
		if msg := r.problemError(r.Status, ""); msg != "" {
			t.Fatal(msg)
		}
	case r.Status == http.StatusNotModified || r.Status == http.StatusNoContent:
	default:
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("got %d with Content-Type %q, want application/json", r.Status, ct)
		}
		if !json.Valid(r.Body) {
			t.Fatalf("got %d with body %q, want JSON", r.Status, r.Body)
		}
	}
}

// signedBySecKey reports whether token is an HS256 JWT signed with the
// suite's key. Seeds made by one process are replayed by fuzz workers with
// their own env, so "the env's token" cannot be the oracle.
func signedBySecKey(token string) bool {
	_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return secKey, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithoutClaimsValidation())
	return err == nil
}

// validHeader reports whether v could arrive as a header value; others
// never reach the server, so they are not worth an input.
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func cursorOf(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzDecodeCursor: any string decodes to a usable cursor or to a 400
// naming the cursor, never a panic.
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5}`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5,"a":true}`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5,"d":true}`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5,"d":true,"n":true}`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5,"n":true}`),
		cursorOf(`{"t":"2026-03-10T08:00:00.123456Z","i":9223372036854775807}`),
		cursorOf(`{"t":"0001-01-01T00:00:00Z","i":5}`),
		cursorOf(`{"t":"9999-12-31T23:59:59+14:00","i":1}`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":0}`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":-1}`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":1e30}`),
		cursorOf(`{"t":"yesterday","i":5}`),
		cursorOf(`{"i":5}`),
		cursorOf(`null`),
		cursorOf(`[]`),
		cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5}` + strings.Repeat(" ", 200)),
		"", "=", "not base64!", "eyJ0Ijo", strings.Repeat("A", 201),
	} {
		for o := range uint8(3) {
			f.Add(s, o)
		}
	}
	f.Fuzz(func(t *testing.T, s string, o uint8) {
		cur, err := app.DecodeCursor(s, app.Order(o%3))
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != "cursor" {
				t.Fatalf("DecodeCursor(%q): got error %#v, want an invalid cursor error", s, err)
			}
			return
		}
		if cur.ID < 1 || cur.At.IsZero() || cur.At.Year() > 9999 {
			t.Fatalf("DecodeCursor(%q): got %+v, want an id >= 1 and a real instant", s, cur)
		}
	})
}

// FuzzCreateTicketJSON posts arbitrary bodies to POST /tickets as an
// operator and as an ente user.
func FuzzCreateTicketJSON(f *testing.F) {
	for _, b := range []string{
		`{"ente":"firenze","subject":"Il portale non risponde","service":"portale_servizi","channel":"phone"}`,
		`{"ente":"firenze","subject":"x","description":"y","service":"suap","channel":"email","level":2}`,
		`{"subject":"PEC non arriva","service":"gestione_documentale","channel":"portal"}`,
		`{"ente":"nessuno","subject":"x","service":"suap","channel":"email"}`,
		`{"ente":"fiesole","subject":"x","service":"suap","channel":"email"}`,
		`{"ente":"firenze","subject":"x","service":"suap","channel":"email","level":3}`,
		`{"ente":"firenze","subject":"x","service":"suap","channel":"email","level":1e400}`,
		`{"ente":"firenze","subject":"x","service":"suap","channel":"email","level":"2"}`,
		`{"ente":"firenze","subject":"x","service":"suap","channel":"email","status":"risolto"}`,
		`{"ente":"firenze","subject":"   ","service":"suap","channel":"fax"}`,
		`{"ente":"firenze","subject":"\u0000\ud800","service":"suap","channel":"email"}`,
		"{\"ente\":\"firenze\",\"subject\":\"\xff\xfe\",\"service\":\"suap\",\"channel\":\"email\"}",
		`{"ente":"firenze","ente":"fiesole","subject":"x","service":"suap","channel":"email"}`,
		`{"ente":{"code":"firenze"}}`, `{"ente":["firenze"]}`, `{"subject":null}`,
		`{}`, `{}{}`, `{} []`, `[]`, `null`, `true`, `"x"`, `1`, ``, ` `, `{`, `{"a":`, `{"ente":"firenze"`,
		strings.Repeat("[", 10000), `{"description":"` + strings.Repeat("é", 20001) + `"}`,
	} {
		f.Add([]byte(b), false)
		f.Add([]byte(b), true)
	}
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte, asEnte bool) {
		tok := e.tokens[wOperator1]
		if asEnte {
			tok = e.tokens[wEnteA]
		}
		r := e.do(t, http.MethodPost, "/api/v1/tickets", tok, body)
		checkAnswer(t, r)
		if r.Status == http.StatusCreated && asEnte && r.str(t, "ente") != secEnteA {
			t.Fatalf("ente user created a ticket of %q, want only %q", r.str(t, "ente"), secEnteA)
		}
	})
}

// FuzzActionJSON posts arbitrary bodies and If-Match headers to every
// ticket action as a level-2 operator.
func FuzzActionJSON(f *testing.F) {
	paths := []string{"take-in-charge", "replies", "notes", "escalate", "resolve", "close-not-competent", "reopen", "nope"}
	for i := range paths {
		for _, c := range []struct{ body, ifMatch string }{
			{``, ``}, {`{"body":"Preso in carico"}`, `"1"`}, {`{"body":"x"}`, `*`}, {`{"body":"x"}`, `W/"2"`},
			{`{"body":""}`, `"0"`}, {`{"body":"x"}`, `"99999999999999999999"`}, {`{"body":"x"}`, `"abc"`},
			{`{"body":1}`, ``}, {`{"body":null}`, ``}, {`{"status":"risolto"}`, ``}, {`{"body":"x"}{}`, ``},
			{`[]`, ``}, {`null`, ``}, {`{`, ``}, {`{"body":"` + strings.Repeat("x", 20001) + `"}`, ``},
		} {
			f.Add(uint8(i), []byte(c.body), c.ifMatch)
		}
	}
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, action uint8, body []byte, ifMatch string) {
		if !validHeader(ifMatch) {
			t.Skip()
		}
		path := fmt.Sprintf("/api/v1/tickets/%d/%s", e.ticketA, paths[int(action)%len(paths)])
		var b any
		if len(body) > 0 {
			b = body
		}
		r := e.do(t, http.MethodPost, path, e.tokens[wOperator2], b, "If-Match", ifMatch)
		checkAnswer(t, r)
	})
}

// FuzzCreateInterventionJSON posts arbitrary bodies to POST
// /interventions as an operator and as an ente user.
func FuzzCreateInterventionJSON(f *testing.F) {
	for _, b := range []string{
		`{"ente":"dicomano","tier":"4h","description":"Installare la stampante"}`,
		`{"ente":"londa","tier":"nbd","description":"Nuovo server","ticket_id":1}`,
		`{"tier":"30m","description":"x"}`, `{"ente":"firenze","tier":"4h","description":"x"}`,
		`{"ente":"dicomano","tier":"2h","description":"x"}`, `{"ente":"dicomano","tier":"4h","description":""}`,
		`{"ente":"dicomano","tier":"4h","description":"x","ticket_id":-1}`, `{"ente":"dicomano","tier":"4h","description":"x","ticket_id":1e300}`,
		`{"ente":"dicomano","tier":4,"description":"x"}`, `{"ente":"dicomano","tier":"4h","description":"x","status":"done"}`,
		`{}`, `[]`, `null`, ``, `{`, `{"ente":"dicomano"}{}`,
	} {
		f.Add([]byte(b), false)
		f.Add([]byte(b), true)
	}
	e := fuzzEnv(f)
	e.createUser(f, "ente-dicomano", domain.RoleEnte, 0, "dicomano")
	enteTok := e.login(f, "ente-dicomano", secPassword)
	f.Fuzz(func(t *testing.T, body []byte, asEnte bool) {
		tok := e.tokens[wOperator1]
		if asEnte {
			tok = enteTok
		}
		r := e.do(t, http.MethodPost, "/api/v1/interventions", tok, body)
		checkAnswer(t, r)
		if r.Status == http.StatusCreated && asEnte && r.str(t, "ente") != "dicomano" {
			t.Fatalf("ente user requested an intervention for %q, want only dicomano", r.str(t, "ente"))
		}
	})
}

// FuzzLoginJSON posts arbitrary bodies to POST /auth/token.
func FuzzLoginJSON(f *testing.F) {
	for _, b := range []string{
		`{"username":"operator1","password":"security-suite-password"}`,
		`{"username":"operator1","password":"wrong"}`,
		`{"username":"nobody","password":"x"}`,
		`{"username":"","password":""}`,
		`{"username":"` + strings.Repeat("u", 65) + `","password":"x"}`,
		`{"username":"operator1","password":"` + strings.Repeat("p", 129) + `"}`,
		`{"username":"operator1"}`, `{"username":1,"password":2}`, `{"username":"a","password":"b","role":"admin"}`,
		"{\"username\":\"\xff\",\"password\":\"x\"}", `{"username":"op\u0000","password":"x"}`,
		`{}`, `[]`, `null`, ``, `{`, `{"username":"a","password":"b"} x`,
	} {
		f.Add([]byte(b))
	}
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := e.do(t, http.MethodPost, "/api/v1/auth/token", "", body)
		checkAnswer(t, r)
		if r.Status == http.StatusOK && r.str(t, "access_token") == "" {
			t.Fatalf("got 200 without an access token: %s", r.Body)
		}
	})
}

// FuzzListQuery sends arbitrary raw query strings to GET /tickets as an
// operator and as an ente user; an ente user never sees another ente.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{
		"", "limit=10", "limit=1000", "limit=0", "limit=-1", "limit=abc",
		"status=nuovo,aperto&level=2&service=suap&ente=firenze",
		"ente=fiesole", "assignee=me", "assignee=0", "assignee=9223372036854775808",
		"opened_from=2026-01-01&opened_to=2026-12-31T23:59:59%2B01:00", "opened_from=2026-13-45",
		"q=portale", "q=%25%5F%27%22%5C", "q=" + strings.Repeat("x", 201),
		"sla=SLA.6&sla_state=breached", "sla=SLA.99", "sla_due_within=30m", "sla_due_within=-1h", "sla_due_within=99999h",
		"sort=opened_at", "sort=-opened_at", "sort=id", "cursor=" + cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5}`),
		"cursor=" + cursorOf(`{"t":"2026-03-10T08:00:00Z","i":5,"a":true}`) + "&sort=opened_at", "cursor=%%%",
		"unknown=1", "limit=1&limit=2", "%zz", "&&&", "=", "a=b=c", ";", "status=",
	} {
		f.Add(q, false)
		f.Add(q, true)
	}
	e := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, raw string, asEnte bool) {
		tok := e.tokens[wOperator1]
		if asEnte {
			tok = e.tokens[wEnteA]
		}
		req := httptest.NewRequest(http.MethodGet, "http://helpdesk.test/api/v1/tickets", nil)
		req.URL.RawQuery = raw
		req.Header.Set("Authorization", "Bearer "+tok)
		r := e.serve(t, req)
		checkAnswer(t, r)
		if r.Status != http.StatusOK || !asEnte {
			return
		}
		var page struct {
			Items []struct {
				Ente string `json:"ente"`
			} `json:"items"`
		}
		if err := json.Unmarshal(r.Body, &page); err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if it.Ente != secEnteA {
				t.Fatalf("ente user listed a ticket of %q with query %q", it.Ente, raw)
			}
		}
	})
}

// FuzzAuthorizationHeader sends arbitrary Authorization headers: the
// answer is 200 only for the env's API token or a JWT that an independent
// check finds signed with the server's key, and 401 problem otherwise.
func FuzzAuthorizationHeader(f *testing.F) {
	e := fuzzEnv(f)
	valid := "Bearer " + e.tokens[wOperator1]
	for _, h := range []string{
		valid, valid + "x", "Bearer " + e.tokens[wReporterT], "Bearer hd_", "Bearer hd_x", "Bearer rt_x",
		"Bearer ", "Bearer", "bearer x", "Basic x", "Bearer a.b.c", "Bearer ..", "Bearer eyJhbGciOiJub25lIn0.e30.",
		"Bearer " + strings.Repeat("A", 10000), "",
	} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if !validHeader(h) {
			t.Skip()
		}
		req := httptest.NewRequest(http.MethodGet, "http://helpdesk.test/api/v1/me", nil)
		req.Header.Set("Authorization", h)
		r := e.serve(t, req)
		checkAnswer(t, r)
		if r.Status == http.StatusOK {
			if h != "Bearer "+e.tokens[wReporterT] && !signedBySecKey(strings.TrimPrefix(h, "Bearer ")) {
				t.Fatalf("got 200 for Authorization %q, want 401", h)
			}
			return
		}
		if msg := r.problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
			t.Fatal(msg)
		}
	})
}
