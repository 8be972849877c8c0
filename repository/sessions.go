package repository

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/cst-firenze/helpdesk/domain"
)

// sessionCache keeps users' session versions for domain.SessionCacheTTL, so
// that checking an access token costs no query on the hot path. This
// process drops an entry as soon as it changes the user; another process
// on the same database sees the change within the TTL.
type sessionCache struct {
	mu      sync.Mutex
	entries map[int64]sessionEntry
}

type sessionEntry struct {
	version int // 0: the user does not exist
	at      time.Time
}

func (c *sessionCache) get(id int64, now time.Time) (sessionEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || now.Sub(e.at) >= domain.SessionCacheTTL || now.Before(e.at) {
		return sessionEntry{}, false
	}
	return e, true
}

func (c *sessionCache) put(id int64, e sessionEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) > 50_000 { // bounded under a flood of made-up ids
		c.entries = map[int64]sessionEntry{}
	}
	c.entries[id] = e
}

func (c *sessionCache) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// SessionVersion returns the user's current session version; a user that
// does not exist is not found.
func (s *Store) SessionVersion(ctx context.Context, userID int64) (int, error) {
	now := time.Now()
	e, ok := s.sessions.get(userID, now)
	if !ok {
		var row struct{ SessionVersion int }
		err := s.conn(ctx).Model(&userRow{}).Select("session_version").Where("id = ?", userID).Take(&row).Error
		switch {
		case err == gorm.ErrRecordNotFound:
		case err != nil:
			return 0, translate(err)
		default:
			e.version = row.SessionVersion
		}
		e.at = now
		s.sessions.put(userID, e)
	}
	if e.version == 0 {
		return 0, notFound("user %d not found", userID)
	}
	return e.version, nil
}

// RevokeSessions ends every session of a user: access tokens (by raising
// the session version) and refresh families.
func (s *Store) RevokeSessions(ctx context.Context, userID int64, now time.Time) error {
	err := s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Model(&userRow{}).Where("id = ?", userID).
			Update("session_version", gorm.Expr("session_version + 1"))
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return notFound("user %d not found", userID)
		}
		return s.revokeUserRefresh(ctx, userID, now)
	})
	s.sessions.drop(userID)
	return err
}

func (s *Store) revokeUserRefresh(ctx context.Context, userID int64, now time.Time) error {
	if now.IsZero() {
		now = time.Now()
	}
	return translate(s.conn(ctx).Model(&refreshRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).
		Update("revoked_at", utc(now)).Error)
}
