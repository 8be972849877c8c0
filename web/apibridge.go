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
func NewServices(api APIServer, store Store, now app.Clock, hash app.PasswordHash) (Services, error) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return Services{}, err
	}
	svc := Services{Auth: sessionAuth{api}, ReportFiles: bridgeReports{&bridge{api: api}}}
	svc.Tickets = app.NewTickets(store, now, domain.DefaultBackdateWindow)
	svc.Interventions = app.NewInterventions(store, now, domain.DefaultBackdateWindow)
	monitoring := app.NewMonitoring(store, now)
	svc.Reports = app.NewReports(store, now, rome, monitoring) // the same monitoring figures as the API's SLA table
	svc.Outages = monitoring
	svc.Users = app.NewUsers(store, now, hash)
	svc.Enti = app.NewEnti(store, now, rome)
	return svc, nil
}

// APIServer is the API server the pages are wired to (api.Server): its
// sessions, and its handler for the CSV and XLSX downloads.
type APIServer interface {
	http.Handler
	Sessions
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
