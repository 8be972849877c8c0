package repository

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cst-firenze/helpdesk/domain"
)

// Outbox takes the notices of a change inside the change's transaction, so
// that a rollback sends nothing and a commit loses nothing. The jobs
// package implements it with River's InsertTx.
type Outbox interface {
	Enqueue(ctx context.Context, tx *sql.Tx, notices []domain.Notice) error
}

// SetOutbox makes every ticket, intervention and outage change enqueue its
// notices in its own transaction. Without one nothing is enqueued (tests of
// storage alone, and the migrate command).
func (s *Store) SetOutbox(o Outbox) { s.outbox = o }

// publish hands notices to the outbox within the transaction ctx carries.
func (s *Store) publish(ctx context.Context, notices []domain.Notice) error {
	if s.outbox == nil || len(notices) == 0 {
		return nil
	}
	tx := SQLTx(ctx)
	if tx == nil {
		return errors.New("publish: notices must be enqueued inside the change's transaction")
	}
	return translate(s.outbox.Enqueue(ctx, tx, notices))
}
