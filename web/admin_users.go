package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// userForm is the form that creates an account; app.Users validates it
// with the API's rules (roles, level, ente, password policy).
type userForm struct {
	Username string
	Role     string
	Level    string
	Ente     string
}

func parseUserForm(r *http.Request) (userForm, app.NewAccount) {
	f := userForm{Username: strings.TrimSpace(r.PostFormValue("utente")), Role: r.PostFormValue("ruolo"),
		Level: r.PostFormValue("livello"), Ente: strings.TrimSpace(r.PostFormValue("ente"))}
	lv, _ := strconv.Atoi(f.Level)
	return f, app.NewAccount{Username: f.Username, Password: r.PostFormValue("password"), Role: domain.Role(f.Role),
		Level: domain.Level(lv), Ente: f.Ente}
}

var roleLabels = map[domain.Role]string{domain.RoleAdmin: "Amministratore", domain.RoleOperator: "Operatore",
	domain.RoleTechnician: "Tecnico", domain.RoleEnte: "Utente dell'ente", domain.RoleReporter: "Strumento di reportistica",
	domain.RoleMonitor: "Monitoraggio"}

type userListView struct {
	Users []domain.User
	Form  userForm
	formOutcome
}

func (h *Handler) userList(w http.ResponseWriter, r *http.Request, s *session) {
	h.showUsers(w, r, s, userListView{})
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, s *session, v userListView) {
	us, err := h.users.List(r.Context())
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	v.Users = us
	h.render(w, r, s, "admin_users", "Utenti", v)
}

func (h *Handler) userCreate(w http.ResponseWriter, r *http.Request, s *session) {
	f, n := parseUserForm(r)
	u, err := h.users.Create(r.Context(), n)
	if err != nil {
		h.refused(w, r, s, err, func(out formOutcome) { h.showUsers(w, r, s, userListView{Form: f, formOutcome: out}) })
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/utenti/%d?fatto=creato", u.ID), http.StatusSeeOther)
}

type userView struct {
	U    domain.User
	Done string
	formOutcome
}

func (h *Handler) userShow(w http.ResponseWriter, r *http.Request, s *session) {
	h.showUser(w, r, s, userView{Done: r.URL.Query().Get("fatto")})
}

func (h *Handler) showUser(w http.ResponseWriter, r *http.Request, s *session, v userView) {
	id, ok := pathID(r)
	if !ok {
		h.errorPage(w, r, s, domain.ErrNotFound)
		return
	}
	u, err := h.users.Get(r.Context(), id)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	v.U = u
	h.render(w, r, s, "admin_user", "Utente "+u.Username, v)
}

// userAct applies one of the account's actions. Disabling, enabling and
// resetting the password carry the version the page showed (the API's
// If-Match); revoking sessions needs none, as in the API.
func (h *Handler) userAct(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := pathID(r)
	if !ok {
		h.errorPage(w, r, s, domain.ErrNotFound)
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("versione"))
	var err error
	action := r.PostFormValue("azione")
	switch action {
	case "disattiva", "riattiva":
		active := action == "riattiva"
		_, err = h.users.Update(r.Context(), id, app.AccountChange{Active: &active}, positive(version))
	case "password":
		pw := r.PostFormValue("password")
		_, err = h.users.Update(r.Context(), id, app.AccountChange{Password: &pw}, positive(version))
	case "revoca":
		err = h.auth.EndSessions(r.Context(), id)
	default:
		err = domain.Invalid("unknown action", domain.FieldError{Field: "azione", Detail: "is not an action of the page"})
	}
	if err != nil {
		h.refused(w, r, s, err, func(out formOutcome) { h.showUser(w, r, s, userView{formOutcome: out}) })
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/utenti/%d?fatto=%s", id, action), http.StatusSeeOther)
}

// positive is the version a form sent, or -1 (never a stored version) when
// it sent none, so a form without its version is refused as stale rather
// than applied blindly.
func positive(v int) int {
	if v > 0 {
		return v
	}
	return -1
}
