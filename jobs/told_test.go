package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// A change that no one will be told of enqueues nothing: without SMTP no
// notice can mail, so a fan-out job is inserted only for the types an
// enabled webhook subscribes to, read in the change's transaction (or just
// before a create written in one statement), with or without an
// Idempotency-Key.
func TestOnlyToldChangesEnqueueAFanout(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		ctx := context.Background()
		keys := 0
		openBoth := func() domain.Ticket { // one plain create, one under a fresh key
			tk := d.open(t)
			keys++
			_, _, err := s.Idempotent(ctx, "tickets", fmt.Sprint("told-", keys), "h", time.Now(), func(ctx context.Context) (domain.StoredResponse, error) {
				_, err := d.tickets.Open(ctx, d.op, app.OpenTicket{Ente: "firenze", Subject: "Rete giù",
					Service: "ced_multiente", Channel: domain.ChannelPhone})
				return domain.StoredResponse{Body: []byte(`{}`)}, err
			})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		apply := func(tk domain.Ticket, a domain.Action, body string) {
			if _, err := d.tickets.Apply(ctx, d.op, tk.ID, a, body, app.AnyVersion); err != nil {
				t.Fatal(err)
			}
		}
		fanouts := func(want int, after string) {
			t.Helper()
			n, err := d.queue.Fanouts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Fatalf("%s: %d fan-out jobs, want %d", after, n, want)
			}
		}

		tk := openBoth()
		apply(tk, domain.ActionTakeInCharge, "")
		apply(tk, domain.ActionReply, "Riavviate la stampante")
		fanouts(0, "creates, a take and a reply with no webhook")

		other := jobstest.NewReceiver(t)
		d.register(t, other, "ticket.replied")
		off := false
		u := jobstest.NewReceiver(t).URL
		if _, err := d.webhooks.Create(ctx, app.WebhookChange{URL: &u, EventTypes: []string{"ticket.created", "ticket.status_changed"}, Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		tk = openBoth()
		apply(tk, domain.ActionTakeInCharge, "")
		fanouts(0, "creates and a take with a webhook for replies only and a disabled one for creates")
		apply(tk, domain.ActionReply, "Riavviate la stampante") // replied, and status_changed, which no one wants
		fanouts(1, "a reply with a webhook for replies")

		created := jobstest.NewReceiver(t)
		d.register(t, created, "ticket.created")
		openBoth()
		fanouts(3, "two creates with a webhook for creates")
		jobstest.WaitFor(t, "both creates delivered", func() bool { return len(created.Messages()) == 2 })
		jobstest.WaitFor(t, "the reply delivered", func() bool { return len(other.Messages()) == 1 })
		time.Sleep(200 * time.Millisecond)
		if got := typesOf(other.Messages()); len(got) != 1 || got[0] != "ticket.replied" {
			t.Fatalf("the replies' webhook got %v, want one ticket.replied", got)
		}
	})
}
