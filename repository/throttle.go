package repository

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/cst-firenze/helpdesk/domain"
)

type throttleRow struct {
	Key          string `gorm:"primaryKey"`
	Failures     int
	LastFailure  time.Time
	BlockedUntil time.Time
}

func (throttleRow) TableName() string { return "login_throttle" }

// LoginThrottles returns the state of the keys that exist.
func (s *Store) LoginThrottles(ctx context.Context, keys ...string) ([]domain.LoginThrottle, error) {
	var rows []throttleRow
	if err := s.conn(ctx).Where("key IN ?", keys).Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.LoginThrottle, len(rows))
	for i, r := range rows {
		out[i] = domain.LoginThrottle{Key: r.Key, Failures: r.Failures, LastFailure: r.LastFailure.UTC(), BlockedUntil: r.BlockedUntil.UTC()}
	}
	return out, nil
}

// UpdateLoginThrottle locks a throttle key (made on first use), lets fn
// change it and saves it. Keys untouched for a day are dropped on the way,
// so a spray of made-up names does not grow the table for ever.
func (s *Store) UpdateLoginThrottle(ctx context.Context, key string, now time.Time, fn func(*domain.LoginThrottle)) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if err := db.Where("last_failure < ?", utc(now.Add(-24*time.Hour))).Delete(&throttleRow{}).Error; err != nil {
			return translate(err)
		}
		zero := throttleRow{Key: key, LastFailure: time.Unix(0, 0).UTC(), BlockedUntil: time.Unix(0, 0).UTC()}
		if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&zero).Error; err != nil {
			return translate(err)
		}
		var row throttleRow
		if err := s.forUpdate(db).Where("key = ?", key).Take(&row).Error; err != nil {
			return translate(err)
		}
		t := domain.LoginThrottle{Key: key, Failures: row.Failures, LastFailure: row.LastFailure.UTC(), BlockedUntil: row.BlockedUntil.UTC()}
		if t.LastFailure.Equal(time.Unix(0, 0).UTC()) {
			t.LastFailure = time.Time{}
		}
		fn(&t)
		return translate(db.Model(&throttleRow{}).Where("key = ?", key).Updates(map[string]any{
			"failures": t.Failures, "last_failure": utc(t.LastFailure), "blocked_until": utc(t.BlockedUntil),
		}).Error)
	})
}

// ClearLoginThrottle forgets a key's failures (a successful login).
func (s *Store) ClearLoginThrottle(ctx context.Context, key string) error {
	err := s.conn(ctx).Where("key = ?", key).Delete(&throttleRow{}).Error
	if err == gorm.ErrRecordNotFound {
		return nil
	}
	return translate(err)
}
