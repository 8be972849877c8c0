package api

import (
	"sync"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// tokenCache keeps access tokens already verified, each until its expiry
// (plus the parser's leeway), so a client's next request with the same
// token skips the HMAC and the claims' JSON. It caches only what the
// signature proves; the session-version check still runs on every request,
// so a logout, a revoke or a user change ends the token as before.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]verifiedToken
}

type verifiedToken struct {
	p       domain.Principal
	sv      int
	expires time.Time // the instant the parser would start refusing it
}

// maxCachedTokens bounds the cache; reaching it drops the expired entries,
// or everything when none has expired (a flood of valid tokens only costs
// re-verification).
const maxCachedTokens = 10_000

func (c *tokenCache) get(token string, now time.Time) (verifiedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.entries[token]
	if !ok || !now.Before(v.expires) {
		return verifiedToken{}, false
	}
	return v, true
}

func (c *tokenCache) put(token string, v verifiedToken, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCachedTokens {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedTokens {
			c.entries = nil
		}
	}
	if c.entries == nil {
		c.entries = map[string]verifiedToken{}
	}
	c.entries[token] = v
}
