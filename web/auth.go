package web

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// Sessions is what the pages take from the API server (api.Server) for
// signing in: its auth use cases and its access tokens, so a browser
// session is an API session, under the same login throttle, refresh
// rotation, reuse detection, revocation and sign-out.
type Sessions interface {
	Auth() *app.Auth
	IssueAccess(u domain.User) (string, time.Time, error)
	AccessPrincipal(ctx context.Context, token string) (domain.Principal, error)
}

// sessionAuth is Auth on the API's sessions.
type sessionAuth struct{ s Sessions }

func (a sessionAuth) tokens(u domain.User, refresh string, err error) (Tokens, error) {
	if err != nil {
		return Tokens{}, err
	}
	access, exp, err := a.s.IssueAccess(u)
	return Tokens{Access: access, Refresh: refresh, Expires: exp}, err
}

func (a sessionAuth) Login(ctx context.Context, username, password, address string) (Tokens, error) {
	return a.tokens(a.s.Auth().Login(ctx, username, password, address))
}

func (a sessionAuth) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	return a.tokens(a.s.Auth().Refresh(ctx, refresh))
}

func (a sessionAuth) Authenticate(ctx context.Context, access string) (domain.Principal, error) {
	return a.s.AccessPrincipal(ctx, access)
}

// Logout ends every session of the refresh token's user, as the API's
// POST /auth/logout does; a session whose access token has lapsed can
// still sign out.
func (a sessionAuth) Logout(ctx context.Context, refresh string) error {
	u, _, err := a.s.Auth().Refresh(ctx, refresh)
	if err != nil {
		return err
	}
	return a.EndSessions(ctx, u.ID)
}

// EndSessions ends every session of a user, the API's and the pages'
// alike, as POST /users/{id}/revoke-sessions does.
func (a sessionAuth) EndSessions(ctx context.Context, userID int64) error {
	return a.s.Auth().EndSessions(ctx, userID)
}

// clientAddress is the browser's address as the API's login throttle
// reads it (gin's ClientIP with the same trusted proxies): the peer,
// unless it is a trusted proxy; then the nearest X-Forwarded-For hop that
// is not one.
func (h *Handler) clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !h.trusted(net.ParseIP(host)) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break
		}
		if i == 0 || !h.trusted(ip) {
			return ip.String()
		}
	}
	return host
}

func (h *Handler) trusted(ip net.IP) bool {
	for _, n := range h.proxies {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}
