package main

import (
	"log/slog"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/jobs"
	"github.com/cst-firenze/helpdesk/repository"
)

// newQueue builds the River job queue on the store's pool and makes the
// store enqueue every change's notices in the change's transaction.
func newQueue(store *repository.Store, jc jobsConfig, log *slog.Logger) (*jobs.Queue, *jobs.Guard, *app.Mailing, error) {
	guard := &jobs.Guard{AllowPrivate: jc.allowPrivate}
	retry := domain.DefaultWebhookRetry()
	if jc.retryFirst > 0 {
		retry.First = jc.retryFirst
	}
	var (
		mailing *app.Mailing
		smtp    jobs.SMTP
	)
	if jc.smtpURL != "" {
		var err error
		if smtp, err = jobs.ParseSMTPURL(jc.smtpURL, jc.smtpFrom); err != nil {
			return nil, nil, nil, err
		}
		mailing = app.NewMailing(store, time.Now)
	}
	q, err := jobs.New(jobs.Config{
		Mailing: mailing, SMTP: smtp,
		Driver: store.RiverDriver(), InTx: store.InTx, TxOf: repository.SQLTx,
		Notifications: app.NewNotifications(store, time.Now), Retry: retry, Guard: guard,
		Sweeper: app.NewSLASweeper(store, time.Now, jc.warnShare), SweepEvery: jc.sweepEvery,
		Logger: log, PollInterval: jc.poll, RescueAfter: jc.rescueAfter,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	store.SetOutbox(q)
	return q, guard, mailing, nil
}
