package api

import (
	"net/http"
	"strconv"
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
		Planned: o.Planned, Cause: o.Cause, PublicText: o.PublicText, Systems: o.Systems, Enti: o.Enti,
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
	m, ok := s.monitoring(c)
	if !ok {
		return
	}
	var body outageBody
	if _, err := s.bindJSON(c, &body); err != nil {
		fail(c, err)
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
	o, err := m.PatchOutage(c.Request.Context(), id, p)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.outageJSON(o))
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
	c.JSON(http.StatusOK, s.outageJSON(o))
}

// listOutages lists the outages started in a period; an ente user gets
// those affecting their ente.
func (s *Server) listOutages(c *gin.Context) {
	m, ok := s.monitoring(c)
	if !ok {
		return
	}
	r, err := s.newReportRequest(c, "from", "to")
	if err != nil {
		fail(c, err)
		return
	}
	from, to := s.period(r)
	if err := r.err(); err != nil {
		fail(c, err)
		return
	}
	list, err := m.Outages(c.Request.Context(), from, to, r.ente)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(list, s.outageJSON)})
}
