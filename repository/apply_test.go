package repository_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestApplyDecidesOnTheLockedRead: an action reads its ticket once, under
// the lock, and decides visibility and version on that read: another
// ente's principal gets not found, a stale version 412, and neither
// changes the ticket; a good action writes the ticket, its clock and the
// event together.
func TestApplyDecidesOnTheLockedRead(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		at := time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC)
		tk := openTicket(t, s, at)
		u := app.NewTickets(s, app.Clock(func() time.Time { return at.Add(10 * time.Minute) }), 0)
		stranger := domain.Principal{UserID: 999, Username: "altro", Role: domain.RoleEnte, EnteCode: "fiesole"}
		if _, err := u.Apply(ctx, stranger, tk.ID, domain.ActionReply, "x", app.AnyVersion); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("another ente's action: got %v, want not found", err)
		}
		op := operator(t, s)
		if _, err := u.Apply(ctx, op, tk.ID, domain.ActionTakeInCharge, "", tk.Version+1); domain.ErrorCode(err) != domain.CodePreconditionFailed {
			t.Errorf("stale version: got %v, want precondition failed", err)
		}
		if got, _ := s.GetTicket(ctx, tk.ID); got.Version != tk.Version || got.Status != domain.StatusNuovo {
			t.Fatalf("refused actions changed the ticket: %+v", got)
		}
		done, err := u.Apply(ctx, op, tk.ID, domain.ActionTakeInCharge, "", tk.Version)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetTicket(ctx, tk.ID)
		c, _ := got.Clock(domain.SLATakeInCharge)
		if got.Status != domain.StatusAperto || got.Version != tk.Version+1 || c.StoppedAt == nil || got.Version != done.Version {
			t.Errorf("after take in charge: %+v", got)
		}
		evs, _ := s.TicketEvents(ctx, tk.ID)
		if len(evs) != 2 || evs[1].Action != domain.ActionTakeInCharge || evs[1].ActorID != op.UserID {
			t.Errorf("history %+v, want open + take in charge by %d", evs, op.UserID)
		}
	})
}

// TestActionsMoveTheStateRanges: each action that changes the status or
// level closes the current range at its instant and begins the next, in
// the same write; a reply changes none. The ranges stored after take,
// reply, escalate, resolve and reopen are the ones the history gives.
func TestActionsMoveTheStateRanges(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		at := time.Date(2026, 3, 27, 9, 0, 0, 0, time.UTC)
		tk := openTicket(t, s, at)
		op := operator(t, s)
		for i, a := range []domain.Action{domain.ActionTakeInCharge, domain.ActionReply, domain.ActionEscalate,
			domain.ActionResolve, domain.ActionReopen} {
			when := at.Add(time.Duration(i+1) * 7 * time.Minute)
			u := app.NewTickets(s, app.Clock(func() time.Time { return when }), 0)
			if _, err := u.Apply(ctx, op, tk.ID, a, "fatto", app.AnyVersion); err != nil {
				t.Fatalf("%s: %v", a, err)
			}
		}
		stored, want, err := s.TicketStates(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) != 5 { // open, take, escalate, resolve, reopen
			t.Fatalf("the history gives %d ranges, want 5: %+v", len(want), want)
		}
		if fmt.Sprintf("%+v", stored) != fmt.Sprintf("%+v", want) {
			t.Errorf("stored ranges\n%+v\nwant\n%+v", stored, want)
		}
	})
}
