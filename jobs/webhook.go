package jobs

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// fanoutArgs is one event to send: inserted with the change that caused it,
// worked into one delivery job per subscribed webhook.
type fanoutArgs struct {
	Type      domain.EventType `json:"type"`
	MessageID string           `json:"message_id"`
	Payload   string           `json:"payload"`
	Mail      *app.MailRequest `json:"mail,omitempty"`
}

func (fanoutArgs) Kind() string { return "notify_fanout" }

// payload is the body of every webhook message.
type payload struct {
	Type      domain.EventType `json:"type"`
	Timestamp time.Time        `json:"timestamp"`
	Data      any              `json:"data"`
}

func newFanout(n domain.Notice) (fanoutArgs, error) {
	body, err := json.Marshal(payload{Type: n.Type, Timestamp: n.At.UTC(), Data: noticeData(n)})
	if err != nil {
		return fanoutArgs{}, err
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id) // crypto/rand.Read never fails on supported platforms
	return fanoutArgs{Type: n.Type, MessageID: "msg_" + hex.EncodeToString(id), Payload: string(body), Mail: mailRequest(n)}, nil
}

type fanoutWorker struct {
	river.WorkerDefaults[fanoutArgs]
	q *Queue
}

// Work inserts the deliveries and completes itself in one transaction, so
// that a retried fan-out never sends a message twice to an endpoint.
func (w *fanoutWorker) Work(ctx context.Context, job *river.Job[fanoutArgs]) error {
	targets, err := w.q.cfg.Notifications.Targets(ctx, job.Args.Type)
	if err != nil {
		return err
	}
	now := w.q.cfg.Now().UTC()
	return w.q.cfg.InTx(ctx, func(ctx context.Context) error {
		tx := w.q.cfg.TxOf(ctx)
		params := make([]river.InsertManyParams, 0, len(targets))
		for _, t := range targets {
			params = append(params, river.InsertManyParams{Args: deliveryArgs{
				WebhookID: t.ID, MessageID: job.Args.MessageID, Type: job.Args.Type, Payload: job.Args.Payload, FirstAt: now}})
		}
		mails, err := w.q.planMails(ctx, job.Args)
		if err != nil {
			return err
		}
		params = append(params, mails...)
		if len(params) > 0 {
			if _, err := w.q.client.InsertManyTx(ctx, tx, params); err != nil {
				return err
			}
		}
		_, err = river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx, job)
		return err
	})
}

// deliveryArgs is one message to one webhook. Its fields never change
// between attempts, so every retry carries the same webhook-id.
type deliveryArgs struct {
	WebhookID int64            `json:"webhook_id"`
	MessageID string           `json:"message_id"`
	Type      domain.EventType `json:"type"`
	Payload   string           `json:"payload"`
	FirstAt   time.Time        `json:"first_at"`
}

func (deliveryArgs) Kind() string { return "webhook_delivery" }

type deliveryWorker struct {
	river.WorkerDefaults[deliveryArgs]
	q *Queue
}

// NextRetry follows the webhook retry rule instead of River's default.
func (w *deliveryWorker) NextRetry(job *river.Job[deliveryArgs]) time.Time {
	return w.q.cfg.Now().Add(w.q.cfg.Retry.Delay(job.Attempt))
}

// Work sends the message once and logs the attempt; a failure is retried
// until the retry rule gives up, then the endpoint is disabled and admins
// are told (webhook.disabled).
func (w *deliveryWorker) Work(ctx context.Context, job *river.Job[deliveryArgs]) error {
	n := w.q.cfg.Notifications
	hook, err := n.Webhook(ctx, job.Args.WebhookID)
	if errors.Is(err, domain.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if !hook.Enabled {
		return river.JobCancel(fmt.Errorf("webhook %d is disabled", hook.ID))
	}
	d := w.q.send(ctx, hook, job.Args)
	d.Attempt = job.Attempt
	if _, err := n.Record(ctx, d); err != nil {
		return err
	}
	if d.Succeeded() {
		return nil
	}
	failure := errors.New(d.Error)
	if d.Error == "" {
		failure = fmt.Errorf("the receiver answered %d", d.StatusCode)
	}
	if !w.q.cfg.Retry.Exhausted(job.Args.FirstAt, w.q.cfg.Now()) {
		return failure
	}
	off, err := n.Disable(ctx, hook.ID, fmt.Sprintf("deliveries failed for %s: %v", w.q.cfg.Retry.GiveUp, failure))
	if err != nil {
		return err
	}
	w.q.cfg.Logger.Warn("webhook disabled after failing deliveries", "webhook_id", hook.ID, "url", hook.URL, "err", failure)
	args, err := newFanout(domain.Notice{Type: domain.EventWebhookDisabled, At: w.q.cfg.Now().UTC(), Webhook: &off})
	if err != nil {
		return err
	}
	if _, err := w.q.client.Insert(ctx, args, nil); err != nil {
		return err
	}
	return river.JobCancel(failure)
}

// send makes one signed attempt (Standard Webhooks headers) and says what
// came of it.
func (q *Queue) send(ctx context.Context, hook domain.Webhook, a deliveryArgs) domain.Delivery {
	now := q.cfg.Now()
	d := domain.Delivery{WebhookID: hook.ID, MessageID: a.MessageID, EventType: a.Type, Payload: a.Payload, AttemptedAt: now.UTC()}
	sig, err := domain.SignWebhook(hook.Secret, a.MessageID, now, []byte(a.Payload))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader([]byte(a.Payload)))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "helpdesk-webhooks/1")
	req.Header.Set("webhook-id", a.MessageID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, err := q.http.Do(req)
	d.Duration = time.Since(start)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	d.StatusCode = resp.StatusCode
	return d
}
