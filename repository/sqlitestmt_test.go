package repository_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestSQLiteReaderStatementsAreUsed checks that a get on SQLite runs on
// the statement compiled once per read connection, and that it reads
// every column as the driver does: NULLs and values, times, clocks with a
// pause in progress, a stopped clock, a wait.
func TestSQLiteReaderStatementsAreUsed(t *testing.T) {
	s := repotest.SQLite(t)
	if n := s.ReaderStatements(); n != 0 {
		t.Fatalf("compiled statements before any get: %d; want 0 (-1: the driver's connection layout was not recognised, so gets re-prepare)", n)
	}
	at := time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC)
	plain := openTicket(t, s, at)
	busy := openTicket(t, s, at)
	by := operator(t, s)
	_, _, err := s.UpdateTicket(ctx, busy.ID, func(tk *domain.Ticket) (domain.Event, error) {
		until := at.Add(48 * time.Hour)
		tk.Status, tk.AssigneeID, tk.Version = domain.StatusAperto, &by.UserID, tk.Version+1
		tk.Waiting = &domain.Waiting{Since: at.Add(time.Hour), On: domain.WaitingOnEnte, Until: &until, Reason: "attesa del Comune"}
		stopped := at.Add(20*time.Minute + 123456*time.Microsecond)
		tk.Clocks[0].StoppedAt, tk.Clocks[0].Elapsed = &stopped, 20*time.Minute
		tk.Clocks[1].Pause = &domain.Pause{Since: at.Add(time.Hour), Until: &until, UntilPaused: 9 * time.Hour, UntilDeadline: at.Add(72 * time.Hour)}
		tk.Clocks[1].Paused = 5 * time.Minute
		return domain.Event{TicketID: tk.ID, Action: domain.ActionNote, At: at.Add(time.Hour), Body: "nota"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{plain.ID, busy.ID} {
		want, err := s.GetTicketThroughDriver(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetTicket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ticket %d on the compiled statement:\n%+v\nthrough the driver:\n%+v", id, got, want)
		}
	}
	if got, _ := s.GetTicket(ctx, busy.ID); got.Waiting == nil || got.AssigneeID == nil || got.Clocks[0].StoppedAt == nil || got.Clocks[1].Pause == nil {
		t.Errorf("the changed ticket lost values: %+v", got)
	}
	if _, err := s.GetTicket(ctx, busy.ID+100); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Errorf("missing ticket: %v; want not found", err)
	}
	if n := s.ReaderStatements(); n < 1 || n > 4 {
		t.Errorf("compiled statements after the gets: %d; want one per read connection used (1 to 4)", n)
	}
	// Concurrent gets share the pool's connections and their statements.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if tk, err := s.GetTicket(ctx, busy.ID); err != nil || tk.ID != busy.ID || len(tk.Clocks) != 3 {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent get: %v", err)
	}
	if n := s.ReaderStatements(); n < 1 || n > 4 {
		t.Errorf("compiled statements after concurrent gets: %d; want at most one per read connection (4)", n)
	}
	// Inside a transaction the get reads through the writer and sees the
	// transaction's own change.
	err = s.InTx(ctx, func(ctx context.Context) error {
		if _, _, err := s.UpdateTicket(ctx, plain.ID, func(tk *domain.Ticket) (domain.Event, error) {
			tk.Subject, tk.Version = "Stampante guasta", tk.Version+1
			return domain.Event{TicketID: tk.ID, Action: domain.ActionNote, At: at, Body: "nota"}, nil
		}); err != nil {
			return err
		}
		tk, err := s.GetTicket(ctx, plain.ID)
		if err == nil && tk.Subject != "Stampante guasta" {
			t.Errorf("get in the transaction: %q; want its own change", tk.Subject)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetTicket(ctx, plain.ID); err != nil || got.Subject != "Stampante guasta" {
		t.Errorf("get after the commit: %q, %v", got.Subject, err)
	}
}

// TestPostgresDoesNotCompileReaderStatements: the compiled statements are
// SQLite's read pool's alone.
func TestPostgresDoesNotCompileReaderStatements(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		if s.Dialect() == "postgres" && s.ReaderStatements() != -1 {
			t.Errorf("PostgreSQL store with SQLite reader statements")
		}
	})
}
