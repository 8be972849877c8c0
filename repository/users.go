package repository

import (
	"context"
	"errors"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Username     string
	PasswordHash string
	Role         string
	Level        int
	EnteCode     *string
	Active       bool
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
	Version      int
	// SessionVersion is raised whenever the user's sessions must end.
	SessionVersion int
	Email          string
	EmailOptOut    bool
}

func (userRow) TableName() string { return "users" }

func toUserRow(u domain.User) userRow {
	r := userRow{
		ID: u.ID, Username: u.Username, PasswordHash: u.PasswordHash, Role: string(u.Role),
		Level: int(u.Level), Active: u.Active, CreatedAt: utc(u.CreatedAt), UpdatedAt: utc(u.UpdatedAt),
		Version: u.Version, SessionVersion: u.SessionVersion, Email: u.Email, EmailOptOut: u.EmailOptOut,
	}
	if r.SessionVersion == 0 {
		r.SessionVersion = 1
	}
	if u.EnteCode != "" {
		r.EnteCode = &u.EnteCode
	}
	return r
}

func (r userRow) toDomain() domain.User {
	return domain.User{
		ID: r.ID, Username: r.Username, PasswordHash: r.PasswordHash, Role: domain.Role(r.Role),
		Level: domain.Level(r.Level), EnteCode: deref(r.EnteCode), Active: r.Active,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
		SessionVersion: r.SessionVersion, Email: r.Email, EmailOptOut: r.EmailOptOut,
	}
}

// CountUsers returns how many users exist, to know whether to create the
// first admin.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&userRow{}).Count(&n).Error
	return n, translate(err)
}

// CreateUser stores a new user; a taken username is a conflict.
func (s *Store) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	row := toUserRow(u)
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		if domain.ErrorCode(translate(err)) == domain.CodeConflict {
			return u, domain.Errorf(domain.CodeConflict, "the username %q is taken", u.Username)
		}
		return u, translate(err)
	}
	return row.toDomain(), nil
}

// GetUser returns a user by id.
func (s *Store) GetUser(ctx context.Context, id int64) (domain.User, error) {
	return s.findUser(ctx, "id = ?", id)
}

// UserByUsername returns a user by login name.
func (s *Store) UserByUsername(ctx context.Context, username string) (domain.User, error) {
	return s.findUser(ctx, "username = ?", username)
}

func (s *Store) findUser(ctx context.Context, cond string, arg any) (domain.User, error) {
	var row userRow
	if err := s.conn(ctx).Where(cond, arg).Take(&row).Error; err != nil {
		return domain.User{}, missing(err, notFound("user not found"))
	}
	return row.toDomain(), nil
}

