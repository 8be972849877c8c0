package repository_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// ticketCreate is what the API's idempotent ticket create does: open the
// ticket, then render a response that names its id. after, when set, runs
// between the two, with the create's context.
func ticketCreate(t *testing.T, s *repository.Store, calls *int, mu *sync.Mutex, after func(ctx context.Context, tk domain.Ticket) error) func(context.Context) (domain.StoredResponse, error) {
	cal, err := s.Calendar(ctx, "firenze")
	if err != nil {
		t.Fatal(err)
	}
	by := operator(t, s)
	return func(ctx context.Context) (domain.StoredResponse, error) {
		mu.Lock()
		*calls++
		mu.Unlock()
		tk, ev, err := domain.Open(domain.NewTicket{EnteCode: "firenze", Subject: "Rete giù", Service: "ced_multiente", Channel: domain.ChannelPhone, Level: 1},
			by, time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC), domain.DefaultSLATargets(), cal)
		if err != nil {
			return domain.StoredResponse{}, err
		}
		if tk, err = s.CreateTicket(ctx, tk, ev); err != nil {
			return domain.StoredResponse{}, err
		}
		if after != nil {
			if err := after(ctx, tk); err != nil {
				return domain.StoredResponse{}, err
			}
		}
		return domain.StoredResponse{Location: fmt.Sprintf("/api/v1/tickets/%d", tk.ID), Body: fmt.Appendf(nil, `{"id":%d}`, tk.ID)}, nil
	}
}

func ticketCount(t *testing.T, s *repository.Store) int {
	t.Helper()
	p, err := s.ListTickets(ctx, domain.TicketFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return *p.Total
}

// TestIdempotentTicketCreate: eight concurrent requests with one key make
// one ticket, and all eight answer with its response; a create that fails
// after opening leaves neither ticket nor key; what the create reads
// after opening sees the ticket it opened; and the ticket, its clocks
// and its event are all written.
func TestIdempotentTicketCreate(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		var mu sync.Mutex
		calls := 0
		create := ticketCreate(t, s, &calls, &mu, nil)
		var wg sync.WaitGroup
		bodies := make([]string, 8)
		errs := make([]error, 8)
		fresh := 0
		for i := range bodies {
			wg.Go(func() {
				r, replayed, err := s.Idempotent(ctx, "u1 POST /api/v1/tickets", "same-key", "h", time.Now(), create)
				bodies[i], errs[i] = string(r.Body), err
				if err == nil && !replayed {
					mu.Lock()
					fresh++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		for i := range bodies {
			if errs[i] != nil || bodies[i] != bodies[0] {
				t.Errorf("request %d: %q, %v; want %q", i, bodies[i], errs[i], bodies[0])
			}
		}
		if n := ticketCount(t, s); n != 1 || fresh != 1 {
			t.Errorf("%d tickets, %d fresh answers; want 1 and 1", n, fresh)
		}
		var id int64
		fmt.Sscanf(bodies[0], `{"id":%d}`, &id)
		got, err := s.GetTicket(ctx, id)
		if err != nil || len(got.Clocks) != 3 {
			t.Errorf("ticket %d: %+v, %v; want it with its three clocks", id, got, err)
		}
		if evs, _ := s.TicketEvents(ctx, id); len(evs) != 1 || evs[0].Action != domain.ActionOpen {
			t.Errorf("events %+v, want the opening", evs)
		}

		boom := errors.New("rendering failed")
		failing := ticketCreate(t, s, &calls, &mu, func(context.Context, domain.Ticket) error { return boom })
		if _, _, err := s.Idempotent(ctx, "u1 POST /api/v1/tickets", "fails", "h", time.Now(), failing); !errors.Is(err, boom) {
			t.Errorf("failing create: %v", err)
		}
		if n := ticketCount(t, s); n != 1 {
			t.Errorf("a failed create left %d tickets, want 1", n)
		}
		calls = 0
		if _, replayed, err := s.Idempotent(ctx, "u1 POST /api/v1/tickets", "fails", "h", time.Now(), create); err != nil || replayed || calls != 1 {
			t.Errorf("retry of the failed create: replayed=%v err=%v calls=%d; want a fresh create", replayed, err, calls)
		}

		reads := ticketCreate(t, s, &calls, &mu, func(ctx context.Context, tk domain.Ticket) error {
			got, err := s.TicketEvents(ctx, tk.ID)
			if err == nil && len(got) != 1 {
				err = fmt.Errorf("create's own read saw %d events of ticket %d, want its opening", len(got), tk.ID)
			}
			return err
		})
		if _, _, err := s.Idempotent(ctx, "u1 POST /api/v1/tickets", "reads", "h", time.Now(), reads); err != nil {
			t.Error(err)
		}
		if n := ticketCount(t, s); n != 3 {
			t.Errorf("%d tickets, want 3", n)
		}
	})
}
