package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// WebhookService is what the webhook handlers call (app.Webhooks).
type WebhookService interface {
	Create(ctx context.Context, c app.WebhookChange) (domain.Webhook, error)
	List(ctx context.Context) ([]domain.Webhook, error)
	Get(ctx context.Context, id int64) (domain.Webhook, error)
	Update(ctx context.Context, id int64, c app.WebhookChange) (domain.Webhook, error)
	Delete(ctx context.Context, id int64) error
	Deliveries(ctx context.Context, webhookID int64, limit int) ([]domain.Delivery, error)
	Redeliver(ctx context.Context, webhookID, deliveryID int64) error
}

// JobService is what the jobs handler and metrics read (the jobs queue).
type JobService interface {
	Counts(ctx context.Context) (map[string]int, error)
	List(ctx context.Context, state string, limit int) ([]app.JobInfo, error)
	// RunStats is how this process's job runs ended, per kind.
	RunStats() []app.JobRunStats
}

func (s *Server) webhookService(c *gin.Context) (WebhookService, bool) {
	if s.cfg.Webhooks == nil {
		fail(c, domain.Errorf(domain.CodeUnavailable, "webhooks are not configured on this server"))
		return nil, false
	}
	return s.cfg.Webhooks, true
}

type webhookJSON struct {
	ID             int64     `json:"id"`
	URL            string    `json:"url"`
	EventTypes     []string  `json:"event_types"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Secret         string    `json:"secret,omitempty"` // only in the response that creates it
}

func (s *Server) webhookJSON(w domain.Webhook) webhookJSON {
	return webhookJSON{ID: w.ID, URL: w.URL, EventTypes: w.EventTypes, Enabled: w.Enabled, DisabledReason: w.DisabledReason,
		CreatedAt: s.local(w.CreatedAt), UpdatedAt: s.local(w.UpdatedAt)}
}

type webhookRequest struct {
	URL        *string  `json:"url"`
	EventTypes []string `json:"event_types"`
	Enabled    *bool    `json:"enabled"`
}

// createWebhook registers an endpoint; its signing secret is shown in this
// response only.
func (s *Server) createWebhook(c *gin.Context) {
	svc, ok := s.webhookService(c)
	if !ok {
		return
	}
	var req webhookRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	w, err := svc.Create(c.Request.Context(), app.WebhookChange(req))
	if err != nil {
		fail(c, err)
		return
	}
	out := s.webhookJSON(w)
	out.Secret = w.Secret
	c.Header("Cache-Control", "no-store")
	c.Header("Location", fmt.Sprintf("/api/v1/webhooks/%d", w.ID))
	c.JSON(http.StatusCreated, out)
}

func (s *Server) listWebhooks(c *gin.Context) {
	svc, ok := s.webhookService(c)
	if !ok {
		return
	}
	ws, err := svc.List(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(ws, s.webhookJSON)})
}

func (s *Server) getWebhook(c *gin.Context) {
	svc, ok := s.webhookService(c)
	if !ok {
		return
	}
	if w, ok := byPathID(c, svc.Get); ok {
		c.JSON(http.StatusOK, s.webhookJSON(w))
	}
}

func (s *Server) patchWebhook(c *gin.Context) {
	svc, ok := s.webhookService(c)
	if !ok {
		return
	}
	var req webhookRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	w, err := svc.Update(c.Request.Context(), id, app.WebhookChange(req))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.webhookJSON(w))
}

func (s *Server) deleteWebhook(c *gin.Context) {
	svc, ok := s.webhookService(c)
	if !ok {
		return
	}
	id, err := pathID(c, "id")
	if err == nil {
		err = svc.Delete(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type webhookDeliveryJSON struct {
	ID          int64     `json:"id"`
	MessageID   string    `json:"message_id"`
	EventType   string    `json:"event_type"`
	Attempt     int       `json:"attempt"`
	StatusCode  int       `json:"status_code"`
	DurationMs  int64     `json:"duration_ms"`
	Error       string    `json:"error"`
	Succeeded   bool      `json:"succeeded"`
	AttemptedAt time.Time `json:"attempted_at"`
}

func (s *Server) webhookDeliveryJSON(d domain.Delivery) webhookDeliveryJSON {
	return webhookDeliveryJSON{ID: d.ID, MessageID: d.MessageID, EventType: string(d.EventType), Attempt: d.Attempt,
		StatusCode: d.StatusCode, DurationMs: d.Duration.Milliseconds(), Error: d.Error, Succeeded: d.Succeeded(),
		AttemptedAt: s.local(d.AttemptedAt)}
}

func (s *Server) listDeliveries(c *gin.Context) {
	svc, ok := s.webhookService(c)
	if !ok {
		return
	}
	l := s.listParams(c, map[string]bool{"limit": true})
	limit := l.limit()
	id, err := pathID(c, "id")
	if err == nil {
		err = l.err()
	}
	if err != nil {
		fail(c, err)
		return
	}
	ds, err := svc.Deliveries(c.Request.Context(), id, limit)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(ds, s.webhookDeliveryJSON)})
}

// redeliver queues a logged message again with its webhook-id; it is sent
// by the queue, so the answer is 202.
func (s *Server) redeliver(c *gin.Context) {
	svc, ok := s.webhookService(c)
	if !ok {
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	did, err := pathID(c, "delivery")
	if err == nil {
		err = svc.Redeliver(c.Request.Context(), id, did)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "queued"})
}

type jobJSON struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	State       string    `json:"state"`
	Attempt     int       `json:"attempt"`
	MaxAttempts int       `json:"max_attempts"`
	CreatedAt   time.Time `json:"created_at"`
	ScheduledAt time.Time `json:"scheduled_at"`
	LastError   string    `json:"last_error"`
}

// listJobs shows the background jobs by state: every state's count, and
// the latest jobs of one state when ?state= names it.
func (s *Server) listJobs(c *gin.Context) {
	if s.cfg.Jobs == nil {
		fail(c, domain.Errorf(domain.CodeUnavailable, "the job queue is not configured on this server"))
		return
	}
	l := s.listParams(c, map[string]bool{"state": true, "limit": true})
	limit, state := l.limit(), l.q.Get("state")
	if err := l.err(); err != nil {
		fail(c, err)
		return
	}
	counts, err := s.cfg.Jobs.Counts(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	items := []jobJSON{}
	if state != "" {
		js, err := s.cfg.Jobs.List(c.Request.Context(), state, limit)
		if err != nil {
			fail(c, err)
			return
		}
		items = mapItems(js, func(j app.JobInfo) jobJSON {
			return jobJSON{ID: j.ID, Kind: j.Kind, State: j.State, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
				CreatedAt: s.local(j.CreatedAt), ScheduledAt: s.local(j.ScheduledAt), LastError: j.LastError}
		})
	}
	c.JSON(http.StatusOK, gin.H{"counts": counts, "items": items})
}

// jobsCollector exports, on every scrape, the number of jobs in each state
// (the whole queue) and how this process's runs ended and how long they
// ran, per kind (River's job events).
type jobsCollector struct {
	jobs           JobService
	desc, runs, rt *prometheus.Desc
}

func newJobsCollector(j JobService) *jobsCollector {
	return &jobsCollector{jobs: j,
		desc: prometheus.NewDesc("helpdesk_jobs", "Background jobs (River) by state.", []string{"state"}, nil),
		runs: prometheus.NewDesc("helpdesk_job_runs_total",
			"Job runs worked by this process, by kind and outcome (completed, retried: failed and to run again, failed: for the last time, cancelled, snoozed).",
			[]string{"kind", "outcome"}, nil),
		rt: prometheus.NewDesc("helpdesk_job_run_duration_seconds", "Run time of the jobs worked by this process, by kind.", []string{"kind"}, nil),
	}
}

func (j *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- j.desc; ch <- j.runs; ch <- j.rt }

func (j *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, st := range j.jobs.RunStats() {
		for outcome, n := range st.Outcomes {
			ch <- prometheus.MustNewConstMetric(j.runs, prometheus.CounterValue, float64(n), st.Kind, outcome)
		}
		buckets := make(map[float64]uint64, len(st.Buckets))
		for i, le := range st.Buckets {
			buckets[le] = st.Counts[i]
		}
		ch <- prometheus.MustNewConstHistogram(j.rt, st.Runs, st.RunSeconds, buckets, st.Kind)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := j.jobs.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(j.desc, err)
		return
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(j.desc, prometheus.GaugeValue, float64(n), state)
	}
}

// MailLog is the e-mail use cases (app.Mailing): the log of sends, and
// the outage notices that queue mail themselves.
type MailLog interface {
	Log(ctx context.Context, limit int) ([]domain.Mail, error)
	SendOutageNotice(ctx context.Context, id int64, a domain.NoticeAudience) (app.OutageNoticeResult, error)
}

type mailJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	To        string     `json:"to"`
	Subject   string     `json:"subject"`
	Status    string     `json:"status"`
	Error     string     `json:"error"`
	TicketID  *int64     `json:"ticket_id"`
	OutageID  *int64     `json:"outage_id"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// listMail shows the latest e-mail sends with their outcome.
func (s *Server) listMail(c *gin.Context) {
	if !s.mailConfigured(c) {
		return
	}
	l := s.listParams(c, map[string]bool{"limit": true})
	limit := l.limit()
	if err := l.err(); err != nil {
		fail(c, err)
		return
	}
	ms, err := s.cfg.Mail.Log(c.Request.Context(), limit)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(ms, s.mailJSON)})
}

func (s *Server) mailJSON(m domain.Mail) mailJSON {
	return mailJSON{ID: m.ID, Kind: string(m.Kind), To: m.To, Subject: m.Subject, Status: string(m.Status), Error: m.Error,
		TicketID: m.TicketID, OutageID: m.OutageID, CreatedAt: s.local(m.CreatedAt), SentAt: s.localPtr(m.SentAt)}
}

// mailConfigured answers 503 when the server sends no e-mail.
func (s *Server) mailConfigured(c *gin.Context) bool {
	if s.cfg.Mail == nil {
		fail(c, domain.Errorf(domain.CodeUnavailable, "e-mail is not configured on this server (HELPDESK_SMTP_URL)"))
		return false
	}
	return true
}