// ListUsers returns every user, by id.
func (s *Store) ListUsers(ctx context.Context) ([]domain.User, error) {
	var rows []userRow
	if err := s.conn(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.User, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// UpdateUser locks a user, lets fn change it, and saves it.
func (s *Store) UpdateUser(ctx context.Context, id int64, fn func(*domain.User) error) (domain.User, error) {
	var u domain.User
	err := s.InTx(ctx, func(ctx context.Context) error {
		var row userRow
		if err := s.forUpdate(s.conn(ctx)).Where("id = ?", id).Take(&row).Error; err != nil {
			return missing(err, notFound("user %d not found", id))
		}
		u = row.toDomain()
		before := u
		if err := fn(&u); err != nil {
			return err
		}
		u.Version++
		u.SessionVersion = before.SessionVersion
		if domain.EndsSessions(before, u) {
			u.SessionVersion++
			if err := s.revokeUserRefresh(ctx, id, utc(u.UpdatedAt)); err != nil {
				return err
			}
		}
		nr := toUserRow(u)
		return translate(s.conn(ctx).Model(&userRow{}).Where("id = ?", id).Select("*").Omit("id", "created_at").Updates(&nr).Error)
	})
	if err == nil {
		s.sessions.drop(id)
	}
	return u, err
}

type apiTokenRow struct {
	ID         int64 `gorm:"primaryKey"`
	Name       string
	UserID     int64
	Hash       []byte
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	LastUsedAt *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func (r apiTokenRow) toDomain() domain.APIToken {
	return domain.APIToken{
		ID: r.ID, Name: r.Name, UserID: r.UserID, Hash: r.Hash, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: utcPtr(r.ExpiresAt), RevokedAt: utcPtr(r.RevokedAt), LastUsedAt: utcPtr(r.LastUsedAt),
	}
}

// CreateAPIToken stores a token by the hash of its secret.
func (s *Store) CreateAPIToken(ctx context.Context, t domain.APIToken) (domain.APIToken, error) {
	row := apiTokenRow{Name: t.Name, UserID: t.UserID, Hash: t.Hash, CreatedAt: utc(t.CreatedAt), ExpiresAt: utcPtr(t.ExpiresAt)}
	if err := s.conn(ctx).Create(&row).Error; err != nil {
		return t, translate(err)
	}
	return row.toDomain(), nil
}

// ListAPITokens returns every token, newest first.
func (s *Store) ListAPITokens(ctx context.Context) ([]domain.APIToken, error) {
	var rows []apiTokenRow
	if err := s.conn(ctx).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]domain.APIToken, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// RevokeAPIToken marks a token revoked; revoking twice is harmless.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64, at time.Time) error {
	res := s.conn(ctx).Model(&apiTokenRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", utc(at))
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.conn(ctx).Model(&apiTokenRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return translate(err)
		}
		if n == 0 {
			return notFound("API token %d not found", id)
		}
	}
	return nil
}

// APITokenUser returns the token with the hash and its user, when the
// token is neither revoked nor expired at now.
func (s *Store) APITokenUser(ctx context.Context, hash []byte, now time.Time) (domain.APIToken, domain.User, error) {
	var row apiTokenRow
	err := s.conn(ctx).Where("hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", hash, utc(now)).Take(&row).Error
	if err != nil {
		return domain.APIToken{}, domain.User{}, missing(err, notFound("API token not found"))
	}
	u, err := s.GetUser(ctx, row.UserID)
	return row.toDomain(), u, err
}

type refreshRow struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Family    string
	Hash      []byte
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

func (refreshRow) TableName() string { return "refresh_tokens" }

// CreateRefreshToken stores a refresh token of a family by its hash.
func (s *Store) CreateRefreshToken(ctx context.Context, userID int64, family string, hash []byte, now, expires time.Time) error {
	row := refreshRow{UserID: userID, Family: family, Hash: hash, CreatedAt: utc(now), ExpiresAt: utc(expires)}
	return translate(s.conn(ctx).Create(&row).Error)
}

// RotateRefreshToken consumes the refresh token with oldHash and stores
// newHash in its family, returning the user. A token used a second time
// means it leaked: the whole family is revoked and the call fails, except
// for the immediate predecessor within domain.RefreshGrace.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash, newHash []byte, now, expires time.Time) (domain.User, error) {
	var (
		user   domain.User
		reused string
	)
	err := s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var row refreshRow
		if err := s.forUpdate(db).Where("hash = ?", oldHash).Take(&row).Error; err != nil {
			return missing(err, domain.Errorf(domain.CodeUnauthenticated, "the refresh token is not valid"))
		}
		switch {
		case row.RevokedAt != nil || !row.ExpiresAt.After(now):
			return domain.Errorf(domain.CodeUnauthenticated, "the refresh token is expired or revoked")
		case row.UsedAt != nil:
			// The immediate predecessor, shortly after its rotation, is a
			// second tab refreshing at the same time: it gets the same
			// successor (newHash, derived from the old token), as long as
			// that successor is still the family's live token.
			if now.Sub(row.UsedAt.UTC()) <= domain.RefreshGrace {
				var succ refreshRow
				err := db.Where("hash = ? AND family = ? AND used_at IS NULL AND revoked_at IS NULL", newHash, row.Family).Take(&succ).Error
				if err == nil {
					u, err := s.activeUser(ctx, row.UserID)
					user = u
					return err
				}
				if err = translate(err); !errors.Is(err, domain.ErrNotFound) {
					return err
				}
			}
			reused = row.Family
			return nil
		}
		if err := db.Model(&refreshRow{}).Where("id = ?", row.ID).Update("used_at", utc(now)).Error; err != nil {
			return translate(err)
		}
		u, err := s.activeUser(ctx, row.UserID)
		if err != nil {
			return err
		}
		user = u
		return s.CreateRefreshToken(ctx, row.UserID, row.Family, newHash, now, expires)
	})
	if err != nil {
		return domain.User{}, err
	}
	if reused != "" {
		if err := s.RevokeRefreshFamily(ctx, reused, now); err != nil {
			return domain.User{}, err
		}
		return domain.User{}, domain.Errorf(domain.CodeUnauthenticated, "the refresh token was already used; its session is revoked")
	}
	return user, nil
}

func (s *Store) activeUser(ctx context.Context, id int64) (domain.User, error) {
	u, err := s.GetUser(ctx, id)
	if err == nil && !u.Active {
		err = domain.Errorf(domain.CodeUnauthenticated, "the user is disabled")
	}
	return u, err
}

// RevokeRefreshFamily revokes every refresh token of a family (logout, or
// a detected reuse).
func (s *Store) RevokeRefreshFamily(ctx context.Context, family string, now time.Time) error {
	return translate(s.conn(ctx).Model(&refreshRow{}).Where("family = ? AND revoked_at IS NULL", family).Update("revoked_at", utc(now)).Error)
}
