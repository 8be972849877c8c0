package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// AuthStore is what logging in, refreshing and signing out need from
// persistence: users, refresh tokens by hash, sessions and the login
// throttle. Storage only; the rules are Auth's.
type AuthStore interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	UserByUsername(ctx context.Context, username string) (domain.User, error)
	GetUser(ctx context.Context, id int64) (domain.User, error)
	CreateRefreshToken(ctx context.Context, userID int64, family string, hash []byte, now, expires time.Time) error
	// RefreshToken finds a token by hash; lock holds its row until the
	// transaction ends.
	RefreshToken(ctx context.Context, hash []byte, lock bool) (domain.RefreshToken, error)
	SpendRefreshToken(ctx context.Context, id int64, now time.Time) error
	RevokeRefreshFamily(ctx context.Context, family string, now time.Time) error
	RevokeSessions(ctx context.Context, userID int64, now time.Time) error
	LoginThrottles(ctx context.Context, keys ...string) ([]domain.LoginThrottle, error)
	UpdateLoginThrottle(ctx context.Context, key string, now time.Time, fn func(*domain.LoginThrottle)) error
	ClearLoginThrottle(ctx context.Context, key string) error
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
	// SessionKey keys the derivation of a refresh token's successor, so
	// that two tabs refreshing with the same token at once get the same
	// successor (the store accepts the immediate predecessor for a few
	// seconds) though only hashes are stored.
	SessionKey []byte
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

// LoginDelayed refuses a login while one of its throttle keys is delayed
// (domain.LoginThrottle); Seconds is the wait, rounded up, for the
// caller's Retry-After.
type LoginDelayed struct {
	Seconds int
	err     *domain.Error
}

func (e *LoginDelayed) Error() string { return e.err.Error() }
func (e *LoginDelayed) Unwrap() error { return e.err }

// Login checks a username and password from a network address and starts
// a new refresh-token family. It returns the user and the refresh token to
// hand out. Failures are throttled per (account, address) and per address;
// while either is delayed the answer is a *LoginDelayed, whatever the
// password.
func (a *Auth) Login(ctx context.Context, username, password, address string) (domain.User, string, error) {
	pair := domain.PairThrottleKey(strings.ToLower(username), address)
	addr := domain.AddressThrottleKey(address)
	if err := a.loginWait(ctx, pair, addr); err != nil {
		return domain.User{}, "", err
	}
	u, err := a.store.UserByUsername(ctx, username)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return domain.User{}, "", err
	}
	hash := a.cfg.DummyHash
	if err == nil {
		hash = u.PasswordHash
	}
	if !a.cfg.Check(hash, password) || err != nil || !u.Active {
		if err := a.loginFailed(ctx, pair, addr); err != nil {
			return domain.User{}, "", err
		}
		return domain.User{}, "", ErrWrongCredentials
	}
	if err := a.store.ClearLoginThrottle(ctx, pair); err != nil {
		return domain.User{}, "", err
	}
	now := a.now.read()
	refresh := newRefreshToken()
	if err := a.store.CreateRefreshToken(ctx, u.ID, RandomSecret(12), HashSecret(refresh), now, now.Add(a.cfg.RefreshTTL)); err != nil {
		return domain.User{}, "", err
	}
	return u, refresh, nil
}

func (a *Auth) loginWait(ctx context.Context, pair, addr string) error {
	ts, err := a.store.LoginThrottles(ctx, pair, addr)
	if err != nil {
		return err
	}
	now := a.now.read()
	for _, t := range ts {
		if wait := t.Wait(now); wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second)
			what := "this account from your address"
			if t.Key == addr {
				what = "your address"
			}
			return &LoginDelayed{Seconds: secs, err: domain.Errorf(domain.CodeTooManyRequests, "too many failed logins for %s; try again in %d seconds", what, secs)}
		}
	}
	return nil
}

// loginFailed counts a failure on both keys of the attempt.
func (a *Auth) loginFailed(ctx context.Context, pair, addr string) error {
	now := a.now.read()
	for _, key := range []struct {
		name string
		free int
	}{{pair, domain.PairFreeFailures}, {addr, domain.AddressFreeFailures}} {
		if err := a.store.UpdateLoginThrottle(ctx, key.name, now, func(t *domain.LoginThrottle) { t.Fail(now, key.free) }); err != nil {
			return err
		}
	}
	return nil
}

// Refresh rotates a refresh token: the old one is spent and a new one of
// the same family is returned. A token presented again means it leaked:
// its whole family is revoked, except for the immediate predecessor within
// domain.RefreshGrace whose successor is still live (a second tab), which
// gets that same successor. Inactive users get no new token.
func (a *Auth) Refresh(ctx context.Context, token string) (domain.User, string, error) {
	if token == "" || len(token) > 200 {
		return domain.User{}, "", domain.Invalid("refresh_token is required", domain.FieldError{Field: "refresh_token", Detail: "is required"})
	}
	now := a.now.read()
	next := a.successor(token)
	var (
		user   domain.User
		reused bool
	)
	err := a.store.InTx(ctx, func(ctx context.Context) error {
		old, err := a.store.RefreshToken(ctx, HashSecret(token), true)
		if errors.Is(err, domain.ErrNotFound) {
			return domain.Errorf(domain.CodeUnauthenticated, "the refresh token is not valid")
		}
		switch {
		case err != nil:
			return err
		case old.RevokedAt != nil || !old.ExpiresAt.After(now):
			return domain.Errorf(domain.CodeUnauthenticated, "the refresh token is expired or revoked")
		case old.UsedAt != nil:
			if now.Sub(*old.UsedAt) <= domain.RefreshGrace {
				succ, err := a.store.RefreshToken(ctx, HashSecret(next), false)
				if err == nil && succ.Family == old.Family && succ.Live(now) {
					user, err = a.activeUser(ctx, old.UserID)
					return err
				}
				if err != nil && !errors.Is(err, domain.ErrNotFound) {
					return err
				}
			}
			reused = true
			return a.store.RevokeRefreshFamily(ctx, old.Family, now)
		}
		if err := a.store.SpendRefreshToken(ctx, old.ID, now); err != nil {
			return err
		}
		if user, err = a.activeUser(ctx, old.UserID); err != nil {
			return err
		}
		return a.store.CreateRefreshToken(ctx, old.UserID, old.Family, HashSecret(next), now, now.Add(a.cfg.RefreshTTL))
	})
	if err != nil {
		return domain.User{}, "", err
	}
	if reused {
		return domain.User{}, "", domain.Errorf(domain.CodeUnauthenticated, "the refresh token was already used; its session is revoked")
	}
	return user, next, nil
}

// activeUser refuses a disabled user's session.
func (a *Auth) activeUser(ctx context.Context, id int64) (domain.User, error) {
	u, err := a.store.GetUser(ctx, id)
	if err == nil && !u.Active {
		err = domain.Errorf(domain.CodeUnauthenticated, "the user is disabled")
	}
	return u, err
}

// EndSessions ends every session of a user (sign-out, or an admin's
// revocation): refresh families and access tokens alike.
func (a *Auth) EndSessions(ctx context.Context, userID int64) error {
	return a.store.RevokeSessions(ctx, userID, a.now.read())
}

// successor derives the refresh token that replaces old.
func (a *Auth) successor(old string) string {
	m := hmac.New(sha256.New, a.cfg.SessionKey)
	m.Write([]byte("refresh-successor:" + old))
	return "rt_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
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
