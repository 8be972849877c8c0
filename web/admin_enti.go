package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

var (
	kindLabels = map[string]string{"comune": "Comune", "unione_comuni": "Unione di comuni", "citta_metropolitana": "Città metropolitana"}
	cedLabels  = map[string]string{"": "—", "covered": "Coperto", "covered_by_union": "Coperto tramite l'unione",
		"online": "Online", "not_applicable": "Non applicabile"}
)

// enteForm is the form of an ente, new or changed; app.Enti validates it.
type enteForm struct {
	Code, Name, Kind, CED, OfficeEmail string
	ContactCenter                      bool
}

func parseEnteForm(r *http.Request) enteForm {
	return enteForm{Code: strings.TrimSpace(r.PostFormValue("codice")), Name: strings.TrimSpace(r.PostFormValue("nome")),
		Kind: r.PostFormValue("tipo"), CED: r.PostFormValue("ced"), OfficeEmail: strings.TrimSpace(r.PostFormValue("email_uffici")),
		ContactCenter: r.PostFormValue("contact_center") == "1"}
}

type enteListView struct {
	Enti []domain.Ente
	Form enteForm
	formOutcome
}

func (h *Handler) enteList(w http.ResponseWriter, r *http.Request, s *session) {
	h.showEnti(w, r, s, enteListView{Form: enteForm{Kind: "comune"}})
}

func (h *Handler) showEnti(w http.ResponseWriter, r *http.Request, s *session, v enteListView) {
	es, err := h.enti.List(r.Context())
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	v.Enti = es
	h.render(w, r, s, "admin_enti", "Enti", v)
}

func (h *Handler) enteCreate(w http.ResponseWriter, r *http.Request, s *session) {
	f := parseEnteForm(r)
	e, err := h.enti.Create(r.Context(), domain.Ente{Code: f.Code, Name: f.Name, Kind: f.Kind, CEDMultiente: f.CED,
		OfficeEmail: f.OfficeEmail, ContactCenter: f.ContactCenter})
	if err != nil {
		h.refused(w, r, s, err, func(out formOutcome) { h.showEnti(w, r, s, enteListView{Form: f, formOutcome: out}) })
		return
	}
	http.Redirect(w, r, "/admin/enti/"+url.PathEscape(e.Code)+"?fatto=creato", http.StatusSeeOther)
}

type enteView struct {
	E        domain.Ente
	Closures []domain.EnteClosure
	Done     string
	formOutcome
}

func (h *Handler) enteShow(w http.ResponseWriter, r *http.Request, s *session) {
	h.showEnte(w, r, s, enteView{Done: r.URL.Query().Get("fatto")})
}

func (h *Handler) showEnte(w http.ResponseWriter, r *http.Request, s *session, v enteView) {
	code := r.PathValue("code")
	e, err := h.enti.Get(r.Context(), code)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	if v.Closures, err = h.enti.Closures(r.Context(), code); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	v.E = e
	h.render(w, r, s, "admin_ente", e.Name, v)
}

// enteUpdate changes the ente with the version the page showed (the
// API's If-Match): a stale page changes nothing.
func (h *Handler) enteUpdate(w http.ResponseWriter, r *http.Request, s *session) {
	f := parseEnteForm(r)
	version, _ := strconv.Atoi(r.PostFormValue("versione"))
	_, err := h.enti.Update(r.Context(), r.PathValue("code"), app.EnteChange{Name: &f.Name, Kind: &f.Kind,
		ContactCenter: &f.ContactCenter, CEDMultiente: &f.CED, OfficeEmail: &f.OfficeEmail}, positive(version))
	h.enteDone(w, r, s, err, "modificato")
}

// parseClosure reads a closure day: a date (one year), or else a day and
// month that recur every year, from a year on when one is given.
func (h *Handler) parseClosure(r *http.Request) (domain.EnteClosure, []string) {
	cl := domain.EnteClosure{EnteCode: r.PathValue("code")}
	cl.Reason = strings.TrimSpace(r.PostFormValue("motivo"))
	if r.PostFormValue("data") == "" && (r.PostFormValue("giorno") != "" || r.PostFormValue("mese") != "") {
		m, err1 := strconv.Atoi(r.PostFormValue("mese"))
		d, err2 := strconv.Atoi(r.PostFormValue("giorno"))
		if err1 != nil || err2 != nil {
			return cl, []string{"Indica giorno e mese della chiusura ricorrente."}
		}
		cl.Month, cl.Day = time.Month(m), d
		if y := r.PostFormValue("dal"); y != "" {
			from, err := strconv.Atoi(y)
			if err != nil {
				return cl, []string{"L'anno di inizio non è valido."}
			}
			cl.FromYear = from
		}
		return cl, nil
	}
	day, err := time.Parse("2006-01-02", r.PostFormValue("data"))
	if err != nil {
		return cl, []string{"Indica la data della chiusura."}
	}
	cl.Year, cl.Month, cl.Day = day.Year(), day.Month(), day.Day()
	return cl, nil
}

func (h *Handler) closureAdd(w http.ResponseWriter, r *http.Request, s *session) {
	cl, errs := h.parseClosure(r)
	if errs != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		h.showEnte(w, r, s, enteView{formOutcome: formOutcome{Errors: errs}})
		return
	}
	_, err := h.enti.AddClosure(r.Context(), cl)
	h.enteDone(w, r, s, err, "chiusura-aggiunta")
}

func (h *Handler) closureDelete(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := pathID(r)
	if !ok {
		h.errorPage(w, r, s, domain.ErrNotFound)
		return
	}
	h.enteDone(w, r, s, h.enti.DeleteClosure(r.Context(), r.PathValue("code"), id), "chiusura-eliminata")
}

// enteDone redirects to the ente's page after a change, or shows it again
// with what went wrong.
func (h *Handler) enteDone(w http.ResponseWriter, r *http.Request, s *session, err error, done string) {
	if err == nil {
		http.Redirect(w, r, "/admin/enti/"+url.PathEscape(r.PathValue("code"))+"?fatto="+done, http.StatusSeeOther)
		return
	}
	h.refused(w, r, s, err, func(out formOutcome) { h.showEnte(w, r, s, enteView{formOutcome: out}) })
}
