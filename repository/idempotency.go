package repository

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

type idempotencyRow struct {
	Scope       string `gorm:"primaryKey"`
	Key         string `gorm:"primaryKey"`
	RequestHash string
	Location    string
	Body        string
	CreatedAt   time.Time `gorm:"autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

// Idempotent runs create once per (scope, key). The response create
// returns is stored in the same transaction as what it created, so a retry
// after any failure either finds both or neither. A retry with the same
// request hash gets the stored response (replayed = true); a different
// request under the same key is refused.
func (s *Store) Idempotent(ctx context.Context, scope, key, hash string, now time.Time,
	create func(ctx context.Context) (domain.StoredResponse, error)) (resp domain.StoredResponse, replayed bool, err error) {
	if s.postgres && ctx.Value(txKey{}) == nil && pendingCreate(ctx) == nil {
		return s.idempotentDeferred(ctx, scope, key, hash, now, create)
	}
	for attempt := 0; ; attempt++ {
		err = s.InTx(ctx, func(ctx context.Context) error {
			var row idempotencyRow
			err := s.conn(ctx).Where("scope = ? AND key = ?", scope, key).Take(&row).Error
			switch {
			case err == nil:
				if row.RequestHash != hash {
					return domain.Errorf(domain.CodeUnprocessable, "the Idempotency-Key %q was already used with a different request", key)
				}
				resp, replayed = domain.StoredResponse{Location: row.Location, Body: []byte(row.Body)}, true
				return nil
			case !errors.Is(translate(err), domain.ErrNotFound):
				return translate(err)
			}
			if resp, err = create(ctx); err != nil {
				return err
			}
			return translate(s.conn(ctx).Create(&idempotencyRow{
				Scope: scope, Key: key, RequestHash: hash,
				Location: resp.Location, Body: string(resp.Body), CreatedAt: utc(now),
			}).Error)
		})
		// A concurrent request with the same key committed first: read its
		// response on the next pass.
		if domain.ErrorCode(err) == domain.CodeConflict && attempt == 0 {
			replayed = false
			continue
		}
		return resp, replayed, err
	}
}

// lazyTx is the transaction of an idempotent create on PostgreSQL, begun
// only when create first touches the store. A ticket create that comes
// first does not begin it: CreateTicket takes an id and hands the ticket
// over, and once create has rendered its response, one statement writes
// the key, the ticket, its clocks and its event (createTicketOneStatement
// with the key). The whole create with an Idempotency-Key is then three
// round trips (look-up, id, that statement) instead of five (BEGIN,
// look-up, create, key, COMMIT).
type lazyTx struct {
	s      *Store
	ctx    context.Context
	tx     *gorm.DB
	ticket *domain.Ticket // handed over by CreateTicket, not written yet
	opened domain.Event
}

type lazyKey struct{}

// pendingCreate returns the lazy transaction of an idempotent create
// carried by ctx, or nil.
func pendingCreate(ctx context.Context) *lazyTx {
	l, _ := ctx.Value(lazyKey{}).(*lazyTx)
	return l
}

// begin begins the transaction, writing first a ticket handed over
// earlier: whatever create does next sees it.
func (l *lazyTx) begin() *gorm.DB {
	if l.tx != nil {
		return l.tx
	}
	l.tx = l.s.db.WithContext(l.ctx).Begin()
	if l.tx.Error == nil && l.ticket != nil {
		t := l.ticket
		l.ticket = nil
		if _, err := createTicketOneStatement(l.tx, *t, l.opened, nil); err != nil {
			_ = l.tx.AddError(err)
		}
	}
	return l.tx
}

func (s *Store) idempotentDeferred(ctx context.Context, scope, key, hash string, now time.Time,
	create func(ctx context.Context) (domain.StoredResponse, error)) (resp domain.StoredResponse, replayed bool, err error) {
	for attempt := 0; ; attempt++ {
		var row idempotencyRow
		err = scanOne(s.db.WithContext(ctx), "SELECT request_hash, location, body FROM idempotency_keys WHERE scope = ? AND key = ?",
			[]any{scope, key}, &row.RequestHash, &row.Location, &row.Body)
		switch {
		case err == nil:
			if row.RequestHash != hash {
				return resp, false, domain.Errorf(domain.CodeUnprocessable, "the Idempotency-Key %q was already used with a different request", key)
			}
			return domain.StoredResponse{Location: row.Location, Body: []byte(row.Body)}, true, nil
		case !errors.Is(translate(err), domain.ErrNotFound):
			return resp, false, translate(err)
		}
		l := &lazyTx{s: s, ctx: ctx}
		func() {
			defer func() { // a panic in create must not keep a connection in a transaction
				if r := recover(); r != nil {
					if l.tx != nil {
						l.tx.Rollback()
					}
					panic(r)
				}
			}()
			resp, err = create(context.WithValue(ctx, lazyKey{}, l))
		}()
		k := idempotencyRow{Scope: scope, Key: key, RequestHash: hash,
			Location: resp.Location, Body: string(resp.Body), CreatedAt: utc(now)}
		switch {
		case err != nil:
			if l.tx != nil {
				l.tx.Rollback()
			}
		case l.tx != nil:
			if err = translate(l.tx.Error); err == nil {
				err = translate(l.tx.Create(&k).Error)
			}
			if err != nil {
				l.tx.Rollback()
			} else {
				err = translate(l.tx.Commit().Error)
			}
		case l.ticket != nil:
			_, err = createTicketOneStatement(s.db.WithContext(ctx), *l.ticket, l.opened, &k)
			if errors.Is(err, domain.ErrNotFound) { // no row back: the key exists
				err = domain.Errorf(domain.CodeConflict, "the Idempotency-Key %q is in use", key)
			}
		default: // create wrote nothing through the store
			err = translate(s.db.WithContext(ctx).Create(&k).Error)
		}
		// A concurrent request with the same key committed first: read its
		// response on the next pass.
		if domain.ErrorCode(err) == domain.CodeConflict && attempt == 0 {
			continue
		}
		return resp, false, err
	}
}
