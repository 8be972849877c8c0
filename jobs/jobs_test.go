package jobs_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// quiet keeps River's info lines out of the test output.
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fastRetry retries within a fraction of a second, so tests need no
// sleeps of minutes.
var fastRetry = domain.WebhookRetry{First: 100 * time.Millisecond, Max: 400 * time.Millisecond, GiveUp: time.Hour}

type desk struct {
	store    *repository.Store
	queue    *jobs.Queue
	webhooks *app.Webhooks
	tickets  *app.Tickets
	op       domain.Principal // an operator of level 1
}

func startDesk(t *testing.T, s *repository.Store, retry domain.WebhookRetry) desk {
	t.Helper()
	guard := &jobs.Guard{AllowPrivate: true} // the receivers listen on 127.0.0.1
	q, err := jobs.New(jobs.Config{
		Driver: s.RiverDriver(), InTx: s.InTx, TxOf: repository.SQLTx,
		Notifications: app.NewNotifications(s, time.Now), Retry: retry, Guard: guard,
		PollInterval: 50 * time.Millisecond, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.SetOutbox(q)
	now := time.Now().UTC()
	u, err := s.CreateUser(context.Background(), domain.User{Username: "op1", PasswordHash: "x", Role: domain.RoleOperator,
		Level: 1, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = q.Stop(sctx)
		cancel()
	})
	return desk{store: s, queue: q, webhooks: app.NewWebhooks(s, guard, q, time.Now), tickets: app.NewTickets(s, time.Now),
		op: domain.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, Level: u.Level}}
}

// message is what a receiver got, with its signature checked.
type message struct {
	ID   string
	Type string
	Body map[string]any
}

// receiver verifies every request's Standard Webhooks signature and
// answers with the statuses given, then 204.
type receiver struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	secret   string
	statuses []int
	got      []message
	bad      []string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{t: t, statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ts, sig := req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		r.bad = append(r.bad, "timestamp "+ts)
	}
	want, err := domain.SignWebhook(r.secret, id, time.Unix(sec, 0), body)
	if err != nil || !hmac.Equal([]byte(want), []byte(sig)) || !strings.HasPrefix(sig, "v1,") {
		r.bad = append(r.bad, "signature of "+id)
	}
	var m message
	var p struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		r.bad = append(r.bad, "body "+string(body))
	}
	m.ID, m.Type, m.Body = id, p.Type, p.Data
	r.got = append(r.got, m)
	status := http.StatusNoContent
	if len(r.statuses) > 0 {
		status, r.statuses = r.statuses[0], r.statuses[1:]
	}
	w.WriteHeader(status)
}

func (r *receiver) messages() []message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bad) > 0 {
		r.t.Errorf("receiver refused: %v", r.bad)
	}
	return append([]message(nil), r.got...)
}

// waitFor polls until cond holds or 15 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (d desk) register(t *testing.T, r *receiver, types ...string) domain.Webhook {
	t.Helper()
	u := r.srv.URL + "/hook"
	w, err := d.webhooks.Create(context.Background(), app.WebhookChange{URL: &u, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.Secret, "whsec_") {
		t.Fatalf("secret %q is not in the whsec_ form", w.Secret)
	}
	r.mu.Lock()
	r.secret = w.Secret
	r.mu.Unlock()
	return w
}

func (d desk) open(t *testing.T) domain.Ticket {
	t.Helper()
	tk, err := d.tickets.Open(context.Background(), d.op, app.OpenTicket{Ente: "firenze", Subject: "Stampante ferma",
		Service: "ced_multiente", Channel: domain.ChannelPhone})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func typesOf(ms []message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Type)
	}
	return out
}

func TestSignedDeliveryOfTicketEvents(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := newReceiver(t)
		hook := d.register(t, r, "ticket.*")
		tk := d.open(t)
		if _, err := d.tickets.Apply(context.Background(), d.op, tk.ID, domain.ActionTakeInCharge, "", app.AnyVersion); err != nil {
			t.Fatal(err)
		}
		if _, err := d.tickets.Apply(context.Background(), d.op, tk.ID, domain.ActionNote, "solo per noi", app.AnyVersion); err != nil {
			t.Fatal(err)
		}
		if _, err := d.tickets.Apply(context.Background(), d.op, tk.ID, domain.ActionReply, "Riavviate la stampante", app.AnyVersion); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "three messages", func() bool { return len(r.messages()) >= 3 })
		time.Sleep(200 * time.Millisecond) // nothing more should come: the note is internal
		got := typesOf(r.messages())
		sort.Strings(got) // at least once, in no promised order
		want := []string{"ticket.created", "ticket.replied", "ticket.status_changed"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("got %v, want %v", got, want)
		}
		for _, m := range r.messages() {
			if body := m.Body["event"].(map[string]any)["body"]; m.Type == "ticket.replied" && body != "Riavviate la stampante" {
				t.Errorf("reply body %v", body)
			}
		}
		log, err := d.webhooks.Deliveries(context.Background(), hook.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 3 || log[0].StatusCode != 204 || log[0].Attempt != 1 || log[0].Error != "" {
			t.Fatalf("delivery log %+v", log)
		}
	})
}

