package repository

import (
	"context"
	"time"

	"errors"

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
