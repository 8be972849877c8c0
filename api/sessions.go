package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// bearerToken takes the credential of an Authorization header; the scheme
// name is case-insensitive (RFC 9110 §11.1); the token follows one space.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// accessPrincipal verifies an access token and checks that it carries the
// user's current session version: a password, role, ente, level or active
// change, a logout or an admin's revoke-sessions ends it at once, and a
// token whose user no longer exists is refused.
func (s *Server) accessPrincipal(ctx context.Context, token string) (domain.Principal, error) {
	p, sv, err := s.parseAccess(token)
	if err != nil {
		return p, err
	}
	current, err := s.store.SessionVersion(ctx, p.UserID)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthenticated, "the access token's user no longer exists")
	}
	if err != nil {
		return domain.Principal{}, err
	}
	if sv != current {
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthenticated, "the session has ended; log in again")
	}
	return p, nil
}

// AccessPrincipal is the principal of an access token, by the rules of
// every API request (signature, claims, current session version), for
// the pages, whose sessions are API sessions.
func (s *Server) AccessPrincipal(ctx context.Context, token string) (domain.Principal, error) {
	return s.accessPrincipal(ctx, token)
}

// Auth is the server's auth use cases (throttle, refresh rotation, reuse
// detection, sign-out), for the pages' sign-in.
func (s *Server) Auth() *app.Auth { return s.auth }

// logout ends every session of the caller: its access tokens and its
// refresh families.
func (s *Server) logout(c *gin.Context) {
	if err := noBody(c); err != nil {
		fail(c, err)
		return
	}
	if err := s.auth.EndSessions(c.Request.Context(), mustPrincipal(c).UserID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// revokeSessions lets an admin end every session of a user.
func (s *Server) revokeSessions(c *gin.Context) {
	err := noBody(c)
	var id int64
	if err == nil {
		id, err = pathID(c, "id")
	}
	if err == nil {
		err = s.auth.EndSessions(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// noBody refuses a request body on an action that takes none, so that a
// client sending one learns it was not read.
func noBody(c *gin.Context) error {
	if c.Request.ContentLength > 0 {
		return domain.Invalid("this request takes no body")
	}
	return nil
}
