package domain

import "time"

// Login throttling: failures are counted per (account, client address) and
// per client address. A key is never locked outright; it waits a delay
// that doubles with each failure past a free allowance, so a guesser slows
// to a crawl while the owner signing in from another address (another
// key) is not refused.
const (
	PairFreeFailures    = 3                // per (account, address) before delays start
	AddressFreeFailures = 20               // per address: a spray across accounts
	MaxLoginDelay       = 15 * time.Minute // the longest delay
	ThrottleForget      = time.Hour        // failures older than this are forgotten
)

// LoginThrottle is the state of one throttle key.
type LoginThrottle struct {
	Key          string
	Failures     int
	LastFailure  time.Time
	BlockedUntil time.Time
}

// PairThrottleKey and AddressThrottleKey name the two keys of a login.
func PairThrottleKey(account, address string) string { return "pair:" + account + "|" + address }

// AddressThrottleKey is the key of every login from one client address.
func AddressThrottleKey(address string) string { return "addr:" + address }

// Wait returns how long a login on this key must wait at now (0: go on).
func (t LoginThrottle) Wait(now time.Time) time.Duration {
	if d := t.BlockedUntil.Sub(now); d > 0 {
		return d
	}
	return 0
}

// Fail records a failed login at now with free failures allowed before
// delays start: after the (free+1)th failure the key waits 1 s, then 2 s,
// 4 s, ... up to MaxLoginDelay. Failures older than ThrottleForget are
// forgotten first.
func (t *LoginThrottle) Fail(now time.Time, free int) {
	if !t.LastFailure.IsZero() && now.Sub(t.LastFailure) >= ThrottleForget {
		t.Failures = 0
	}
	t.Failures++
	t.LastFailure = now
	if over := t.Failures - free; over > 0 {
		d := MaxLoginDelay
		if over <= 20 {
			if e := time.Second << (over - 1); e < MaxLoginDelay {
				d = e
			}
		}
		t.BlockedUntil = now.Add(d)
	}
}