func TestFailingReceiverIsRetriedWithTheSameID(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := newReceiver(t, 500, 503)
		hook := d.register(t, r, "ticket.created")
		d.open(t)
		waitFor(t, "the third attempt", func() bool { return len(r.messages()) >= 3 })
		ms := r.messages()
		if ms[0].ID != ms[1].ID || ms[1].ID != ms[2].ID || !strings.HasPrefix(ms[0].ID, "msg_") {
			t.Fatalf("webhook-ids %s %s %s, want one id on every retry", ms[0].ID, ms[1].ID, ms[2].ID)
		}
		var log []domain.Delivery
		waitFor(t, "three logged attempts", func() bool {
			log, _ = d.webhooks.Deliveries(context.Background(), hook.ID, 10)
			return len(log) == 3
		})
		for i, want := range []int{204, 503, 500} {
			if log[i].StatusCode != want || log[i].Attempt != 3-i {
				t.Errorf("log[%d] = attempt %d status %d, want attempt %d status %d", i, log[i].Attempt, log[i].StatusCode, 3-i, want)
			}
		}
		if err := d.webhooks.Redeliver(context.Background(), hook.ID, log[0].ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the redelivery", func() bool { return len(r.messages()) == 4 })
		if got := r.messages()[3].ID; got != ms[0].ID {
			t.Errorf("redelivered with id %s, want %s", got, ms[0].ID)
		}
	})
}

func TestRolledBackChangeSendsNothing(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := newReceiver(t)
		d.register(t, r, "ticket.replied", "ticket.escalated")
		tk := d.open(t)
		abort := errors.New("abort")
		err := s.InTx(context.Background(), func(ctx context.Context) error {
			if _, err := d.tickets.Apply(ctx, d.op, tk.ID, domain.ActionReply, "mai inviata", app.AnyVersion); err != nil {
				return err
			}
			return abort
		})
		if !errors.Is(err, abort) {
			t.Fatalf("InTx: %v", err)
		}
		if _, err := d.tickets.Apply(context.Background(), d.op, tk.ID, domain.ActionEscalate, "", app.AnyVersion); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the escalation", func() bool { return len(r.messages()) >= 1 })
		time.Sleep(300 * time.Millisecond)
		if got := typesOf(r.messages()); len(got) != 1 || got[0] != "ticket.escalated" {
			t.Fatalf("got %v, want only ticket.escalated (the reply rolled back)", got)
		}
	})
}

func TestEndpointIsDisabledAfterGivingUp(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, domain.WebhookRetry{First: 50 * time.Millisecond, Max: 100 * time.Millisecond, GiveUp: 300 * time.Millisecond})
		down := newReceiver(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
		admins := newReceiver(t)
		hook := d.register(t, down, "ticket.created")
		d.register(t, admins, "webhook.disabled")
		d.open(t)
		waitFor(t, "webhook.disabled", func() bool { return len(admins.messages()) == 1 })
		got, err := d.webhooks.Get(context.Background(), hook.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled || !strings.Contains(got.DisabledReason, "500") {
			t.Fatalf("webhook after giving up: enabled %v, reason %q", got.Enabled, got.DisabledReason)
		}
		if id := admins.messages()[0].Body["id"]; id != float64(hook.ID) {
			t.Errorf("webhook.disabled names webhook %v, want %d", id, hook.ID)
		}
		n := len(down.messages())
		time.Sleep(300 * time.Millisecond)
		if len(down.messages()) != n {
			t.Errorf("a disabled endpoint was called again")
		}
	})
}

func TestPrivateAddressesAreRefused(t *testing.T) {
	g := &jobs.Guard{}
	for _, u := range []string{"http://127.0.0.1/x", "http://localhost:8080/", "http://10.1.2.3/", "http://[::1]/", "http://169.254.169.254/latest", "http://192.168.1.1/", "http://[::ffff:127.0.0.1]/"} {
		err := g.CheckURL(context.Background(), u)
		if domain.ErrorCode(err) != domain.CodeUnprocessable {
			t.Errorf("CheckURL(%s) = %v, want unprocessable", u, err)
		}
	}
	if err := g.CheckURL(context.Background(), "http://93.184.215.14/hook"); err != nil {
		t.Errorf("a public address was refused: %v", err)
	}
	// At dial time too: a name that resolved elsewhere at registration
	// cannot reach the loopback later.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	_, err := g.Client(time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("dial to %s: %v, want refused", srv.URL, err)
	}
	if _, err := (&jobs.Guard{AllowPrivate: true}).Client(time.Second).Post(srv.URL, "application/json", strings.NewReader("{}")); err != nil {
		t.Fatalf("with AllowPrivate: %v", err)
	}
}
