package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cst-firenze/helpdesk/domain"
	"github.com/cst-firenze/helpdesk/repository/repotest"
)

// goodClaims are the claims of a valid access token of the level-1
// operator, as the server issues them; each attack changes one thing.
func (e *secEnv) goodClaims() jwt.MapClaims {
	now := e.clock.Now()
	return jwt.MapClaims{
		"iss": "helpdesk", "aud": []string{"helpdesk-api"}, "sub": strconv.FormatInt(e.ids[wOperator1], 10),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(15 * time.Minute).Unix(), "jti": "forged",
		"role": "operator", "lvl": 1, "name": string(wOperator1), "use": "access", "sv": 1,
	}
}

func sign(tb testing.TB, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	tb.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		tb.Fatalf("sign %s: %v", m.Alg(), err)
	}
	return s
}

// with returns the good claims changed by fn.
func (e *secEnv) with(fn func(jwt.MapClaims)) jwt.MapClaims {
	c := e.goodClaims()
	fn(c)
	return c
}

// tamper rewrites the payload of a signed token and keeps its signature.
func tamper(tb testing.TB, token string, fn func(map[string]any)) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		tb.Fatalf("got a token of %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		tb.Fatal(err)
	}
	fn(claims)
	raw, err = json.Marshal(claims)
	if err != nil {
		tb.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// TestJWTAttacks: every forged, altered, stale or misplaced credential
// answers 401 problem+json on a protected route, while the same token
// with nothing changed answers 200, so each 401 is due to the one change.
func TestJWTAttacks(t *testing.T) {
	e := newSecEnv(t, repotest.SQLite(t))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	issued := e.tokens[wOperator1]
	r := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": string(wOperator1), "password": secPassword}).want(t, http.StatusOK)
	refresh := r.str(t, "refresh_token")

	for _, c := range []struct {
		name  string
		token string
	}{
		{"as issued by the server", issued},
		{"forged with the server's key and algorithm", sign(t, jwt.SigningMethodHS256, secKey, e.goodClaims())},
		{"expired within the leeway", sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["exp"] = now.Add(-20 * time.Second).Unix() }))},
		{"nbf within the leeway", sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["nbf"] = now.Add(20 * time.Second).Unix() }))},
	} {
		if r := e.do(t, http.MethodGet, "/api/v1/me", c.token, nil); r.Status != http.StatusOK {
			t.Errorf("control %s: got %s, want 200", c.name, r)
		}
	}

	otherKey := []byte("another-hmac-key-of-thirty-two-b")
	noneToken := sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, e.goodClaims())
	for _, c := range []struct {
		name   string
		header string // the whole Authorization header
	}{
		{"alg none", "Bearer " + noneToken},
		{"alg none, upper case", "Bearer " + tamperHeader(t, noneToken, `{"alg":"NONE","typ":"JWT"}`)},
		{"alg none with the original signature", "Bearer " + tamperHeader(t, issued, `{"alg":"none","typ":"JWT"}`)},
		{"HS512 with the server's key", "Bearer " + sign(t, jwt.SigningMethodHS512, secKey, e.goodClaims())},
		{"HS384 with the server's key", "Bearer " + sign(t, jwt.SigningMethodHS384, secKey, e.goodClaims())},
		{"RS256 with a generated key", "Bearer " + sign(t, jwt.SigningMethodRS256, rsaKey, e.goodClaims())},
		{"HS256 with another key", "Bearer " + sign(t, jwt.SigningMethodHS256, otherKey, e.goodClaims())},
		{"HS256 with an empty key", "Bearer " + sign(t, jwt.SigningMethodHS256, []byte{}, e.goodClaims())},
		{"expired beyond the leeway", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["exp"] = now.Add(-31 * time.Second).Unix() }))},
		{"expired long ago", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["exp"] = now.Add(-24 * time.Hour).Unix() }))},
		{"no exp", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"exp not a number", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["exp"] = "tomorrow" }))},
		{"nbf in the future", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["nbf"] = now.Add(5 * time.Minute).Unix() }))},
		{"iat in the future", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["iat"] = now.Add(5 * time.Minute).Unix() }))},
		{"wrong iss", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["iss"] = "someone-else" }))},
		{"no iss", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { delete(c, "iss") }))},
		{"wrong aud", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["aud"] = []string{"another-api"} }))},
		{"no aud", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { delete(c, "aud") }))},
		{"not an access token", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["use"] = "refresh" }))},
		{"no use", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { delete(c, "use") }))},
		{"unknown role", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["role"] = "root" }))},
		{"sub not a user id", "Bearer " + sign(t, jwt.SigningMethodHS256, secKey, e.with(func(c jwt.MapClaims) { c["sub"] = "admin" }))},
		{"tampered role, signature kept", "Bearer " + tamper(t, issued, func(c map[string]any) { c["role"] = "admin" })},
		{"tampered sub, signature kept", "Bearer " + tamper(t, issued, func(c map[string]any) { c["sub"] = strconv.FormatInt(e.ids[wAdmin], 10) })},
		{"tampered exp, signature kept", "Bearer " + tamper(t, issued, func(c map[string]any) { c["exp"] = now.Add(24 * time.Hour).Unix() })},
		{"signature removed", "Bearer " + strings.Join(strings.Split(issued, ".")[:2], ".") + "."},
		{"trailing data", "Bearer " + issued + "x"},
		{"refresh token as access token", "Bearer " + refresh},
		{"unknown API token", "Bearer " + neverIssuedAPIToken()},
		{"garbage", "Bearer garbage"},
		{"three garbage parts", "Bearer a.b.c"},
		{"empty bearer", "Bearer "},
		{"bearer without a space", "Bearer"},
		{"two spaces", "Bearer  " + issued},
		{"wrong scheme", "Basic " + base64.StdEncoding.EncodeToString([]byte("operator1:"+secPassword))},
		{"token without a scheme", issued},
		{"no Authorization", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			hdr := []string{}
			if c.header != "" {
				hdr = append(hdr, "Authorization", c.header)
			}
			r := e.do(t, http.MethodGet, "/api/v1/me", "", nil, hdr...)
			r.wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("got no WWW-Authenticate header, want one")
			}
			// The same credential is refused on a route that changes state.
			r = e.do(t, http.MethodPost, "/api/v1/tickets/"+strconv.FormatInt(e.ticketA, 10)+"/take-in-charge", "", nil, hdr...)
			r.wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		})
	}
}

