package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

type slaView struct {
	Targets domain.SLATargets
	Done    bool
	formOutcome
}

func (h *Handler) slaShow(w http.ResponseWriter, r *http.Request, s *session) {
	h.showSLA(w, r, s, slaView{Done: r.URL.Query().Get("fatto") == "1"})
}

func (h *Handler) showSLA(w http.ResponseWriter, r *http.Request, s *session, v slaView) {
	if v.Targets == nil {
		ts, err := h.enti.SLATargets(r.Context())
		if err != nil {
			h.errorPage(w, r, s, err)
			return
		}
		v.Targets = ts
	}
	h.render(w, r, s, "admin_sla", "Obiettivi SLA", v)
}

// slaSave replaces the targets, as PUT /api/v1/settings/sla does (no
// If-Match there either); tickets already open keep theirs.
func (h *Handler) slaSave(w http.ResponseWriter, r *http.Request, s *session) {
	var ts domain.SLATargets
	var errs []string
	for _, c := range domain.SLACodes {
		k := strings.ReplaceAll(string(c), ".", "_")
		min, err1 := strconv.Atoi(r.PostFormValue(k + "_minuti"))
		share, err2 := strconv.ParseFloat(strings.Replace(r.PostFormValue(k+"_quota"), ",", ".", 1), 64)
		if err1 != nil || err2 != nil {
			errs = append(errs, string(c)+": indica i minuti (numero intero) e la quota attesa (percentuale).")
		}
		ts = append(ts, domain.SLATarget{Code: c, Target: time.Duration(min) * time.Minute,
			Basis: domain.Basis(r.PostFormValue(k + "_base")), ExpectedShare: share})
	}
	show := func(out formOutcome) { h.showSLA(w, r, s, slaView{Targets: ts, formOutcome: out}) }
	if errs != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		show(formOutcome{Errors: errs})
		return
	}
	if err := h.enti.SetSLATargets(r.Context(), ts); err != nil {
		h.refused(w, r, s, err, show)
		return
	}
	http.Redirect(w, r, "/admin/sla?fatto=1", http.StatusSeeOther)
}
