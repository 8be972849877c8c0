package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

type outageJSON struct {
	ID                    int64      `json:"id"`
	StartedAt             time.Time  `json:"started_at"`
	InterventionStartedAt *time.Time `json:"intervention_started_at"`
	EndedAt               *time.Time `json:"ended_at"`
	Planned               bool       `json:"planned"`
	Proposed              bool       `json:"proposed"`
	Cause                 string     `json:"cause"`
	PublicText            string     `json:"public_text"`
	Systems               []string   `json:"systems"`
	Enti                  []string   `json:"enti"`
	OfficesNoticeAt       *time.Time `json:"offices_notice_at"`
	UsersNoticeAt         *time.Time `json:"users_notice_at"`
	DurationMinutes       *float64   `json:"duration_minutes"`
	SLA9                  string     `json:"sla9"`
	SLA10                 string     `json:"sla10"`
	Version               int        `json:"version"`
}

func (s *Server) outageJSON(o domain.Outage) outageJSON {
	now := s.now()
	j := outageJSON{ID: o.ID, StartedAt: s.local(o.StartedAt), InterventionStartedAt: s.localPtr(o.InterventionStartedAt), EndedAt: s.localPtr(o.EndedAt),
		Planned: o.Planned, Proposed: o.Proposed, Cause: o.Cause, PublicText: o.PublicText, Systems: o.Systems, Enti: o.Enti,
		OfficesNoticeAt: s.localPtr(o.OfficesNoticeAt), UsersNoticeAt: s.localPtr(o.UsersNoticeAt),
		SLA9: string(o.SLA9(now)), SLA10: string(o.SLA10(now)), Version: o.Version}
	if j.Systems == nil {
		j.Systems = []string{}
	}
	if j.Enti == nil {
		j.Enti = []string{}
	}
	if o.EndedAt != nil {
		d := minutes(o.EndedAt.Sub(o.StartedAt))
		j.DurationMinutes = &d
	}
	return j
}

// outageBody is the body of a create or a patch; on a patch absent fields
// are left as they are.
type outageBody struct {
	StartedAt             *string   `json:"started_at"`
	InterventionStartedAt *string   `json:"intervention_started_at"`
	EndedAt               *string   `json:"ended_at"`
	Planned               *bool     `json:"planned"`
	Proposed              *bool     `json:"proposed"`
	Cause                 *string   `json:"cause"`
	PublicText            *string   `json:"public_text"`
	Systems               *[]string `json:"systems"`
	Enti                  *[]string `json:"enti"`
	OfficesNoticeAt       *string   `json:"offices_notice_at"`
	UsersNoticeAt         *string   `json:"users_notice_at"`
}

// patch converts the body, naming the instants that do not parse.
func (b outageBody) patch() (app.OutagePatch, *time.Time, error) {
	var fe []domain.FieldError
	instant := func(field string, v *string) *time.Time {
		if v == nil {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, *v)
		if err != nil {
			fe = append(fe, domain.FieldError{Field: field, Detail: "must be an RFC 3339 instant"})
			return nil
		}
		return &t
	}
	p := app.OutagePatch{
		InterventionStartedAt: instant("intervention_started_at", b.InterventionStartedAt), EndedAt: instant("ended_at", b.EndedAt),
		OfficesNoticeAt: instant("offices_notice_at", b.OfficesNoticeAt), UsersNoticeAt: instant("users_notice_at", b.UsersNoticeAt),
		Planned: b.Planned, Cause: b.Cause, PublicText: b.PublicText, Systems: b.Systems, Enti: b.Enti,
	}
	started := instant("started_at", b.StartedAt)
	// Only monitoring proposes; an operator can only confirm.
	if b.Proposed != nil && *b.Proposed {
		fe = append(fe, domain.FieldError{Field: "proposed", Detail: "can only be set to false, to confirm a proposed outage"})
	}
	p.Confirm = b.Proposed != nil
	if len(fe) > 0 {
		return p, nil, domain.Invalid("the outage is not valid", fe...)
	}
	return p, started, nil
}

// viewer is the ente an ente user is confined to, "" for staff.
func viewer(c *gin.Context) string {
	if p := mustPrincipal(c); p.Role == domain.RoleEnte {
		return p.EnteCode
	}
	return ""
}

