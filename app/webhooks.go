package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// WebhookStore is what the webhook use cases need from persistence.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, w domain.Webhook) (domain.Webhook, error)
	ListWebhooks(ctx context.Context) ([]domain.Webhook, error)
	GetWebhook(ctx context.Context, id int64) (domain.Webhook, error)
	UpdateWebhook(ctx context.Context, id int64, fn func(*domain.Webhook) error) (domain.Webhook, error)
	DeleteWebhook(ctx context.Context, id int64) error
	RecordDelivery(ctx context.Context, d domain.Delivery) (domain.Delivery, error)
	ListDeliveries(ctx context.Context, webhookID int64, limit int) ([]domain.Delivery, error)
	GetDelivery(ctx context.Context, id int64) (domain.Delivery, error)
}

// URLGuard refuses webhook URLs that resolve to addresses the service may
// not call (SSRF); the check is repeated when dialling.
type URLGuard interface {
	CheckURL(ctx context.Context, rawURL string) error
}

// Redeliverer queues a message again to its webhook.
type Redeliverer interface {
	Redeliver(ctx context.Context, d domain.Delivery) error
}

// Webhooks are the admins' use cases of webhook endpoints.
type Webhooks struct {
	store WebhookStore
	guard URLGuard
	queue Redeliverer
	now   Clock
}

// NewWebhooks builds the webhook use cases.
func NewWebhooks(store WebhookStore, guard URLGuard, queue Redeliverer, now Clock) *Webhooks {
	return &Webhooks{store: store, guard: guard, queue: queue, now: now}
}

// WebhookChange is a request to register or change an endpoint; nil
// fields are left as they are.
type WebhookChange struct {
	URL        *string
	EventTypes []string
	Enabled    *bool
}

func (u *Webhooks) check(ctx context.Context, rawURL string, types []string) error {
	if err := domain.ValidateWebhook(rawURL, types); err != nil {
		return err
	}
	return u.guard.CheckURL(ctx, rawURL)
}

// Create registers an endpoint with a new signing secret, which the caller
// shows once.
func (u *Webhooks) Create(ctx context.Context, c WebhookChange) (domain.Webhook, error) {
	w := domain.Webhook{Enabled: true, EventTypes: c.EventTypes}
	if c.URL != nil {
		w.URL = *c.URL
	}
	if c.Enabled != nil {
		w.Enabled = *c.Enabled
	}
	if err := u.check(ctx, w.URL, w.EventTypes); err != nil {
		return domain.Webhook{}, err
	}
	key := make([]byte, 24)
	_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	w.Secret = domain.WebhookSecret(key)
	w.CreatedAt = u.now.read()
	w.UpdatedAt = w.CreatedAt
	return u.store.CreateWebhook(ctx, w)
}

// List returns every endpoint.
func (u *Webhooks) List(ctx context.Context) ([]domain.Webhook, error) {
	return u.store.ListWebhooks(ctx)
}

// Get returns one endpoint.
func (u *Webhooks) Get(ctx context.Context, id int64) (domain.Webhook, error) {
	return u.store.GetWebhook(ctx, id)
}

// Update changes an endpoint; enabling it again clears why it was disabled.
func (u *Webhooks) Update(ctx context.Context, id int64, c WebhookChange) (domain.Webhook, error) {
	cur, err := u.store.GetWebhook(ctx, id)
	if err != nil {
		return domain.Webhook{}, err
	}
	url, types := cur.URL, cur.EventTypes
	if c.URL != nil {
		url = *c.URL
	}
	if c.EventTypes != nil {
		types = c.EventTypes
	}
	if err := u.check(ctx, url, types); err != nil {
		return domain.Webhook{}, err
	}
	now := u.now.read()
	return u.store.UpdateWebhook(ctx, id, func(w *domain.Webhook) error {
		w.URL, w.EventTypes, w.UpdatedAt = url, types, now
		if c.Enabled != nil {
			w.Enabled = *c.Enabled
			if w.Enabled {
				w.DisabledReason = ""
			}
		}
		return nil
	})
}

