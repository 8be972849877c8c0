package api

import (
	"fmt"
	"github.com/cst-firenze/helpdesk/app"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

type userJSON struct {
	ID        int64        `json:"id"`
	Username  string       `json:"username"`
	Role      domain.Role  `json:"role"`
	Level     domain.Level `json:"level,omitempty"`
	Ente      string       `json:"ente,omitempty"`
	Active    bool         `json:"active"`
	CreatedAt time.Time    `json:"created_at"`
	Version   int          `json:"version"`
	Email     string       `json:"email,omitempty"`
	OptOut    bool         `json:"email_opt_out,omitempty"`
}

func (s *Server) userJSON(u domain.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Role: u.Role, Level: u.Level, Ente: u.EnteCode,
		Active: u.Active, CreatedAt: s.local(u.CreatedAt), Version: u.Version, Email: u.Email, OptOut: u.EmailOptOut}
}

func (s *Server) me(c *gin.Context) {
	u, err := s.users.Get(c.Request.Context(), mustPrincipal(c).UserID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.userJSON(u))
}

type createUserRequest struct {
	Username string       `json:"username"`
	Password string       `json:"password"`
	Role     domain.Role  `json:"role"`
	Level    domain.Level `json:"level"`
	Ente     string       `json:"ente"`
	Email    string       `json:"email"`
}

// NewUser validates and hashes a user to be created; cmd uses it for the
// first admin, before there is a store to check an ente against.
func NewUser(username, password string, role domain.Role, level domain.Level, ente string, cost int, now time.Time) (domain.User, error) {
	u := domain.User{Username: username, Role: role, Level: level, EnteCode: ente, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := u.Validate(); err != nil {
		return u, err
	}
	if err := domain.ValidatePassword(password); err != nil {
		return u, err
	}
	h, err := HashPassword(password, cost)
	u.PasswordHash = h
	return u, err
}

func (s *Server) createUser(c *gin.Context) {
	var req createUserRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	u, err := s.users.Create(c.Request.Context(), app.NewAccount{Username: req.Username, Password: req.Password, Role: req.Role, Level: req.Level, Ente: req.Ente, Email: req.Email})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/users/%d", u.ID))
	writeJSON(c, http.StatusCreated, u.Version, s.userJSON(u))
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.users.List(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(us, s.userJSON)})
}

func (s *Server) getUser(c *gin.Context) {
	u, ok := byPathID(c, s.users.Get)
	if !ok {
		return
	}
	writeRead(c, u.Version, s.userJSON(u))
}

// patchUserRequest holds the fields an admin may change; absent fields stay.
type patchUserRequest struct {
	Password    *string       `json:"password"`
	Role        *domain.Role  `json:"role"`
	Level       *domain.Level `json:"level"`
	Ente        *string       `json:"ente"`
	Active      *bool         `json:"active"`
	Email       *string       `json:"email"`
	EmailOptOut *bool         `json:"email_opt_out"`
}

func (s *Server) patchUser(c *gin.Context) {
	var req patchUserRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	want, hasIfMatch, err := ifMatch(c)
	if err != nil {
		fail(c, err)
		return
	}
	if !hasIfMatch {
		want = app.AnyVersion
	}
	u, err := s.users.Update(c.Request.Context(), id, app.AccountChange(req), want)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, u.Version, s.userJSON(u))
}

type apiTokenJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	UserID    int64      `json:"user_id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	Token     string     `json:"token,omitempty"` // only in the response that creates it
}

func (s *Server) apiTokenJSON(t domain.APIToken) apiTokenJSON {
	return apiTokenJSON{ID: t.ID, Name: t.Name, UserID: t.UserID, CreatedAt: s.local(t.CreatedAt),
		ExpiresAt: s.localPtr(t.ExpiresAt), RevokedAt: s.localPtr(t.RevokedAt)}
}

type createAPITokenRequest struct {
	Name      string     `json:"name"`
	UserID    int64      `json:"user_id"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// createAPIToken makes a long-lived token for a machine client acting as a
// user (usually a reporter). The secret is shown once; only its SHA-256 is
// kept, so checking it per request costs a hash and an index lookup.
func (s *Server) createAPIToken(c *gin.Context) {
	var req createAPITokenRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	t, secret, err := s.users.CreateAPIToken(c.Request.Context(), req.Name, req.UserID, req.ExpiresAt)
	if err != nil {
		fail(c, err)
		return
	}
	out := s.apiTokenJSON(t)
	out.Token = secret
	c.Header("Cache-Control", "no-store")
	c.Header("Location", fmt.Sprintf("/api/v1/api-tokens/%d", t.ID))
	c.JSON(http.StatusCreated, out)
}

func (s *Server) listAPITokens(c *gin.Context) {
	ts, err := s.users.ListAPITokens(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(ts, s.apiTokenJSON)})
}

func (s *Server) revokeAPIToken(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		err = s.users.RevokeAPIToken(c.Request.Context(), id)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
