package web

import (
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// Cookie names. The session cookie carries the opaque refresh token the
// API's login issues; the access cookie its short-lived access token; the
// CSRF cookie a random seed the forms' tokens are derived from.
const (
	cookieSession = "hd_session"
	cookieAccess  = "hd_access"
	cookieCSRF    = "hd_csrf"
	csrfField     = "csrf"
)

// session is who is asking and the CSRF token their forms carry.
type session struct {
	P    domain.Principal
	CSRF string
}

// Can says whether the signed-in user may do act, for templates that show
// a link only to those the page would let in.
func (s *session) Can(act domain.Act) bool { return domain.Allowed(s.P.Role, act) }

func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// secure reports whether the browser reached us over TLS, directly or
// through a trusted proxy.
func (h *Handler) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	for _, n := range h.proxies {
		if ip != nil && n.Contains(ip) {
			return r.Header.Get("X-Forwarded-Proto") == "https"
		}
	}
	return false
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: h.secure(r), MaxAge: int(maxAge.Seconds())}
	if maxAge < 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// csrfSeed returns the browser's CSRF seed, creating it when missing, so
// even the sign-in form is protected.
func (h *Handler) csrfSeed(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(cookieCSRF); err == nil && len(c.Value) >= 20 {
		return c.Value
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	seed := encode(b)
	h.setCookie(w, r, cookieCSRF, seed, 0)
	// Later reads in this request see the new seed.
	r.AddCookie(&http.Cookie{Name: cookieCSRF, Value: seed})
	return seed
}

// csrfOK checks the token of a posted form against the browser's seed.
func (h *Handler) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(cookieCSRF)
	if err != nil || c.Value == "" {
		return false
	}
	got := r.PostFormValue(csrfField)
	return got != "" && hmac.Equal([]byte(got), []byte(h.csrfToken(c.Value)))
}

// current finds the signed-in user: the access token when still good,
// otherwise a refresh through the same use case as the API's, which
// rotates the refresh token and refuses revoked or deactivated sessions.
func (h *Handler) current(w http.ResponseWriter, r *http.Request) (domain.Principal, bool) {
	ctx := r.Context()
	if c, err := r.Cookie(cookieAccess); err == nil && c.Value != "" {
		if p, err := h.auth.Authenticate(ctx, c.Value); err == nil {
			return p, true
		}
	}
	c, err := r.Cookie(cookieSession)
	if err != nil || c.Value == "" {
		return domain.Principal{}, false
	}
	t, err := h.auth.Refresh(ctx, c.Value)
	if err != nil {
		h.clearSession(w, r)
		return domain.Principal{}, false
	}
	h.startSession(w, r, t)
	p, err := h.auth.Authenticate(ctx, t.Access)
	return p, err == nil
}

func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, t Tokens) {
	h.setCookie(w, r, cookieSession, t.Refresh, 0)
	h.setCookie(w, r, cookieAccess, t.Access, 0)
	r.AddCookie(&http.Cookie{Name: cookieAccess, Value: t.Access})
}

func (h *Handler) clearSession(w http.ResponseWriter, r *http.Request) {
	h.setCookie(w, r, cookieSession, "", -1)
	h.setCookie(w, r, cookieAccess, "", -1)
}

// signedIn lets only signed-in users through, and only forms carrying
// their CSRF token.
func (h *Handler) signedIn(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && !h.csrfOK(r) {
			h.forbiddenCSRF(w, r)
			return
		}
		p, ok := h.current(w, r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/?scaduta=1", http.StatusSeeOther)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
			h.render(w, r, nil, "error", "Sessione scaduta", map[string]any{"Status": http.StatusUnauthorized,
				"Message": "La sessione è scaduta o è stata revocata. Accedi di nuovo."})
			return
		}
		next(w, r, &session{P: p, CSRF: h.csrfToken(h.csrfSeed(w, r))})
	}
}

func (h *Handler) forbiddenCSRF(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusForbidden)
	h.render(w, r, nil, "error", "Richiesta rifiutata", map[string]any{"Status": http.StatusForbidden,
		"Message": "Il modulo inviato non contiene un codice di sicurezza valido. Ricarica la pagina e riprova."})
}
