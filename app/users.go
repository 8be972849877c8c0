package app

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/cst-firenze/helpdesk/domain"
)

// UserStore is what the user and API-token use cases need from
// persistence.
type UserStore interface {
	GetEnte(ctx context.Context, code string) (domain.Ente, error)
	CreateUser(ctx context.Context, u domain.User) (domain.User, error)
	GetUser(ctx context.Context, id int64) (domain.User, error)
	ListUsers(ctx context.Context) ([]domain.User, error)
	UpdateUser(ctx context.Context, id int64, fn func(*domain.User) error) (domain.User, error)
	CreateAPIToken(ctx context.Context, t domain.APIToken) (domain.APIToken, error)
	ListAPITokens(ctx context.Context) ([]domain.APIToken, error)
	RevokeAPIToken(ctx context.Context, id int64, at time.Time) error
}

// PasswordHash hashes a password for storage; injected so that app does
// not depend on a hashing library.
type PasswordHash func(password string) (string, error)

// Users are the use cases of accounts and API tokens (admins only, by the
// routes).
type Users struct {
	store UserStore
	now   Clock
	hash  PasswordHash
}

// NewUsers builds the user use cases.
func NewUsers(store UserStore, now Clock, hash PasswordHash) *Users {
	return &Users{store: store, now: now, hash: hash}
}

// NewAccount is a user to create.
type NewAccount struct {
	Username string
	Password string
	Role     domain.Role
	Level    domain.Level
	Ente     string
	Email    string
}

// Create validates the account against the role rules and the password
// policy, checks its ente exists, and stores it with the password hashed.
func (u *Users) Create(ctx context.Context, n NewAccount) (domain.User, error) {
	now := u.now.read()
	usr := domain.User{Username: n.Username, Role: n.Role, Level: n.Level, EnteCode: n.Ente, Email: n.Email, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := usr.Validate(); err != nil {
		return usr, err
	}
	if err := domain.ValidatePassword(n.Password); err != nil {
		return usr, err
	}
	if err := u.knownEnte(ctx, usr.EnteCode); err != nil {
		return usr, err
	}
	h, err := u.hash(n.Password)
	if err != nil {
		return usr, err
	}
	usr.PasswordHash = h
	return u.store.CreateUser(ctx, usr)
}

// knownEnte fails with 422 when the ente an account refers to does not
// exist; "" is no ente.
func (u *Users) knownEnte(ctx context.Context, code string) error {
	if code == "" {
		return nil
	}
	_, err := u.store.GetEnte(ctx, code)
	if errors.Is(err, domain.ErrNotFound) {
		return unknownEnte(code)
	}
	return err
}

// Get returns a user.
func (u *Users) Get(ctx context.Context, id int64) (domain.User, error) {
	return u.store.GetUser(ctx, id)
}

// List returns every user.
func (u *Users) List(ctx context.Context) ([]domain.User, error) { return u.store.ListUsers(ctx) }

// AccountChange holds what an admin may change; nil fields stay.
type AccountChange struct {
	Password *string
	Role     *domain.Role
	Level    *domain.Level
	Ente     *string
	Active   *bool
	// Email is where notices go ("" for none); EmailOptOut stops them.
	Email       *string
	EmailOptOut *bool
}

// Update changes an account under its row lock; version is the version
// the caller read, or AnyVersion.
func (u *Users) Update(ctx context.Context, id int64, ch AccountChange, version int) (domain.User, error) {
	now := u.now.read()
	if ch.Ente != nil {
		if err := u.knownEnte(ctx, *ch.Ente); err != nil {
			return domain.User{}, err
		}
	}
	var hash string
	if ch.Password != nil {
		if err := domain.ValidatePassword(*ch.Password); err != nil {
			return domain.User{}, err
		}
		var err error
		if hash, err = u.hash(*ch.Password); err != nil {
			return domain.User{}, err
		}
	}
	return u.store.UpdateUser(ctx, id, func(usr *domain.User) error {
		if err := checkVersion(version, usr.Version, "the user"); err != nil {
			return err
		}
		if hash != "" {
			usr.PasswordHash = hash
		}
		if ch.Role != nil {
			usr.Role = *ch.Role
		}
		if ch.Level != nil {
			usr.Level = *ch.Level
		}
		if ch.Ente != nil {
			usr.EnteCode = *ch.Ente
		}
		if ch.Active != nil {
			usr.Active = *ch.Active
		}
		if ch.Email != nil {
			usr.Email = *ch.Email
		}
		if ch.EmailOptOut != nil {
			usr.EmailOptOut = *ch.EmailOptOut
		}
		usr.UpdatedAt = now
		return usr.Validate()
	})
}

// APITokenPrefix starts every long-lived API token, so that a bearer
// token can be told from an access token at a glance.
const APITokenPrefix = "hd_"

// NewAPITokenSecret returns a new API token secret.
func NewAPITokenSecret() string { return APITokenPrefix + RandomSecret(32) }

// CreateAPIToken makes a long-lived token for a machine client acting as a
// user. It returns the token and its secret, which is shown once: only
// its SHA-256 is kept.
func (u *Users) CreateAPIToken(ctx context.Context, name string, userID int64, expiresAt *time.Time) (domain.APIToken, string, error) {
	now := u.now.read()
	var fe []domain.FieldError
	if n := utf8.RuneCountInString(name); n == 0 || n > 100 {
		fe = append(fe, domain.FieldError{Field: "name", Detail: "must be 1 to 100 characters"})
	}
	if expiresAt != nil && !expiresAt.After(now) {
		fe = append(fe, domain.FieldError{Field: "expires_at", Detail: "must be in the future"})
	}
	if userID < 1 {
		fe = append(fe, domain.FieldError{Field: "user_id", Detail: "is required"})
	}
	if len(fe) > 0 {
		return domain.APIToken{}, "", domain.Invalid("the API token is not valid", fe...)
	}
	if _, err := u.store.GetUser(ctx, userID); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			err = &domain.Error{Code: domain.CodeUnprocessable, Message: fmt.Sprintf("there is no user %d", userID),
				Fields: []domain.FieldError{{Field: "user_id", Detail: "is not a known user"}}}
		}
		return domain.APIToken{}, "", err
	}
	secret := NewAPITokenSecret()
	t, err := u.store.CreateAPIToken(ctx, domain.APIToken{Name: name, UserID: userID, Hash: HashSecret(secret), CreatedAt: now, ExpiresAt: expiresAt})
	return t, secret, err
}

// ListAPITokens returns every API token (never their secrets).
func (u *Users) ListAPITokens(ctx context.Context) ([]domain.APIToken, error) {
	return u.store.ListAPITokens(ctx)
}

// RevokeAPIToken revokes a token from now on.
func (u *Users) RevokeAPIToken(ctx context.Context, id int64) error {
	return u.store.RevokeAPIToken(ctx, id, u.now.read())
}
