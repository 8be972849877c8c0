package repository

import (
	"context"
	"database/sql"
	"errors"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

// Outbox takes the notices of a change inside the change's transaction, so
// that a rollback sends nothing and a commit loses nothing. The jobs
// package implements it with River's InsertTx.
type Outbox interface {
	Enqueue(ctx context.Context, tx *sql.Tx, notices []domain.Notice) error
	// MayMail reports whether a notice could give any mail, a pure
	// function of the notice: the rest are for webhooks alone.
	MayMail(n domain.Notice) bool
}

// SetOutbox makes every ticket, intervention and outage change enqueue its
// notices in its own transaction. Without one nothing is enqueued (tests of
// storage alone, and the migrate command).
func (s *Store) SetOutbox(o Outbox) { s.outbox = o }

// publish hands notices to the outbox within the transaction ctx carries,
// those that someone will be told of (told).
func (s *Store) publish(ctx context.Context, notices []domain.Notice) error {
	return s.publishWith(ctx, notices, nil)
}

// publishWith is publish with the webhooks' subscriptions already read
// (subs), or read now in the transaction (nil).
func (s *Store) publishWith(ctx context.Context, notices []domain.Notice, subs *domain.Webhook) error {
	if s.outbox == nil || len(notices) == 0 {
		return nil
	}
	tx := SQLTx(ctx)
	if tx == nil {
		return errors.New("publish: notices must be enqueued inside the change's transaction")
	}
	var err error
	if subs != nil {
		notices = toldOf(s.outbox, notices, *subs)
	} else if notices, err = s.told(s.conn(ctx), notices); err != nil {
		return err
	}
	if len(notices) == 0 {
		return nil
	}
	return translate(s.outbox.Enqueue(ctx, tx, notices))
}

// tells reports whether a change's notices will need a job, given the
// subscriptions read before it (subs; nil: not read, the change's
// transaction will decide).
func (s *Store) tells(notices []domain.Notice, subs *domain.Webhook) bool {
	if s.outbox == nil || len(notices) == 0 {
		return false
	}
	return subs == nil || len(toldOf(s.outbox, notices, *subs)) > 0
}

// told returns the notices someone will be told of: those that may give
// mail, and those an enabled webhook subscribes to. The webhooks are read
// with db, in the change's transaction (or, for a create that writes in
// one statement, just before it), and only if some notice cannot mail: a
// webhook committed before the change is always served, on any replica.
func (s *Store) told(db *gorm.DB, notices []domain.Notice) ([]domain.Notice, error) {
	mailless := 0
	for _, n := range notices {
		if !s.outbox.MayMail(n) {
			mailless++
		}
	}
	if mailless == 0 {
		return notices, nil
	}
	subs, err := subscriptions(db)
	if err != nil {
		return nil, err
	}
	return toldOf(s.outbox, notices, subs), nil
}

// toldOf keeps the notices that may mail or that subs subscribes to.
func toldOf(o Outbox, notices []domain.Notice, subs domain.Webhook) []domain.Notice {
	var out []domain.Notice
	for _, n := range notices {
		if o.MayMail(n) || subs.Subscribes(n.Type) {
			out = append(out, n)
		}
	}
	return out
}

// subscriptionsSQL reads the event types of the enabled webhooks.
const subscriptionsSQL = "SELECT event_types FROM webhooks WHERE enabled"

// subscriptions returns the event types every enabled webhook subscribes
// to, together, as one endpoint: it subscribes to a type if any of them
// does.
func subscriptions(db *gorm.DB) (domain.Webhook, error) {
	rows, err := db.Raw(subscriptionsSQL).Rows()
	if err != nil {
		return domain.Webhook{}, translate(err)
	}
	defer rows.Close()
	var all []string
	for rows.Next() {
		var types string
		if err := rows.Scan(&types); err != nil {
			return domain.Webhook{}, translate(err)
		}
		all = append(all, eventTypes(types)...)
	}
	return domain.Webhook{EventTypes: all}, translate(rows.Err())
}
