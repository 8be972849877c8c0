package repository_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// TestListByDue: a ByDue list orders the whole result by each ticket's
// nearest deadline of a clock not stopped (ties by id), as the queue page
// reads it from the domain's clocks, and puts the tickets without one
// after, newest first; the limit cuts the ordered whole.
func TestListByDue(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		var tk []domain.Ticket
		for i := range 6 {
			tk = append(tk, openTicket(t, s, base.Add(time.Duration(i)*time.Minute)))
		}
		stop := base.Add(10 * time.Minute)
		set := func(i int, code domain.SLACode, deadline time.Duration, stopped bool) {
			t.Helper()
			var at *time.Time
			if stopped {
				at = &stop
			}
			if err := s.SetClock(ctx, tk[i].ID, code, base.Add(deadline), at); err != nil {
				t.Fatal(err)
			}
		}
		// The phone tickets have SLA.6, 7 and 8; each line sets one clock.
		set(0, domain.SLATakeInCharge, 5*time.Hour, false)
		set(0, domain.SLAFirstReply, time.Hour, false)
		set(0, domain.SLAPhoneIntervention, 30*time.Minute, true) // stopped: does not count
		for _, c := range domain.SLACodes {
			set(1, c, time.Hour, true) // no clock running
			set(4, c, time.Hour, true) // likewise, opened later
		}
		set(2, domain.SLATakeInCharge, 2*time.Hour, false)
		set(2, domain.SLAFirstReply, 2*time.Hour, true)
		set(2, domain.SLAPhoneIntervention, 2*time.Hour, true)
		set(3, domain.SLATakeInCharge, time.Hour, false) // the same due as ticket 0: the id decides
		set(3, domain.SLAFirstReply, 3*time.Hour, false)
		set(3, domain.SLAPhoneIntervention, 3*time.Hour, true)
		set(5, domain.SLAPhoneIntervention, -time.Hour, false) // past its deadline, still not stopped: first
		set(5, domain.SLATakeInCharge, 4*time.Hour, false)
		set(5, domain.SLAFirstReply, 4*time.Hour, false)

		want := []int64{tk[5].ID, tk[0].ID, tk[3].ID, tk[2].ID, tk[4].ID, tk[1].ID}
		for _, limit := range []int{6, 4, 5, 100} {
			page, err := s.ListTickets(ctx, domain.TicketFilter{ByDue: true, Limit: limit, Now: base})
			if err != nil {
				t.Fatal(err)
			}
			if got, w := ids(page.Tickets), want[:min(limit, len(want))]; !slices.Equal(got, w) {
				t.Errorf("limit %d: got %v, want %v", limit, got, w)
			}
			if page.Total == nil || *page.Total != 6 {
				t.Errorf("limit %d: total %v, want 6", limit, page.Total)
			}
			// The order is the one the domain's clocks give.
			due := func(t domain.Ticket) (time.Time, bool) {
				var d time.Time
				for _, c := range t.Clocks {
					if c.StoppedAt == nil && (d.IsZero() || c.Deadline.Before(d)) {
						d = c.Deadline
					}
				}
				return d, !d.IsZero()
			}
			for i := 1; i < len(page.Tickets); i++ {
				a, b := page.Tickets[i-1], page.Tickets[i]
				da, oka := due(a)
				db, okb := due(b)
				if okb && (!oka || db.Before(da) || db.Equal(da) && b.ID < a.ID) {
					t.Errorf("limit %d: ticket %d (due %v) listed before %d (due %v)", limit, a.ID, da, b.ID, db)
				}
			}
		}
		// Filters still apply.
		page, err := s.ListTickets(ctx, domain.TicketFilter{ByDue: true, Limit: 10, Now: base, Statuses: []domain.Status{domain.StatusRisolto}})
		if err != nil || len(page.Tickets) != 0 {
			t.Errorf("by due, status risolto: %v, %v; want none", ids(page.Tickets), err)
		}
	})
}

// TestListByDuePages: walking a ByDue list page by page with its cursors
// gives the whole list in its order, no ticket twice and none skipped,
// while many tickets share a due (to the microsecond), for page sizes
// that end a page inside the dues, exactly at their end, and inside the
// tail of tickets without a due.
func TestListByDuePages(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		stop := base.Add(time.Minute)
		const n = 23
		var tk []domain.Ticket
		for i := range n {
			tk = append(tk, openTicket(t, s, base.Add(time.Duration(i%4)*time.Minute))) // opened_at ties too
		}
		withDue := 0
		for i, x := range tk {
			for _, c := range domain.SLACodes {
				var at *time.Time
				if i%5 == 0 || c != domain.SLAFirstReply {
					at = &stop // every fifth ticket has no clock running
				}
				// Three dues shared by many tickets, with a fraction of a second.
				due := base.Add(time.Duration(i%3)*time.Hour + 123456*time.Microsecond)
				if err := s.SetClock(ctx, x.ID, c, due, at); err != nil {
					t.Fatal(err)
				}
			}
			if i%5 != 0 {
				withDue++
			}
		}
		f := domain.TicketFilter{ByDue: true, Limit: 100, Now: base}
		whole, err := s.ListTickets(ctx, f)
		if err != nil || len(whole.Tickets) != n || whole.Next != nil {
			t.Fatalf("one page of 100: %d tickets, next %v (%v); want %d and no next", len(whole.Tickets), whole.Next, err, n)
		}
		for _, limit := range []int{1, 3, 4, withDue, withDue - 1, withDue + 1, n - 1, n} {
			f := f
			f.Limit = limit
			var got []int64
			seen := map[int64]bool{}
			for pages := 0; ; pages++ {
				if pages > n+1 {
					t.Fatalf("limit %d: the pages do not end", limit)
				}
				page, err := s.ListTickets(ctx, f)
				if err != nil {
					t.Fatalf("limit %d, page %d: %v", limit, pages, err)
				}
				if len(page.Tickets) > limit || (page.Next != nil && len(page.Tickets) != limit) {
					t.Fatalf("limit %d, page %d: %d tickets, next %v", limit, pages, len(page.Tickets), page.Next)
				}
				for _, x := range page.Tickets {
					if seen[x.ID] {
						t.Errorf("limit %d: ticket %d listed twice", limit, x.ID)
					}
					seen[x.ID] = true
					got = append(got, x.ID)
				}
				if page.Next == nil {
					break
				}
				f.After = page.Next
			}
			if want := ids(whole.Tickets); !slices.Equal(got, want) {
				t.Errorf("limit %d: pages give %v, the whole list is %v", limit, got, want)
			}
		}
	})
}
