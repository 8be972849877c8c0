package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

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
	q := jobstest.Start(t, s, jobs.Config{Retry: retry, Guard: guard})
	now := time.Now().UTC()
	u, err := s.CreateUser(context.Background(), domain.User{Username: "op1", PasswordHash: "x", Role: domain.RoleOperator,
		Level: 1, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1})
	if err != nil {
		t.Fatal(err)
	}
	return desk{store: s, queue: q, webhooks: app.NewWebhooks(s, guard, q, time.Now), tickets: app.NewTickets(s, time.Now, 0),
		op: domain.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, Level: u.Level}}
}

func (d desk) register(t *testing.T, r *jobstest.Receiver, types ...string) domain.Webhook {
	t.Helper()
	u := r.URL
	w, err := d.webhooks.Create(context.Background(), app.WebhookChange{URL: &u, EventTypes: types})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.Secret, "whsec_") {
		t.Fatalf("secret %q is not in the whsec_ form", w.Secret)
	}
	r.SetSecret(w.Secret)
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

func typesOf(ms []jobstest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Type)
	}
	return out
}

func TestSignedDeliveryOfTicketEvents(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := jobstest.NewReceiver(t)
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
		jobstest.WaitFor(t, "three messages", func() bool { return len(r.Messages()) >= 3 })
		time.Sleep(200 * time.Millisecond) // nothing more should come: the note is internal
		got := typesOf(r.Messages())
		sort.Strings(got) // at least once, in no promised order
		want := []string{"ticket.created", "ticket.replied", "ticket.status_changed"}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("got %v, want %v", got, want)
		}
		for _, m := range r.Messages() {
			if body := m.Data["event"].(map[string]any)["body"]; m.Type == "ticket.replied" && body != "Riavviate la stampante" {
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
		r := jobstest.NewReceiver(t, 500, 503)
		hook := d.register(t, r, "ticket.created")
		d.open(t)
		jobstest.WaitFor(t, "the third attempt", func() bool { return len(r.Messages()) >= 3 })
		ms := r.Messages()
		if ms[0].ID != ms[1].ID || ms[1].ID != ms[2].ID || !strings.HasPrefix(ms[0].ID, "msg_") {
			t.Fatalf("webhook-ids %s %s %s, want one id on every retry", ms[0].ID, ms[1].ID, ms[2].ID)
		}
		var log []domain.Delivery
		jobstest.WaitFor(t, "three logged attempts", func() bool {
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
		jobstest.WaitFor(t, "the redelivery", func() bool { return len(r.Messages()) == 4 })
		if got := r.Messages()[3].ID; got != ms[0].ID {
			t.Errorf("redelivered with id %s, want %s", got, ms[0].ID)
		}
	})
}

func TestRolledBackChangeSendsNothing(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := jobstest.NewReceiver(t)
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
		jobstest.WaitFor(t, "the escalation", func() bool { return len(r.Messages()) >= 1 })
		time.Sleep(300 * time.Millisecond)
		if got := typesOf(r.Messages()); len(got) != 1 || got[0] != "ticket.escalated" {
			t.Fatalf("got %v, want only ticket.escalated (the reply rolled back)", got)
		}
	})
}

func TestEndpointIsDisabledAfterGivingUp(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, domain.WebhookRetry{First: 50 * time.Millisecond, Max: 100 * time.Millisecond, GiveUp: 300 * time.Millisecond})
		down := jobstest.NewReceiver(t, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 500)
		admins := jobstest.NewReceiver(t)
		hook := d.register(t, down, "ticket.created")
		d.register(t, admins, "webhook.disabled")
		d.open(t)
		jobstest.WaitFor(t, "webhook.disabled", func() bool { return len(admins.Messages()) == 1 })
		got, err := d.webhooks.Get(context.Background(), hook.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Enabled || !strings.Contains(got.DisabledReason, "500") {
			t.Fatalf("webhook after giving up: enabled %v, reason %q", got.Enabled, got.DisabledReason)
		}
		if id := admins.Messages()[0].Data["id"]; id != float64(hook.ID) {
			t.Errorf("webhook.disabled names webhook %v, want %d", id, hook.ID)
		}
		n := len(down.Messages())
		time.Sleep(300 * time.Millisecond)
		if len(down.Messages()) != n {
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

// An idempotent create (the API's Idempotency-Key) enqueues its notice in
// the create's own transaction, once: a replay of the key sends nothing
// more. On PostgreSQL that transaction begins lazily at the first write.
func TestIdempotentCreateIsToldOnce(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		r := jobstest.NewReceiver(t)
		d.register(t, r, "ticket.created")
		create := func(ctx context.Context) (domain.StoredResponse, error) {
			tk, err := d.tickets.Open(ctx, d.op, app.OpenTicket{Ente: "firenze", Subject: "Rete giù",
				Service: "ced_multiente", Channel: domain.ChannelPhone})
			return domain.StoredResponse{Body: fmt.Appendf(nil, `{"id":%d}`, tk.ID)}, err
		}
		for i, wantReplay := range []bool{false, true} {
			_, replayed, err := s.Idempotent(context.Background(), "tickets", "told-once", "h", time.Now(), create)
			if err != nil {
				t.Fatalf("create %d: %v", i, err)
			}
			if replayed != wantReplay {
				t.Fatalf("create %d: replayed %v, want %v", i, replayed, wantReplay)
			}
		}
		jobstest.WaitFor(t, "one message", func() bool { return len(r.Messages()) >= 1 })
		time.Sleep(300 * time.Millisecond)
		if got := typesOf(r.Messages()); len(got) != 1 || got[0] != "ticket.created" {
			t.Fatalf("got %v, want one ticket.created", got)
		}
	})
}