// Delete removes an endpoint and its delivery log.
func (u *Webhooks) Delete(ctx context.Context, id int64) error { return u.store.DeleteWebhook(ctx, id) }

// Deliveries returns an endpoint's delivery log, newest first.
func (u *Webhooks) Deliveries(ctx context.Context, webhookID int64, limit int) ([]domain.Delivery, error) {
	if _, err := u.store.GetWebhook(ctx, webhookID); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 100 {
		limit = 100
	}
	return u.store.ListDeliveries(ctx, webhookID, limit)
}

// Redeliver queues a logged message again, with the same webhook-id.
func (u *Webhooks) Redeliver(ctx context.Context, webhookID, deliveryID int64) error {
	d, err := u.store.GetDelivery(ctx, deliveryID)
	if err != nil {
		return err
	}
	if d.WebhookID != webhookID {
		return domain.Errorf(domain.CodeNotFound, "webhook %d has no delivery %d", webhookID, deliveryID)
	}
	w, err := u.store.GetWebhook(ctx, webhookID)
	if err != nil {
		return err
	}
	if !w.Enabled {
		return domain.Errorf(domain.CodeConflict, "webhook %d is disabled; enable it first", webhookID)
	}
	return u.queue.Redeliver(ctx, d)
}

// Notifications are the use cases the background workers call: where an
// event goes and what came of each attempt.
type Notifications struct {
	store WebhookStore
	now   Clock
}

// NewNotifications builds the workers' use cases.
func NewNotifications(store WebhookStore, now Clock) *Notifications {
	return &Notifications{store: store, now: now}
}

// Targets are the enabled endpoints subscribed to et.
func (u *Notifications) Targets(ctx context.Context, et domain.EventType) ([]domain.Webhook, error) {
	all, err := u.store.ListWebhooks(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.Webhook
	for _, w := range all {
		if w.Enabled && w.Subscribes(et) {
			out = append(out, w)
		}
	}
	return out, nil
}

// Webhook returns one endpoint.
func (u *Notifications) Webhook(ctx context.Context, id int64) (domain.Webhook, error) {
	return u.store.GetWebhook(ctx, id)
}

// Record logs one delivery attempt.
func (u *Notifications) Record(ctx context.Context, d domain.Delivery) (domain.Delivery, error) {
	return u.store.RecordDelivery(ctx, d)
}

// Disable turns an endpoint off after its deliveries failed for too long.
func (u *Notifications) Disable(ctx context.Context, id int64, why string) (domain.Webhook, error) {
	now := u.now.read()
	return u.store.UpdateWebhook(ctx, id, func(w *domain.Webhook) error {
		w.Enabled, w.DisabledReason, w.UpdatedAt = false, fmt.Sprintf("%s (%s)", why, now.Format("2006-01-02 15:04:05Z")), now
		return nil
	})
}

// JobRunStats is how the runs of one kind of job ended in this process,
// and how long they ran: a histogram of run times in seconds, Counts[i]
// being the runs of at most Buckets[i] (cumulative).
type JobRunStats struct {
	Kind       string
	Outcomes   map[string]uint64 // by JobCompleted, JobRetried, ...
	Runs       uint64
	RunSeconds float64
	Buckets    []float64
	Counts     []uint64
}

// How a job's run ended.
const (
	JobCompleted = "completed"
	JobRetried   = "retried" // it failed and will run again
	JobFailed    = "failed"  // it failed for the last time (River discarded it)
	JobCancelled = "cancelled"
	JobSnoozed   = "snoozed"
)

// JobInfo is one background job as admins see it.
type JobInfo struct {
	ID          int64
	Kind        string
	State       string
	Attempt     int
	MaxAttempts int
	CreatedAt   time.Time
	ScheduledAt time.Time
	LastError   string
}
