package web

import (
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

func TestTechnicianWorkByDay(t *testing.T) {
	h := newTestHandler(t)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, h.rome)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	planned := func(id int64, s string, st domain.InterventionStatus) domain.Intervention {
		p := at(s)
		return domain.Intervention{ID: id, Status: st, PlannedAt: &p, Deadline: at("2026-12-31 18:00")}
	}
	ivs := []domain.Intervention{
		planned(1, "2026-12-02 17:00", domain.InterventionScheduled),                    // today
		planned(2, "2026-12-01 09:00", domain.InterventionScheduled),                    // yesterday: late, so today
		planned(3, "2026-12-09 09:00", domain.InterventionInProgress),                   // under way
		planned(4, "2026-12-06 23:00", domain.InterventionScheduled),                    // Sunday
		planned(5, "2026-12-07 08:00", domain.InterventionScheduled),                    // next Monday
		{ID: 6, Status: domain.InterventionScheduled, Deadline: at("2026-12-03 12:00")}, // no plan: the deadline
	}
	ids := func(ivs []domain.Intervention) []int64 {
		var out []int64
		for _, iv := range ivs {
			out = append(out, iv.ID)
		}
		return out
	}
	for _, tc := range []struct {
		now                string
		today, week, later []int64
	}{
		{"2026-12-02 10:00", []int64{1, 2, 3}, []int64{4, 6}, []int64{5}}, // a Wednesday
		{"2026-12-06 10:00", []int64{1, 2, 3, 4, 6}, nil, []int64{5}},     // Sunday: the week ends today
		{"2026-11-30 10:00", []int64{3}, []int64{1, 2, 4, 6}, []int64{5}}, // Monday: the whole week ahead
	} {
		today, week, later := h.byDay(ivs, at(tc.now))
		if g, w := [][]int64{ids(today), ids(week), ids(later)}, [][]int64{tc.today, tc.week, tc.later}; !equalIDs(g, w) {
			t.Errorf("at %s: today/week/later = %v, want %v", tc.now, g, w)
		}
	}
}

func equalIDs(a, b [][]int64) bool {
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}
