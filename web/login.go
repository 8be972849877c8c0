package web

import (
	"net/http"
	"strings"

	"github.com/cst-firenze/helpdesk/domain"
)

// loginForm is the sign-in form.
type loginForm struct {
	Username string
	Password string
}

func parseLogin(r *http.Request) (loginForm, []string) {
	f := loginForm{Username: strings.TrimSpace(r.PostFormValue("username")), Password: r.PostFormValue("password")}
	var errs []string
	if f.Username == "" || len(f.Username) > 64 {
		errs = append(errs, "Inserisci il nome utente (al massimo 64 caratteri).")
	}
	if f.Password == "" || len(f.Password) > 128 {
		errs = append(errs, "Inserisci la password (al massimo 128 caratteri).")
	}
	return f, errs
}

// home is the sign-in page, or the user's landing page once signed in.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.current(w, r); ok {
		http.Redirect(w, r, "/ticket", http.StatusSeeOther)
		return
	}
	h.showLogin(w, r, loginForm{}, nil, r.URL.Query().Get("scaduta") == "1")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, f loginForm, errs []string, expired bool) {
	s := &session{CSRF: h.csrfToken(h.csrfSeed(w, r))}
	h.render(w, r, s, "login", "Accedi", map[string]any{"Form": f, "Errors": errs, "Expired": expired})
}

// loginCheck signs in through the API's login use case (same throttling
// by the same client address, same refresh-token family) and keeps the
// tokens in HttpOnly cookies.
func (h *Handler) loginCheck(w http.ResponseWriter, r *http.Request) {
	if !h.csrfOK(r) {
		h.forbiddenCSRF(w, r)
		return
	}
	f, errs := parseLogin(r)
	if len(errs) > 0 {
		w.WriteHeader(http.StatusUnprocessableEntity)
		h.showLogin(w, r, f, errs, false)
		return
	}
	t, err := h.auth.Login(r.Context(), f.Username, f.Password, h.clientAddress(r))
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.CodeUnauthenticated, domain.CodeInvalid:
			w.WriteHeader(http.StatusUnauthorized)
			h.showLogin(w, r, loginForm{Username: f.Username}, []string{"Nome utente o password errati."}, false)
		case domain.CodeTooManyRequests:
			w.WriteHeader(http.StatusTooManyRequests)
			h.showLogin(w, r, loginForm{Username: f.Username}, []string{"Troppi tentativi non riusciti per questo utente. Riprova tra qualche minuto."}, false)
		default:
			h.errorPage(w, r, nil, err)
		}
		return
	}
	h.startSession(w, r, t)
	http.Redirect(w, r, "/ticket", http.StatusSeeOther)
}

// logout revokes the refresh-token family, so the cookie is worthless
// even if it was copied.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if c, err := r.Cookie(cookieSession); err == nil && c.Value != "" {
		if err := h.auth.Logout(r.Context(), c.Value); err != nil && domain.ErrorCode(err) != domain.CodeUnauthenticated {
			h.errorPage(w, r, s, err)
			return
		}
	}
	h.clearSession(w, r)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