func (s *Server) createOutage(c *gin.Context) {
	var body outageBody
	m, ok := s.monitoringBody(c, &body)
	if !ok {
		return
	}
	p, started, err := body.patch()
	if err != nil {
		fail(c, err)
		return
	}
	if started == nil {
		fail(c, domain.Invalid("the outage is not valid", domain.FieldError{Field: "started_at", Detail: "is required"}))
		return
	}
	o, err := m.CreateOutage(c.Request.Context(), *started, p)
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/outages/"+strconv.FormatInt(o.ID, 10))
	c.JSON(http.StatusCreated, s.outageJSON(o))
}

func (s *Server) patchOutage(c *gin.Context) {
	m, ok := s.monitoring(c)
	if !ok {
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var body outageBody
	if _, err := s.bindJSON(c, &body); err != nil {
		fail(c, err)
		return
	}
	if body.StartedAt != nil {
		fail(c, domain.Invalid("the outage is not valid", domain.FieldError{Field: "started_at", Detail: "cannot be changed"}))
		return
	}
	p, _, err := body.patch()
	if err != nil {
		fail(c, err)
		return
	}
	want, hasIfMatch, err := ifMatch(c)
	if err != nil {
		fail(c, err)
		return
	}
	if hasIfMatch {
		p.Version = want
	}
	o, err := m.PatchOutage(c.Request.Context(), id, p)
	if err != nil {
		fail(c, err)
		return
	}
	writeJSON(c, http.StatusOK, o.Version, s.outageJSON(o))
}

type noticeRequest struct {
	Audience string `json:"audience"`
}

type noticeRecipientJSON struct {
	Ente string   `json:"ente"`
	Mail mailJSON `json:"mail"`
}

type untoldJSON struct {
	Ente   string `json:"ente"`
	Reason string `json:"reason"`
}

// sendOutageNotice queues the e-mail notice of an outage to the affected
// enti's offices or users; each send that succeeds records the notice
// time (the first one wins).
func (s *Server) sendOutageNotice(c *gin.Context) {
	if !s.mailConfigured(c) {
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	var req noticeRequest
	if _, err := s.bindJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	res, err := s.cfg.Mail.SendOutageNotice(c.Request.Context(), id, domain.NoticeAudience(req.Audience))
	if err != nil {
		fail(c, err)
		return
	}
	queued := mapItems(res.Queued, func(r app.NoticeRecipient) noticeRecipientJSON {
		return noticeRecipientJSON{Ente: r.Ente, Mail: s.mailJSON(r.Mail)}
	})
	untold := mapItems(res.Untold, func(u app.UntoldEnte) untoldJSON { return untoldJSON(u) })
	c.JSON(http.StatusAccepted, gin.H{"outage": s.outageJSON(res.Outage), "audience": res.Audience, "queued": queued, "untold": untold})
}

func (s *Server) getOutage(c *gin.Context) {
	m, ok := s.monitoring(c)
	if !ok {
		return
	}
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	o, err := m.Outage(c.Request.Context(), id, viewer(c))
	if err != nil {
		fail(c, err)
		return
	}
	writeRead(c, o.Version, s.outageJSON(o))
}

// listOutages lists the outages started in a period; an ente user gets
// those affecting their ente.
func (s *Server) listOutages(c *gin.Context) {
	m, r, from, to, ok := s.monitoringPeriod(c, "proposed")
	if !ok {
		return
	}
	var proposed *bool
	if v := r.q.Get("proposed"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil || (v != "true" && v != "false") {
			fail(c, domain.Invalid("some query parameters are not valid", domain.FieldError{Field: "proposed", Detail: "must be true or false"}))
			return
		}
		proposed = &b
	}
	list, err := m.Outages(c.Request.Context(), from, to, r.ente)
	if err != nil {
		fail(c, err)
		return
	}
	if proposed != nil {
		list = slices.DeleteFunc(list, func(o domain.Outage) bool { return o.Proposed != *proposed })
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(list, s.outageJSON)})
}

type deliveryJSON struct {
	ID          int64     `json:"id"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	DeliveredAt time.Time `json:"delivered_at"`
	Note        string    `json:"note"`
}

type deliveryBody struct {
	From        string `json:"from"`
	To          string `json:"to"`
	DeliveredAt string `json:"delivered_at"`
	Note        string `json:"note"`
}

func (s *Server) deliveryJSON(d domain.OutageReportDelivery) deliveryJSON {
	return deliveryJSON{ID: d.ID, From: s.local(d.From), To: s.local(d.To), DeliveredAt: s.local(d.DeliveredAt), Note: d.Note}
}

// recordOutageReportDelivery records a delivery of the SLA.11 report.
func (s *Server) recordOutageReportDelivery(c *gin.Context) {
	var body deliveryBody
	m, ok := s.monitoringBody(c, &body)
	if !ok {
		return
	}
	d := domain.OutageReportDelivery{Note: body.Note}
	var fe []domain.FieldError
	for _, f := range []struct {
		name string
		v    string
		dst  *time.Time
	}{{"from", body.From, &d.From}, {"to", body.To, &d.To}, {"delivered_at", body.DeliveredAt, &d.DeliveredAt}} {
		t, err := s.parseTime(f.name, f.v)
		if err != nil {
			fe = append(fe, domain.FieldError{Field: f.name, Detail: "must be a YYYY-MM-DD date or an RFC 3339 instant"})
			continue
		}
		*f.dst = t.UTC()
	}
	if len(fe) > 0 {
		fail(c, domain.Invalid("the delivery is not valid", fe...))
		return
	}
	d, err := m.RecordOutageReportDelivery(c.Request.Context(), d)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.deliveryJSON(d))
}

type sla11JSON struct {
	Code         string   `json:"code"`
	TargetMonths int      `json:"target_months"`
	Deliveries   int      `json:"deliveries"`
	EveryMonths  *float64 `json:"every_months"`
	Outcome      string   `json:"outcome"`
	Display      *struct {
		Expected  string `json:"expected"`
		Measured  string `json:"measured"`
		Deviation string `json:"deviation"`
	} `json:"display,omitempty"`
}

// outagesReport is SLA.11's malfunction report of a period.
func (s *Server) outagesReport(c *gin.Context) {
	m, r, from, to, ok := s.monitoringPeriod(c)
	if !ok {
		return
	}
	if r.ente != "" {
		fail(c, domain.Errorf(domain.CodeForbidden, "the malfunction report covers every ente; it is not available per ente"))
		return
	}
	rep, err := m.OutagesReport(c.Request.Context(), from, to)
	if err != nil {
		fail(c, err)
		return
	}
	if r.csv {
		writeCSV(c, "outages.csv", r.cf, outageColumns, s.outageRows(r.cf, rep.Outages))
		return
	}
	o := rep.SLA11
	j := sla11JSON{Code: "SLA.11", TargetMonths: domain.SLA11TargetMonths, Deliveries: o.Deliveries}
	switch {
	case !o.Known:
		j.Outcome = "no_data"
	case o.Deliveries == 0 || o.Missed:
		j.Outcome = "missed"
	case o.Better:
		j.Outcome = "better"
	default:
		j.Outcome = "met"
	}
	if o.Deliveries > 0 {
		e := o.EveryMonths
		j.EveryMonths = &e
	}
	if r.cf.Italian {
		j.Display = &struct {
			Expected  string `json:"expected"`
			Measured  string `json:"measured"`
			Deviation string `json:"deviation"`
		}{Expected: "Ogni 6 mesi"}
		j.Display.Measured, j.Display.Deviation = o.ItalianSLA11()
	}
	c.JSON(http.StatusOK, gin.H{"from": s.local(from), "to": s.local(to), "outages": mapItems(rep.Outages, s.outageJSON),
		"deliveries": mapItems(rep.Deliveries, s.deliveryJSON), "sla11": j})
}

var outageColumns = []string{"id", "started_at", "intervention_started_at", "ended_at", "duration_minutes", "planned", "proposed",
	"systems", "enti", "cause", "public_text", "offices_notice_at", "users_notice_at", "sla9", "sla10"}

// outageRows are the CSV cells of the outages, one row each, with the
// instants in Rome's time and, under locale=it, as Italian spreadsheets
// read them.
func (s *Server) outageRows(f csvFormat, list []domain.Outage) [][]string {
	at := func(t *time.Time) string {
		switch {
		case t == nil:
			return ""
		case f.Italian:
			return s.local(*t).Format("02/01/2006 15:04:05")
		}
		return s.local(*t).Format(time.RFC3339)
	}
	cells := make([][]string, len(list))
	for i, o := range list {
		j := s.outageJSON(o)
		cells[i] = []string{f.Int(o.ID), at(&o.StartedAt), at(o.InterventionStartedAt), at(o.EndedAt), f.Num(j.DurationMinutes, -1),
			strconv.FormatBool(o.Planned), strconv.FormatBool(o.Proposed), strings.Join(j.Systems, ", "), strings.Join(j.Enti, ", "),
			o.Cause, o.PublicText, at(o.OfficesNoticeAt), at(o.UsersNoticeAt), j.SLA9, j.SLA10}
	}
	return cells
}
