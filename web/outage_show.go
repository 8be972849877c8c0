package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

const localMinute = "2006-01-02T15:04" // a datetime-local field's value, in Rome's time

var (
	audienceLabels = map[domain.NoticeAudience]string{domain.NoticeOffices: "uffici degli enti", domain.NoticeUsers: "utenti degli enti"}
	// untoldReasons say in Italian why app.Mailing could not tell an ente.
	untoldReasons = map[string]string{
		app.UntoldNoOfficeAddress: "l'ente non ha un indirizzo e-mail degli uffici",
		app.UntoldNoMailableUser:  "l'ente non ha utenti attivi con un indirizzo e-mail che accettino gli avvisi",
	}
)

// outageForm is the "Nuova interruzione" form as typed.
type outageForm struct {
	Systems, Enti     []string
	Started           string // localMinute
	Planned           bool
	Cause, PublicText string
}

type outageNewView struct {
	Form    outageForm
	Systems []domain.MonitoringSystem
	Enti    []domain.Ente
	formOutcome
}

func (h *Handler) outageNew(w http.ResponseWriter, r *http.Request, s *session) {
	if err := domain.Permit(s.P, domain.ActRecordOutages); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	h.showOutageNew(w, r, s, outageNewView{Form: outageForm{Started: h.cfg.Now().In(h.rome).Format(localMinute)}})
}

func (h *Handler) showOutageNew(w http.ResponseWriter, r *http.Request, s *session, v outageNewView) {
	var err error
	if v.Systems, err = h.outages.Systems(r.Context()); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	if v.Enti, err = h.enti.List(r.Context()); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	h.render(w, r, s, "outage_new", "Nuova interruzione", v)
}

// outageCreate records an outage through the use case the API's POST
// /outages calls.
func (h *Handler) outageCreate(w http.ResponseWriter, r *http.Request, s *session) {
	if err := domain.Permit(s.P, domain.ActRecordOutages); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	_ = r.ParseForm()
	f := outageForm{Systems: r.PostForm["sistemi"], Enti: r.PostForm["enti"], Started: r.PostFormValue("inizio"),
		Planned: r.PostFormValue("tipo") == "programmata", Cause: strings.TrimSpace(r.PostFormValue("causa")),
		PublicText: strings.TrimSpace(r.PostFormValue("testo_pubblico"))}
	started, err := time.ParseInLocation(localMinute, f.Started, h.rome)
	if err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		h.showOutageNew(w, r, s, outageNewView{Form: f, formOutcome: formOutcome{Errors: []string{"Indica data e ora di inizio dell'interruzione."}}})
		return
	}
	o, err := h.outages.CreateOutage(r.Context(), started, app.OutagePatch{Systems: &f.Systems, Enti: &f.Enti, Planned: &f.Planned,
		Cause: &f.Cause, PublicText: &f.PublicText})
	if err != nil {
		h.refused(w, r, s, err, func(out formOutcome) { h.showOutageNew(w, r, s, outageNewView{Form: f, formOutcome: out}) })
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/interruzioni/%d?fatto=creata", o.ID), http.StatusSeeOther)
}

// noticeView is the answer of the notice use case: the mails queued and
// the enti nobody could be told at.
type noticeView struct {
	Audience string
	Queued   []app.NoticeRecipient
	Untold   []app.UntoldEnte // reasons in Italian
}

type outageView struct {
	Row       outageRow
	Record    bool // may record the intervention and confirm
	Notify    bool // may send the notices
	Done      string
	Notice    *noticeView
	NoMail    bool // the notice was refused: the service sends no e-mail
	Intervent string
	Ended     string
	formOutcome
}

func (h *Handler) outageShow(w http.ResponseWriter, r *http.Request, s *session) {
	h.showOutage(w, r, s, outageView{Done: r.URL.Query().Get("fatto")})
}

// showOutage shows one outage as the API's GET /outages/{id} does: an
// ente user only one affecting their ente, another is not found.
func (h *Handler) showOutage(w http.ResponseWriter, r *http.Request, s *session, v outageView) {
	id, ok := h.permittedID(w, r, s, domain.ActReadReports)
	if !ok {
		return
	}
	viewer := ""
	if s.P.Role == domain.RoleEnte {
		viewer = s.P.EnteCode
	}
	o, err := h.outages.Outage(r.Context(), id, viewer)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	v.Row = outageRows([]domain.Outage{o}, h.cfg.Now())[0]
	v.Record, v.Notify = s.Can(domain.ActRecordOutages), s.Can(domain.ActSendOutageNotices)
	v.Intervent, v.Ended = h.localMinute(o.InterventionStartedAt), h.localMinute(o.EndedAt)
	h.render(w, r, s, "outage", fmt.Sprintf("Interruzione n. %d", o.ID), v)
}

