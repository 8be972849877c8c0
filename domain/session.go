package domain

import "time"

// EndsSessions reports whether a change from before to after must end the
// user's sessions: a new password, a deactivation, or a change of role,
// ente or level. Tokens issued before it carry powers the user no longer
// has (or a password someone else may know).
func EndsSessions(before, after User) bool {
	return before.PasswordHash != after.PasswordHash ||
		(before.Active && !after.Active) ||
		before.Role != after.Role || before.EnteCode != after.EnteCode || before.Level != after.Level
}

// RefreshToken is one link of a session's chain of refresh tokens (a
// family); only its hash is stored. Rotating it spends it (UsedAt) and
// stores its successor in the same family.
type RefreshToken struct {
	ID        int64
	UserID    int64
	Family    string
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

// Live reports whether t may still be rotated at now: neither spent,
// revoked nor expired.
func (t RefreshToken) Live(now time.Time) bool {
	return t.UsedAt == nil && t.RevokedAt == nil && t.ExpiresAt.After(now)
}

// RefreshGrace is how long the immediate predecessor of a refresh token is
// still accepted after it was rotated, answering with the same successor:
// two browser tabs refreshing together must not log the user out.
const RefreshGrace = 10 * time.Second

// SessionCacheTTL bounds how long a process may believe a user's session
// version after another process on the same database changed it.
const SessionCacheTTL = 2 * time.Second
