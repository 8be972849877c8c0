package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// sweepArgs is one run of the SLA sweeper. River's leader inserts it every
// SweepEvery, so replicas sweep once between them.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "sla_sweep" }

// InsertOpts keep at most one sweep waiting: a sweep that overran its
// period is not followed by a pile of them.
func (sweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	q *Queue
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	res, err := w.q.cfg.Sweeper.Sweep(ctx)
	if err != nil {
		return err
	}
	if res.Warnings+res.Breaches > 0 {
		w.q.cfg.Logger.Info("SLA sweep", "warnings", res.Warnings, "breaches", res.Breaches)
	}
	return nil
}

func sweepJob(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return sweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "sla_sweep", RunOnStart: true})
}
