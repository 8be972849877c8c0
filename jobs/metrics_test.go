package jobs_test

import (
	"testing"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/jobs/jobstest"
	"github.com/cst-firenze/helpdesk/repository"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// outcomes returns how the runs of a kind of job ended so far.
func outcomes(stats []app.JobRunStats, kind string) (map[string]uint64, app.JobRunStats) {
	for _, st := range stats {
		if st.Kind == kind {
			return st.Outcomes, st
		}
	}
	return map[string]uint64{}, app.JobRunStats{}
}

// TestRunStatsCountCompletedAndRetriedJobs: a fan-out that completes, and
// a delivery that fails once and then completes, move the per-kind
// counters and the run-time histogram that /metrics exports.
func TestRunStatsCountCompletedAndRetriedJobs(t *testing.T) {
	repotest.Each(t, func(t *testing.T, s *repository.Store) {
		d := startDesk(t, s, fastRetry)
		if st := d.queue.RunStats(); len(st) != 0 {
			t.Fatalf("run stats before any job: %+v", st)
		}
		r := jobstest.NewReceiver(t, 500)
		d.register(t, r, "ticket.created")
		d.open(t)
		jobstest.WaitFor(t, "the delivery to complete after a retry", func() bool {
			o, _ := outcomes(d.queue.RunStats(), "webhook_delivery")
			return o["completed"] == 1
		})
		stats := d.queue.RunStats()
		if o, _ := outcomes(stats, "webhook_delivery"); o["retried"] != 1 || o["failed"] != 0 {
			t.Errorf("webhook_delivery outcomes %v, want one retried, one completed", o)
		}
		o, fan := outcomes(stats, "notify_fanout")
		if o["completed"] != 1 || fan.Runs != 1 {
			t.Fatalf("notify_fanout outcomes %v, %d runs; want one completed run", o, fan.Runs)
		}
		if last := fan.Counts[len(fan.Counts)-1]; last != 1 || fan.RunSeconds <= 0 {
			t.Errorf("run-time histogram %v (sum %f s), want the run counted in the last bucket", fan.Counts, fan.RunSeconds)
		}
	})
}
