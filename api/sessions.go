package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

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
func (s *Server) accessPrincipal(c *gin.Context, token string) (domain.Principal, error) {
	p, sv, err := s.parseAccess(token)
	if err != nil {
		return p, err
	}
	current, err := s.store.SessionVersion(c.Request.Context(), p.UserID)
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

// logout ends every session of the caller: its access tokens and its
// refresh families.
func (s *Server) logout(c *gin.Context) {
	if err := noBody(c); err != nil {
		fail(c, err)
		return
	}
	if err := s.store.RevokeSessions(c.Request.Context(), mustPrincipal(c).UserID, s.now()); err != nil {
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
		err = s.users.RevokeSessions(c.Request.Context(), id)
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
