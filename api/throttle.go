package api

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

// loginKeysOf are the two throttle keys of a login attempt.
type loginKeysOf struct{ pair, addr string }

func loginKeys(username, address string) loginKeysOf {
	return loginKeysOf{
		pair: domain.PairThrottleKey(strings.ToLower(username), address),
		addr: domain.AddressThrottleKey(address),
	}
}

// loginWait refuses a login with 429 and Retry-After while either key of
// the attempt is delayed.
func (s *Server) loginWait(c *gin.Context, k loginKeysOf) error {
	ts, err := s.store.LoginThrottles(c.Request.Context(), k.pair, k.addr)
	if err != nil {
		return err
	}
	now := s.now()
	for _, t := range ts {
		if wait := t.Wait(now); wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second) // rounded up
			c.Header("Retry-After", strconv.Itoa(secs))
			what := "this account from your address"
			if t.Key == k.addr {
				what = "your address"
			}
			return domain.Errorf(domain.CodeTooManyRequests, "too many failed logins for %s; try again in %d seconds", what, secs)
		}
	}
	return nil
}

// loginFailed counts a failure on both keys of the attempt.
func (s *Server) loginFailed(c *gin.Context, k loginKeysOf) error {
	now := s.now()
	for _, key := range []struct {
		name string
		free int
	}{{k.pair, domain.PairFreeFailures}, {k.addr, domain.AddressFreeFailures}} {
		if err := s.store.UpdateLoginThrottle(c.Request.Context(), key.name, now, func(t *domain.LoginThrottle) { t.Fail(now, key.free) }); err != nil {
			return err
		}
	}
	return nil
}
