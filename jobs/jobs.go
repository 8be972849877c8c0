// Package jobs runs the background work of the help desk on River: the
// fan-out of events to webhooks and e-mail, signed webhook deliveries with
// retries, and the SLA sweeper. Jobs are inserted in the same transaction
// as the change that causes them (Enqueue is the repository's outbox), so a
// rollback sends nothing and a commit loses nothing; River's leader runs the
// periodic sweeper once across replicas.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// Config wires the queue to the database and the use cases it calls.
type Config struct {
	Driver riverdriver.Driver[*sql.Tx]
	// InTx runs fn in one database transaction; TxOf returns the
	// *sql.Tx that ctx carries inside it.
	InTx func(ctx context.Context, fn func(ctx context.Context) error) error
	TxOf func(ctx context.Context) *sql.Tx

	Notifications *app.Notifications
	Sweeper       *app.SLASweeper // nil: no SLA sweeps (tests of deliveries alone)
	Mailing       *app.Mailing    // nil (no SMTP configured): no e-mail
	SMTP          SMTP
	SweepEvery    time.Duration // 0: every minute
	Retry         domain.WebhookRetry
	Guard         *Guard
	Logger        *slog.Logger
	Now           func() time.Time

	// Optional tuning; zero means River's default. Tests shorten them.
	PollInterval time.Duration // how often idle workers look for jobs
	JobTimeout   time.Duration // a job's context is cancelled after this
	RescueAfter  time.Duration // a running job of a dead process is retried after this
	Workers      int           // concurrent jobs per process
}

// Queue is the River client and what it needs to enqueue and work jobs.
type Queue struct {
	cfg         Config
	client      *river.Client[*sql.Tx]
	http        *http.Client
	stats       runStats
	unsubscribe func()
}

// New builds the River client with its workers; Start runs it.
func New(cfg Config) (*Queue, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Retry == (domain.WebhookRetry{}) {
		cfg.Retry = domain.DefaultWebhookRetry()
	}
	if cfg.RescueAfter > 0 && cfg.JobTimeout == 0 {
		// River rescues only jobs that have outlived their timeout.
		cfg.JobTimeout = min(time.Minute, cfg.RescueAfter/2)
	}
	if cfg.Workers == 0 {
		cfg.Workers = 10
	}
	q := &Queue{cfg: cfg, http: cfg.Guard.Client(15 * time.Second)}
	workers := river.NewWorkers()
	river.AddWorker(workers, &fanoutWorker{q: q})
	river.AddWorker(workers, &deliveryWorker{q: q})
	if cfg.Mailing != nil {
		river.AddWorker(workers, &mailWorker{q: q})
	}
	var periodic []*river.PeriodicJob
	if cfg.Sweeper != nil {
		river.AddWorker(workers, &sweepWorker{q: q})
		periodic = append(periodic, sweepJob(cmp.Or(cfg.SweepEvery, time.Minute)))
	}
	client, err := river.NewClient(cfg.Driver, &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		PeriodicJobs:         periodic,
		Logger:               cfg.Logger,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 100*time.Millisecond),
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		// Deliveries give up by time (domain.WebhookRetry), not by count.
		MaxAttempts: 1000,
	})
	if err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	q.client = client
	events, unsubscribe := client.SubscribeConfig(&river.SubscribeConfig{Kinds: runEvents, ChanSize: 10_000})
	q.unsubscribe = unsubscribe
	go q.stats.watch(events)
	if cfg.Mailing != nil {
		cfg.Mailing.SetQueue(q) // outage notices queue their mails themselves
	}
	return q, nil
}

// Start starts working jobs; it returns at once.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop waits for running jobs to finish, or for ctx to end, then stops.
func (q *Queue) Stop(ctx context.Context) error {
	defer q.unsubscribe()
	err := q.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return q.client.StopAndCancel(context.Background())
	}
	return err
}

// Enqueue inserts one fan-out job per notice in the change's transaction
// (repository.Outbox).
func (q *Queue) Enqueue(ctx context.Context, tx *sql.Tx, notices []domain.Notice) error {
	params := make([]river.InsertManyParams, 0, len(notices))
	for _, n := range notices {
		args, err := newFanout(n)
		if err != nil {
			return err
		}
		params = append(params, river.InsertManyParams{Args: args})
	}
	_, err := q.client.InsertManyTx(ctx, tx, params)
	return err
}

// MayMail reports whether a notice could give any mail: never without
// SMTP, else as the mail rules say of its kind (repository.Outbox). A
// notice that cannot, and that no enabled webhook subscribes to, is not
// enqueued at all.
func (q *Queue) MayMail(n domain.Notice) bool {
	return q.cfg.Mailing != nil && mailRequest(n).MayMail()
}

// Redeliver queues a logged message again to its webhook, with the same
// webhook-id and payload (app.Redeliverer).
func (q *Queue) Redeliver(ctx context.Context, d domain.Delivery) error {
	_, err := q.client.Insert(ctx, deliveryArgs{WebhookID: d.WebhookID, MessageID: d.MessageID,
		Type: d.EventType, Payload: d.Payload, FirstAt: q.cfg.Now().UTC()}, nil)
	return err
}

// JobStates lists River's job states in lifecycle order.
var JobStates = []rivertype.JobState{
	rivertype.JobStatePending, rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStateRunning,
	rivertype.JobStateRetryable, rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded,
}

// Counts returns the number of jobs in each state.
func (q *Queue) Counts(ctx context.Context) (map[string]int, error) {
	m, err := q.cfg.Driver.GetExecutor().JobCountByAllStates(ctx, &riverdriver.JobCountByAllStatesParams{})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(JobStates))
	for _, s := range JobStates {
		out[string(s)] = m[s]
	}
	return out, nil
}

// List returns up to limit jobs in a state, newest first.
func (q *Queue) List(ctx context.Context, state string, limit int) ([]app.JobInfo, error) {
	known := false
	for _, s := range JobStates {
		known = known || string(s) == state
	}
	if !known {
		return nil, domain.Invalid("unknown job state", domain.FieldError{Field: "state", Detail: fmt.Sprintf("must be one of %v", JobStates)})
	}
	res, err := q.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobState(state)).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(limit))
	if err != nil {
		return nil, err
	}
	out := make([]app.JobInfo, len(res.Jobs))
	for i, j := range res.Jobs {
		out[i] = app.JobInfo{ID: j.ID, Kind: j.Kind, State: string(j.State), Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
			CreatedAt: j.CreatedAt.UTC(), ScheduledAt: j.ScheduledAt.UTC()}
		if n := len(j.Errors); n > 0 {
			out[i].LastError = j.Errors[n-1].Error
		}
	}
	return out, nil
}