// tamperHeader replaces a token's header, keeping payload and signature.
func tamperHeader(tb testing.TB, token, header string) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(header))
	return strings.Join(parts, ".")
}

// neverIssuedAPIToken is shaped like an API token but was never issued.
func neverIssuedAPIToken() string { return "hd_" + strings.Repeat("A", 43) }

// TestRefreshTokenReuseRevokesFamily: a refresh token rotates on use; a
// rotated-out one presented again is refused and revokes its whole family,
// so the thief's and the victim's newest tokens both stop working, while
// another login's family is untouched.
func TestRefreshTokenReuseRevokesFamily(t *testing.T) {
	e := newSecEnv(t, repotest.SQLite(t))
	loginRefresh := func() string {
		r := e.do(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"username": string(wOperator1), "password": secPassword}).want(t, http.StatusOK)
		return r.str(t, "refresh_token")
	}
	refresh := func(tok string) *secResp {
		return e.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
	}
	first, other := loginRefresh(), loginRefresh()

	r := refresh(first).want(t, http.StatusOK)
	second := r.str(t, "refresh_token")
	if second == first {
		t.Fatalf("got the same refresh token back, want a rotated one")
	}
	// The access token a refresh returns works.
	if r2 := e.do(t, http.MethodGet, "/api/v1/me", r.str(t, "access_token"), nil); r2.Status != http.StatusOK {
		t.Errorf("access token from a refresh: got %s, want 200", r2)
	}

	// Past the two-tab grace (TestRefreshGraceForTwoTabs), a reuse is a theft.
	e.clock.Advance(domain.RefreshGrace + time.Second)
	refresh(first).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	// The reuse revoked the family: the newest token fails too.
	refresh(second).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	// A family is revoked, not the user: the other login still refreshes.
	if r := refresh(other); r.Status != http.StatusOK {
		t.Errorf("refresh of another family: got %s, want 200", r)
	}

	for _, c := range []struct{ name, token string }{
		{"never issued", "rt_" + strings.Repeat("B", 43)},
		{"an API token", neverIssuedAPIToken()},
	} {
		if msg := refresh(c.token).problemError(http.StatusUnauthorized, domain.CodeUnauthenticated); msg != "" {
			t.Errorf("refresh with %s: %s", c.name, msg)
		}
	}
	// An access token is longer than any refresh token, so it is refused
	// as malformed before any lookup.
	r = refresh(e.tokens[wOperator1])
	if msg := r.problemError(http.StatusBadRequest, domain.CodeInvalid); msg != "" {
		t.Errorf("refresh with an access token: %s", msg)
	} else if got := r.fields(t); len(got) != 1 || got[0] != "refresh_token" {
		t.Errorf("refresh with an access token: got fields %v, want [refresh_token]", got)
	}
}

// TestRevokedAPIToken: an API token works until an admin revokes it.
func TestRevokedAPIToken(t *testing.T) {
	e := newSecEnv(t, repotest.SQLite(t))
	r := e.do(t, http.MethodPost, "/api/v1/api-tokens", e.tokens[wAdmin], map[string]any{"name": "ci", "user_id": e.ids[wReporter]}).want(t, http.StatusCreated)
	tok, id := r.str(t, "token"), int64(r.num(t, "id"))
	e.do(t, http.MethodGet, "/api/v1/me", tok, nil).want(t, http.StatusOK)
	e.do(t, http.MethodDelete, "/api/v1/api-tokens/"+strconv.FormatInt(id, 10), e.tokens[wAdmin], nil).want(t, http.StatusNoContent)
	e.do(t, http.MethodGet, "/api/v1/me", tok, nil).wantProblem(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	// The other token of the reporter is untouched.
	e.do(t, http.MethodGet, "/api/v1/me", e.tokens[wReporterT], nil).want(t, http.StatusOK)
}
