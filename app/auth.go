package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// AuthStore is what logging in and refreshing need from persistence.
type AuthStore interface {
	UserByUsername(ctx context.Context, username string) (domain.User, error)
	CreateRefreshToken(ctx context.Context, userID int64, family string, hash []byte, now, expires time.Time) error
	RotateRefreshToken(ctx context.Context, oldHash, newHash []byte, now, expires time.Time) (domain.User, error)
}

// PasswordCheck reports whether password matches the stored hash; it is
// injected so that app does not depend on a hashing library.
type PasswordCheck func(hash, password string) bool

// AuthConfig are the settings of the auth use cases.
type AuthConfig struct {
	RefreshTTL time.Duration // lifetime of a refresh token
	Check      PasswordCheck
	// DummyHash is checked when the username does not exist, so that a
	// missing account takes as long to refuse as a wrong password.
	DummyHash string
}

// Auth are the use cases of logging in and refreshing a session.
type Auth struct {
	store AuthStore
	now   Clock
	cfg   AuthConfig
}

// NewAuth builds the auth use cases.
func NewAuth(store AuthStore, now Clock, cfg AuthConfig) *Auth {
	return &Auth{store: store, now: now, cfg: cfg}
}

// ErrWrongCredentials is the one answer to an unknown user, a wrong
// password and an inactive account, so that none of them leaks.
var ErrWrongCredentials = domain.Errorf(domain.CodeUnauthenticated, "wrong username or password")

// Login checks a username and password and starts a new refresh-token
// family. It returns the user and the refresh token to hand out.
func (a *Auth) Login(ctx context.Context, username, password string) (domain.User, string, error) {
	u, err := a.store.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.User{}, "", err
	}
	hash := a.cfg.DummyHash
	if err == nil {
		hash = u.PasswordHash
	}
	if !a.cfg.Check(hash, password) || err != nil || !u.Active {
		return domain.User{}, "", ErrWrongCredentials
	}
	now := a.now.read()
	refresh := newRefreshToken()
	if err := a.store.CreateRefreshToken(ctx, u.ID, RandomSecret(12), HashSecret(refresh), now, now.Add(a.cfg.RefreshTTL)); err != nil {
		return domain.User{}, "", err
	}
	return u, refresh, nil
}

// Refresh rotates a refresh token: the old one is spent and a new one of
// the same family is returned. The store revokes the family when a spent
// token is presented again, and refuses inactive users.
func (a *Auth) Refresh(ctx context.Context, token string) (domain.User, string, error) {
	if token == "" || len(token) > 200 {
		return domain.User{}, "", domain.Invalid("refresh_token is required", domain.FieldError{Field: "refresh_token", Detail: "is required"})
	}
	now := a.now.read()
	next := newRefreshToken()
	u, err := a.store.RotateRefreshToken(ctx, HashSecret(token), HashSecret(next), now, now.Add(a.cfg.RefreshTTL))
	if err != nil {
		return domain.User{}, "", err
	}
	return u, next, nil
}

// HashSecret is how opaque secrets (refresh and API tokens) are stored:
// only their SHA-256.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// RandomSecret returns n random bytes, URL-safe encoded.
func RandomSecret(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// newRefreshToken is an opaque secret; only its hash is stored.
func newRefreshToken() string { return "rt_" + RandomSecret(32) }
