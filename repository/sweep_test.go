package repository_test

import (
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestWatchedClocksHoldWhatMayBeDue: at every instant of two days, in
// pages of two, the store returns every running clock the domain would
// warn or breach (ClockNotice), none twice and in key order, and leaves out
// those still within WarningFrom and their deadline: a sweep reads what
// may be due, not the open queue. The tickets are opened over a working
// day and an evening, with the three phone clocks each (1 and 6 working
// hours, 2 calendar hours); one has its clocks stopped.
func TestWatchedClocksHoldWhatMayBeDue(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		rome, _ := time.LoadLocation("Europe/Rome")
		cal, err := s.Calendar(ctx, "firenze")
		if err != nil {
			t.Fatal(err)
		}
		base := time.Date(2026, 3, 13, 8, 0, 0, 0, rome) // a Friday
		var tickets []domain.Ticket
		for i := range 8 {
			tickets = append(tickets, openTicket(t, s, base.Add(time.Duration(i)*97*time.Minute)))
		}
		for _, c := range domain.SLACodes { // all stopped: never watched
			stop := base.Add(time.Minute)
			if err := s.SetClock(ctx, tickets[0].ID, c, tickets[0].OpenedAt.Add(time.Hour), &stop); err != nil {
				t.Fatal(err)
			}
		}
		const share = domain.SLAWarningShare
		due, skipped := 0, 0 // the test's own check: both cases happen
		for now := base; now.Before(base.Add(48 * time.Hour)); now = now.Add(11 * time.Minute) {
			var got []domain.WatchedClock
			for after := (domain.ClockKey{}); ; {
				page, err := s.WatchedClocks(ctx, now, share, after, 2)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, page...)
				if len(page) < 2 {
					break
				}
				after = page[len(page)-1].Key()
			}
			read := map[domain.ClockKey]bool{}
			for i, w := range got {
				if read[w.Key()] {
					t.Fatalf("at %s: %v read twice", now, w.Key())
				}
				read[w.Key()] = true
				if i > 0 && !keyBefore(got[i-1].Key(), w.Key()) {
					t.Fatalf("at %s: %v after %v", now, w.Key(), got[i-1].Key())
				}
				if w.Clock.StoppedAt != nil || w.EnteCode != "firenze" {
					t.Fatalf("at %s: read %+v", now, w)
				}
				if w.Clock.Deadline.After(now) && w.Clock.WarningFrom(share).After(now.Add(time.Second)) {
					t.Fatalf("at %s: read %v, within its target (warning from %s)", now, w.Key(), w.Clock.WarningFrom(share))
				}
			}
			for _, tk := range tickets {
				stored, err := s.GetTicket(ctx, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range stored.Clocks {
					w := domain.WatchedClock{TicketID: tk.ID, EnteCode: tk.EnteCode, Clock: c}
					switch {
					case w.ClockNotice(now, cal, share) != "":
						if !read[w.Key()] {
							t.Fatalf("at %s: %v is due %s but was not read", now, w.Key(), w.ClockNotice(now, cal, share))
						}
						due++
					case c.StoppedAt == nil && !read[w.Key()]:
						skipped++
					}
				}
			}
		}
		if due == 0 || skipped == 0 {
			t.Fatalf("%d clocks due were read and %d running ones skipped: the test checks nothing", due, skipped)
		}
	})
}

func keyBefore(a, b domain.ClockKey) bool {
	if !a.Deadline.Equal(b.Deadline) {
		return a.Deadline.Before(b.Deadline)
	}
	if a.TicketID != b.TicketID {
		return a.TicketID < b.TicketID
	}
	return a.Code < b.Code
}
