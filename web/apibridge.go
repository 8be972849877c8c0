package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// Store is what the pages' use cases need: the store the API runs on.
type Store interface {
	app.TicketStore
	app.InterventionStore
	app.ReportStore
	app.MonitoringStore
	app.UserStore
	app.EntiStore
}

// NewServices wires the pages: tickets, interventions and reports are the
// app use cases the API calls, on the API's store; sign-in and the CSV
// downloads go through the API itself (apiServices). hash is the API's
// password hash, so accounts made on the pages sign in to the API.
func NewServices(api http.Handler, store Store, now app.Clock, hash app.PasswordHash) (Services, error) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return Services{}, err
	}
	svc := apiServices(api)
	svc.Tickets = app.NewTickets(store, now, domain.DefaultBackdateWindow)
	svc.Interventions = app.NewInterventions(store, now, domain.DefaultBackdateWindow)
	monitoring := app.NewMonitoring(store, now)
	svc.Reports = app.NewReports(store, now, rome, monitoring) // the same monitoring figures as the API's SLA table
	svc.Outages = monitoring
	svc.Users = app.NewUsers(store, now, hash)
	svc.Enti = app.NewEnti(store, now, rome)
	return svc, nil
}

// apiServices serves the pages' sign-in and CSV downloads through
// the HTTP API's own handlers, called in process: the login throttle,
// access tokens, refresh rotation and reuse detection, visibility and
// the CSV format are the API's, not copies. It stands in for what the app
// layer does not have (app.Auth issues no access token); tickets,
// interventions and reports come from app.
func apiServices(api http.Handler) Services {
	b := &bridge{api: api}
	return Services{Auth: bridgeAuth{b}, ReportFiles: bridgeReports{b}}
}

type bridge struct{ api http.Handler }

// recorder is the smallest ResponseWriter that keeps the answer.
type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }

// call sends one request to the API and decodes the answer into out, or
// its problem+json into a domain error with the problem's code.
func (b *bridge) call(ctx context.Context, method, path, token string, ifMatch int, in, out any) error {
	return b.callAccept(ctx, method, path, token, ifMatch, "", in, out)
}

func (b *bridge) callAccept(ctx context.Context, method, path, token string, ifMatch int, accept string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, path, &body)
	if err != nil {
		return err
	}
	req.RemoteAddr = "127.0.0.1:0"
	if c, ok := ctx.Value(clientKey{}).(client); ok {
		req.RemoteAddr = c.addr
		for _, f := range c.forwarded {
			req.Header.Add("X-Forwarded-For", f)
		}
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ifMatch > 0 {
		req.Header.Set("If-Match", fmt.Sprintf(`"%d"`, ifMatch))
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := &recorder{h: http.Header{}}
	b.api.ServeHTTP(rec, req)
	if rec.status >= 400 {
		var p struct {
			Code   domain.Code         `json:"code"`
			Detail string              `json:"detail"`
			Errors []domain.FieldError `json:"errors"`
		}
		if json.Unmarshal(rec.body.Bytes(), &p) != nil || p.Code == "" {
			return fmt.Errorf("%s %s: status %d", method, path, rec.status)
		}
		return &domain.Error{Code: p.Code, Message: p.Detail, Fields: p.Errors}
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o = rec.body.Bytes()
		return nil
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

type bridgeAuth struct{ b *bridge }

type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

func (t tokenJSON) tokens() Tokens {
	return Tokens{Access: t.AccessToken, Refresh: t.RefreshToken, Expires: time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)}
}

func (a bridgeAuth) Login(ctx context.Context, username, password string) (Tokens, error) {
	var t tokenJSON
	err := a.b.call(ctx, http.MethodPost, "/api/v1/auth/token", "", 0, map[string]string{"username": username, "password": password}, &t)
	return t.tokens(), err
}

func (a bridgeAuth) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	var t tokenJSON
	err := a.b.call(ctx, http.MethodPost, "/api/v1/auth/refresh", "", 0, map[string]string{"refresh_token": refresh}, &t)
	return t.tokens(), err
}

func (a bridgeAuth) Authenticate(ctx context.Context, access string) (domain.Principal, error) {
	var u struct {
		ID       int64        `json:"id"`
		Username string       `json:"username"`
		Role     domain.Role  `json:"role"`
		Level    domain.Level `json:"level"`
		Ente     string       `json:"ente"`
	}
	err := a.b.call(ctx, http.MethodGet, "/api/v1/me", access, 0, nil, &u)
	return domain.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, Level: u.Level, EnteCode: u.Ente}, err
}

// Logout ends the session through the API's logout: the refresh token
// buys an access token (a session whose access token has lapsed can still
// sign out), and POST /auth/logout revokes every session of the user.
func (a bridgeAuth) Logout(ctx context.Context, refresh string) error {
	t, err := a.Refresh(ctx, refresh)
	if err != nil {
		return err
	}
	return a.b.call(ctx, http.MethodPost, "/api/v1/auth/logout", t.Access, 0, nil, nil)
}

// token is the principal's access token; the pages keep it in the context.
func token(ctx context.Context) string {
	s, _ := ctx.Value(accessKey{}).(string)
	return s
}

type accessKey struct{}

type bridgeReports struct{ b *bridge }

func (t bridgeReports) AnnualFile(ctx context.Context, _ domain.Principal, year int, section, asOf, media string) ([]byte, error) {
	var out []byte
	q := url.Values{"section": {section}, "locale": {"it"}}
	if asOf != "" {
		q.Set("as_of", asOf)
	}
	err := t.b.callAccept(ctx, http.MethodGet, fmt.Sprintf("/api/v1/reports/annual/%d?%s", year, q.Encode()), token(ctx), 0, media, nil, &out)
	return out, err
}
