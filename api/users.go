package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

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
}

func (s *Server) userJSON(u domain.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Role: u.Role, Level: u.Level, Ente: u.EnteCode,
		Active: u.Active, CreatedAt: s.local(u.CreatedAt), Version: u.Version}
}

func (s *Server) me(c *gin.Context) {
	p := mustPrincipal(c)
	u, err := s.store.GetUser(c.Request.Context(), p.UserID)
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
}

func checkPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < 12 || len(pw) > 72 {
		return domain.Invalid("the password is not acceptable", domain.FieldError{Field: "password", Detail: "must be 12 to 72 bytes long"})
	}
	return nil
}

// NewUser validates and hashes a user to be created; cmd uses it for the
// first admin.
func NewUser(username, password string, role domain.Role, level domain.Level, ente string, cost int, now time.Time) (domain.User, error) {
	u := domain.User{Username: username, Role: role, Level: level, EnteCode: ente, Active: true, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := u.Validate(); err != nil {
		return u, err
	}
	if err := checkPassword(password); err != nil {
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
	ctx := c.Request.Context()
	u, err := NewUser(req.Username, req.Password, req.Role, req.Level, req.Ente, s.cfg.PasswordCost, s.now())
	if err == nil && u.EnteCode != "" {
		err = s.knownEnte(c, u.EnteCode)
	}
	if err == nil {
		u, err = s.store.CreateUser(ctx, u)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/users/%d", u.ID))
	writeJSON(c, http.StatusCreated, u.Version, s.userJSON(u))
}

// knownEnte fails with 422 when the ente a body refers to does not exist.
func (s *Server) knownEnte(c *gin.Context, code string) error {
	_, err := s.store.GetEnte(c.Request.Context(), code)
	if errors.Is(err, domain.ErrNotFound) {
		return &domain.Error{Code: domain.CodeUnprocessable, Message: fmt.Sprintf("there is no ente with code %q", code),
			Fields: []domain.FieldError{{Field: "ente", Detail: "is not a known ente code"}}}
	}
	return err
}

func (s *Server) listUsers(c *gin.Context) {
	us, err := s.store.ListUsers(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(us, s.userJSON)})
}

func (s *Server) getUser(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	u, err := s.store.GetUser(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	writeRead(c, u.Version, s.userJSON(u))
}

// patchUserRequest holds the fields an admin may change; absent fields stay.
type patchUserRequest struct {
	Password *string       `json:"password"`
	Role     *domain.Role  `json:"role"`
	Level    *domain.Level `json:"level"`
	Ente     *string       `json:"ente"`
	Active   *bool         `json:"active"`
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
	if req.Ente != nil && *req.Ente != "" {
		if err := s.knownEnte(c, *req.Ente); err != nil {
			fail(c, err)
			return
		}
	}
	var hash string
	if req.Password != nil {
		if err := checkPassword(*req.Password); err != nil {
			fail(c, err)
			return
		}
		if hash, err = HashPassword(*req.Password, s.cfg.PasswordCost); err != nil {
			fail(c, err)
			return
		}
	}
	u, err := s.store.UpdateUser(c.Request.Context(), id, func(u *domain.User) error {
		if err := checkVersion(want, hasIfMatch, u.Version, "the user"); err != nil {
			return err
		}
		if hash != "" {
			u.PasswordHash = hash
		}
		if req.Role != nil {
			u.Role = *req.Role
		}
		if req.Level != nil {
			u.Level = *req.Level
		}
		if req.Ente != nil {
			u.EnteCode = *req.Ente
		}
		if req.Active != nil {
			u.Active = *req.Active
		}
		u.UpdatedAt = s.now()
		return u.Validate()
	})
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
	var fe []domain.FieldError
	if n := utf8.RuneCountInString(req.Name); n == 0 || n > 100 {
		fe = append(fe, domain.FieldError{Field: "name", Detail: "must be 1 to 100 characters"})
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(s.now()) {
		fe = append(fe, domain.FieldError{Field: "expires_at", Detail: "must be in the future"})
	}
	if req.UserID < 1 {
		fe = append(fe, domain.FieldError{Field: "user_id", Detail: "is required"})
	}
	if len(fe) > 0 {
		fail(c, domain.Invalid("the API token is not valid", fe...))
		return
	}
	ctx := c.Request.Context()
	if _, err := s.store.GetUser(ctx, req.UserID); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			err = &domain.Error{Code: domain.CodeUnprocessable, Message: fmt.Sprintf("there is no user %d", req.UserID),
				Fields: []domain.FieldError{{Field: "user_id", Detail: "is not a known user"}}}
		}
		fail(c, err)
		return
	}
	secret := NewAPITokenSecret()
	t, err := s.store.CreateAPIToken(ctx, domain.APIToken{Name: req.Name, UserID: req.UserID, Hash: sha(secret), CreatedAt: s.now(), ExpiresAt: req.ExpiresAt})
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
	ts, err := s.store.ListAPITokens(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(ts, s.apiTokenJSON)})
}

func (s *Server) revokeAPIToken(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		err = s.store.RevokeAPIToken(c.Request.Context(), id, s.now())
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
