package repository

import (
	"context"
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

func (r refreshRow) toDomain() domain.RefreshToken {
	t := domain.RefreshToken{ID: r.ID, UserID: r.UserID, Family: r.Family, ExpiresAt: r.ExpiresAt.UTC(), UsedAt: r.UsedAt, RevokedAt: r.RevokedAt}
	if t.UsedAt != nil {
		u := t.UsedAt.UTC()
		t.UsedAt = &u
	}
	if t.RevokedAt != nil {
		v := t.RevokedAt.UTC()
		t.RevokedAt = &v
	}
	return t
}

// RefreshToken returns the refresh token with hash; with lock, the row is
// locked until the transaction of ctx ends (see InTx), so that two
// rotations of one token are serialised.
func (s *Store) RefreshToken(ctx context.Context, hash []byte, lock bool) (domain.RefreshToken, error) {
	db := s.conn(ctx)
	if lock {
		db = s.forUpdate(db)
	}
	var row refreshRow
	if err := db.Where("hash = ?", hash).Take(&row).Error; err != nil {
		return domain.RefreshToken{}, missing(err, notFound("refresh token not found"))
	}
	return row.toDomain(), nil
}

// SpendRefreshToken marks a refresh token used at now.
func (s *Store) SpendRefreshToken(ctx context.Context, id int64, now time.Time) error {
	return translate(s.conn(ctx).Model(&refreshRow{}).Where("id = ?", id).Update("used_at", utc(now)).Error)
}

// RevokeRefreshFamily revokes every refresh token of a family (logout, or
// a detected reuse).
func (s *Store) RevokeRefreshFamily(ctx context.Context, family string, now time.Time) error {
	return translate(s.conn(ctx).Model(&refreshRow{}).Where("family = ? AND revoked_at IS NULL", family).Update("revoked_at", utc(now)).Error)
}
