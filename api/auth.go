package api

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"github.com/cst-firenze/helpdesk/app"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/cst-firenze/helpdesk/domain"
)

// APITokenPrefix starts every long-lived API token, so the middleware can
// tell them from JWTs without trying to parse them.
const APITokenPrefix = app.APITokenPrefix

// accessClaims are the claims of an access token.
type accessClaims struct {
	jwt.RegisteredClaims
	Role  domain.Role  `json:"role"`
	Level domain.Level `json:"lvl,omitempty"`
	Ente  string       `json:"ente,omitempty"`
	Name  string       `json:"name"`
	Use   string       `json:"use"` // always "access": nothing else is a JWT here
	SV    int          `json:"sv"`  // the user's session version when issued
}

const principalKey = "principal"

func principalOf(c *gin.Context) (domain.Principal, bool) {
	p, ok := c.Get(principalKey)
	if !ok {
		return domain.Principal{}, false
	}
	return p.(domain.Principal), true
}

func mustPrincipal(c *gin.Context) domain.Principal {
	p, _ := principalOf(c)
	return p
}

// sha is the app's, so that API tokens and refresh tokens are stored
// alike.
var sha = app.HashSecret

// HashPassword hashes a password for storage.
func HashPassword(password string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// passwordMatches is the bcrypt comparison the auth use cases are given.
func passwordMatches(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// IssueAccess signs an access token for u and says when it expires; the
// pages hand out the same tokens as the API's login.
func (s *Server) IssueAccess(u domain.User) (string, time.Time, error) {
	now := s.cfg.Now()
	var b [9]byte
	_, _ = rand.Read(b[:])
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.cfg.Issuer, Subject: strconv.FormatInt(u.ID, 10), Audience: jwt.ClaimStrings{s.cfg.Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.cfg.AccessTTL)), ID: base64.RawURLEncoding.EncodeToString(b[:]),
		},
		Role: u.Role, Level: u.Level, Ente: u.EnteCode, Name: u.Username, Use: "access", SV: u.SessionVersion,
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.cfg.JWTSecret)
	return token, now.Add(s.cfg.AccessTTL), err
}

// parseAccess verifies an access token: HS256 only, issuer, audience and
// expiry required and checked, with a small leeway for clock skew.
func (s *Server) parseAccess(token string) (domain.Principal, int, error) {
	now := s.cfg.Now()
	if v, ok := s.verified.get(token, now); ok {
		return v.p, v.sv, nil
	}
	p, sv, exp, err := s.verifyAccess(token)
	if err == nil {
		s.verified.put(token, verifiedToken{p: p, sv: sv, expires: exp.Add(accessLeeway)}, now)
	}
	return p, sv, err
}

// accessLeeway is the clock skew allowed on an access token's times.
const accessLeeway = 30 * time.Second

// verifyAccess checks an access token's signature and claims and returns
// its principal, session version and expiry.
func (s *Server) verifyAccess(token string) (domain.Principal, int, time.Time, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return s.cfg.JWTSecret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.cfg.Issuer), jwt.WithAudience(s.cfg.Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(accessLeeway),
		jwt.WithTimeFunc(s.cfg.Now),
	)
	if err != nil {
		return domain.Principal{}, 0, time.Time{}, domain.Errorf(domain.CodeUnauthenticated, "the access token is not valid: %s", tokenProblem(err))
	}
	id, perr := strconv.ParseInt(claims.Subject, 10, 64)
	if perr != nil || claims.Use != "access" || !claims.Role.Valid() {
		return domain.Principal{}, 0, time.Time{}, domain.Errorf(domain.CodeUnauthenticated, "the access token is not valid")
	}
	p := domain.Principal{UserID: id, Username: claims.Name, Role: claims.Role, Level: claims.Level, EnteCode: claims.Ente}
	return p, claims.SV, claims.ExpiresAt.Time, nil
}

// tokenProblem names what is wrong with a token without echoing it.
func tokenProblem(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "issued for another service"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "bad signature or algorithm"
	default:
		return "malformed"
	}
}

// authenticate resolves the bearer credential into a principal.
func (s *Server) authenticate(c *gin.Context) {
	token, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		failf(c, domain.CodeUnauthenticated, "an Authorization: Bearer token is required")
		return
	}
	var (
		p   domain.Principal
		err error
	)
	if strings.HasPrefix(token, APITokenPrefix) {
		p, err = s.apiTokenPrincipal(c, token)
	} else {
		p, err = s.accessPrincipal(c.Request.Context(), token)
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Set(principalKey, p)
	c.Next()
}

func (s *Server) apiTokenPrincipal(c *gin.Context, token string) (domain.Principal, error) {
	t, u, err := s.store.APITokenUser(c.Request.Context(), sha(token), s.now())
	if errors.Is(err, domain.ErrNotFound) {
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthenticated, "the API token is not valid, expired or revoked")
	}
	if err != nil {
		return domain.Principal{}, err
	}
	if !u.Active {
		return domain.Principal{}, domain.Errorf(domain.CodeUnauthenticated, "the API token's user is disabled")
	}
	return domain.Principal{UserID: u.ID, Username: u.Username, Role: u.Role, Level: u.Level, EnteCode: u.EnteCode, TokenID: t.ID}, nil
}

// allow lets through the roles domain.Permissions gives act; it runs after authenticate.
func allow(act domain.Act) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := domain.Permit(mustPrincipal(c), act); err != nil {
			fail(c, err)
			return
		}
		c.Next()
	}
}

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// login exchanges a username and password for an access and a refresh
// token. Failures are throttled per (account, client address) and per
// address (see throttle.go); the address is the peer's unless it is a
// trusted proxy, so a spoofed X-Forwarded-For does not help a guesser.
func (s *Server) login(c *gin.Context) {
	var req tokenRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var fe []domain.FieldError
	if req.Username == "" || len(req.Username) > 64 {
		fe = append(fe, domain.FieldError{Field: "username", Detail: "is required (at most 64 characters)"})
	}
	if req.Password == "" || len(req.Password) > 128 {
		fe = append(fe, domain.FieldError{Field: "password", Detail: "is required (at most 128 characters)"})
	}
	if len(fe) > 0 {
		fail(c, domain.Invalid("username and password are required", fe...))
		return
	}
	u, refresh, err := s.auth.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	var delayed *app.LoginDelayed
	if errors.As(err, &delayed) {
		c.Header("Retry-After", strconv.Itoa(delayed.Seconds))
	}
	if err != nil {
		fail(c, err)
		return
	}
	s.respondTokens(c, u, refresh)
}

// respondTokens issues an access token to go with the refresh token.
func (s *Server) respondTokens(c *gin.Context, u domain.User, refresh string) {
	access, _, err := s.IssueAccess(u)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, tokenResponse{
		AccessToken: access, TokenType: "Bearer", ExpiresIn: int(s.cfg.AccessTTL.Seconds()), RefreshToken: refresh,
	})
}

// refresh rotates a refresh token: the old one is spent, a new one of the
// same family is returned. Presenting a spent token revokes the family.
func (s *Server) refresh(c *gin.Context) {
	var req refreshRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	u, next, err := s.auth.Refresh(c.Request.Context(), req.RefreshToken)
	if err != nil {
		fail(c, err)
		return
	}
	s.respondTokens(c, u, next)
}

// NewAPITokenSecret returns a new API token secret.
func NewAPITokenSecret() string { return app.NewAPITokenSecret() }
