package jobs

import (
	"cmp"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/cst-firenze/helpdesk/app"
)

// runBuckets are the upper bounds, in seconds, of the run-time histogram:
// from a fan-out's few milliseconds to a webhook's 15 s timeout.
var runBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15, 60}

// runEvents are the job events the statistics count.
var runEvents = []river.EventKind{river.EventKindJobCompleted, river.EventKindJobFailed,
	river.EventKindJobCancelled, river.EventKindJobSnoozed}

// runStats counts the runs of this process's workers per job kind, from
// River's event subscription.
type runStats struct {
	mu     sync.Mutex
	byKind map[string]*app.JobRunStats
}

// watch counts the events until the channel closes (the subscription is
// cancelled when the queue stops).
func (s *runStats) watch(events <-chan *river.Event) {
	for ev := range events {
		if ev.Job == nil {
			continue
		}
		var run time.Duration
		if ev.JobStats != nil {
			run = ev.JobStats.RunDuration
		}
		s.add(ev.Job.Kind, outcome(ev), run)
	}
}

// outcome names how a run ended: a failure is retried unless River
// discarded the job (it ran out of attempts).
func outcome(ev *river.Event) string {
	switch ev.Kind {
	case river.EventKindJobCompleted:
		return app.JobCompleted
	case river.EventKindJobCancelled:
		return app.JobCancelled
	case river.EventKindJobSnoozed:
		return app.JobSnoozed
	}
	if ev.Job.State == rivertype.JobStateDiscarded {
		return app.JobFailed
	}
	return app.JobRetried
}

func (s *runStats) add(kind, outcome string, run time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byKind == nil {
		s.byKind = map[string]*app.JobRunStats{}
	}
	st, ok := s.byKind[kind]
	if !ok {
		st = &app.JobRunStats{Kind: kind, Outcomes: map[string]uint64{}, Buckets: runBuckets, Counts: make([]uint64, len(runBuckets))}
		s.byKind[kind] = st
	}
	st.Outcomes[outcome]++
	sec := run.Seconds()
	st.Runs++
	st.RunSeconds += sec
	for i, le := range runBuckets {
		if sec <= le {
			st.Counts[i]++
		}
	}
}

// snapshot copies the statistics, by kind.
func (s *runStats) snapshot() []app.JobRunStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]app.JobRunStats, 0, len(s.byKind))
	for _, st := range s.byKind {
		c := *st
		c.Outcomes = maps.Clone(st.Outcomes)
		c.Counts = slices.Clone(st.Counts)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b app.JobRunStats) int { return cmp.Compare(a.Kind, b.Kind) })
	return out
}

// RunStats returns how this process's job runs ended and how long they
// ran, per kind, since it started (for /metrics).
func (q *Queue) RunStats() []app.JobRunStats { return q.stats.snapshot() }