// permittedID checks the role and reads the outage's id from the path;
// when either fails it has answered.
func (h *Handler) permittedID(w http.ResponseWriter, r *http.Request, s *session, act domain.Act) (int64, bool) {
	if err := domain.Permit(s.P, act); err != nil {
		h.errorPage(w, r, s, err)
		return 0, false
	}
	id, ok := pathID(r)
	if !ok {
		h.errorPage(w, r, s, domain.ErrNotFound)
	}
	return id, ok
}

func (h *Handler) localMinute(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(h.rome).Format(localMinute)
}

// outagePatch records the intervention's start and end, the cause and
// the public text with the version the page showed (PATCH /outages/{id}
// with its If-Match): fields left as the page showed them are not sent.
func (h *Handler) outagePatch(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := h.permittedID(w, r, s, domain.ActRecordOutages)
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("versione"))
	p := app.OutagePatch{Version: positive(version), Confirm: r.PostFormValue("conferma") == "1"}
	var errs []string
	instant := func(field, shown, label string) *time.Time {
		v := r.PostFormValue(field)
		if v == "" || v == r.PostFormValue(shown) {
			return nil
		}
		t, err := time.ParseInLocation(localMinute, v, h.rome)
		if err != nil {
			errs = append(errs, label+": indica data e ora.")
			return nil
		}
		return &t
	}
	text := func(field string) *string {
		v := strings.TrimSpace(r.PostFormValue(field))
		if v == strings.TrimSpace(r.PostFormValue(field+"_mostrato")) {
			return nil
		}
		return &v
	}
	p.InterventionStartedAt = instant("inizio_intervento", "inizio_intervento_mostrato", "Inizio dell'intervento")
	p.EndedAt = instant("fine", "fine_mostrata", "Fine dell'interruzione")
	p.Cause, p.PublicText = text("causa"), text("testo_pubblico")
	if errs != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		h.showOutage(w, r, s, outageView{formOutcome: formOutcome{Errors: errs}})
		return
	}
	if _, err := h.outages.PatchOutage(r.Context(), id, p); err != nil {
		h.refused(w, r, s, err, func(out formOutcome) { h.showOutage(w, r, s, outageView{formOutcome: out}) })
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/interruzioni/%d?fatto=registrata", id), http.StatusSeeOther)
}

// outageNotice sends the notice to the affected enti's offices or users
// through the use case of the API's POST /outages/{id}/notices and shows
// its answer.
func (h *Handler) outageNotice(w http.ResponseWriter, r *http.Request, s *session) {
	id, ok := h.permittedID(w, r, s, domain.ActSendOutageNotices)
	if !ok {
		return
	}
	if h.notices == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		h.showOutage(w, r, s, outageView{NoMail: true})
		return
	}
	a := domain.NoticeAudience(r.PostFormValue("destinatari"))
	res, err := h.notices.SendOutageNotice(r.Context(), id, a)
	nv := &noticeView{Audience: label(audienceLabels, a), Queued: res.Queued}
	for _, u := range res.Untold {
		if it, ok := untoldReasons[u.Reason]; ok {
			u.Reason = it
		}
		nv.Untold = append(nv.Untold, u)
	}
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeNotFound {
			h.errorPage(w, r, s, err)
			return
		}
		var msg string
		switch {
		case len(nv.Untold) > 0:
			msg = "Nessuna e-mail inviata: nessuno degli enti colpiti può essere avvisato per e-mail."
		case domain.ErrorCode(err) == domain.CodeConflict:
			msg = "Nessuna e-mail inviata: l'interruzione è stata proposta dal monitoraggio, confermala prima di avvisare."
		case domain.ErrorCode(err) == domain.CodeUnprocessable:
			msg = "Nessuna e-mail inviata: l'interruzione deve indicare gli enti colpiti e il testo dell'avviso pubblico."
		case domain.ErrorCode(err) == domain.CodeInvalid:
			msg = "Nessuna e-mail inviata: scegli a chi inviare l'avviso."
		default:
			h.errorPage(w, r, s, err)
			return
		}
		w.WriteHeader(http.StatusUnprocessableEntity)
		h.showOutage(w, r, s, outageView{Notice: nv, formOutcome: formOutcome{Errors: []string{msg}}})
		return
	}
	h.showOutage(w, r, s, outageView{Notice: nv})
}
