package api

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/cst-firenze/helpdesk/app"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

func (s *Server) interventionRoutes(v1 string) {
	s.handle(http.MethodGet, v1+"/interventions", can(domain.ActReadInterventions), s.listInterventions)
	s.handle(http.MethodPost, v1+"/interventions", can(domain.ActRequestIntervention), s.createIntervention)
	s.handle(http.MethodGet, v1+"/interventions/:id", can(domain.ActReadInterventions), s.getIntervention)
	s.handle(http.MethodGet, v1+"/interventions/:id/events", can(domain.ActReadInterventions), s.interventionEvents)
	s.handle(http.MethodPost, v1+"/interventions/:id/schedule", can(domain.ActScheduleIntervention), s.interventionAction(domain.InterventionSchedule))
	s.handle(http.MethodPost, v1+"/interventions/:id/start", can(domain.ActCarryOutIntervention), s.interventionAction(domain.InterventionStart))
	s.handle(http.MethodPost, v1+"/interventions/:id/complete", can(domain.ActCarryOutIntervention), s.interventionAction(domain.InterventionComplete))
	s.handle(http.MethodPost, v1+"/interventions/:id/cancel", can(domain.ActCancelIntervention), s.interventionAction(domain.InterventionCancel))
	s.handle(http.MethodGet, v1+"/reports/interventions", can(domain.ActReadReports), s.interventionReport)
	s.handle(http.MethodPost, v1+"/interventions/:id/wait", can(domain.ActScheduleIntervention), s.interventionAction(domain.InterventionWait))
	s.handle(http.MethodPost, v1+"/interventions/:id/resume", can(domain.ActScheduleIntervention), s.interventionAction(domain.InterventionResume))
}

type technicianJSON struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

type interventionLinksJSON struct {
	Self    string `json:"self"`
	History string `json:"history"`
}

type interventionJSON struct {
	ID             int64                     `json:"id"`
	Ente           string                    `json:"ente"`
	TicketID       *int64                    `json:"ticket_id"`
	Tier           domain.Tier               `json:"tier"`
	Description    string                    `json:"description"`
	Status         domain.InterventionStatus `json:"status"`
	Technician     *technicianJSON           `json:"technician"`
	PlannedAt      *time.Time                `json:"planned_at"`
	RequestedBy    *int64                    `json:"requested_by"`
	RequestedAt    time.Time                 `json:"requested_at"`
	EnteredAt      time.Time                 `json:"entered_at"`
	Deadline       time.Time                 `json:"deadline"`
	PausedMinutes  float64                   `json:"paused_minutes"`
	Overdue        bool                      `json:"overdue"`
	StartedAt      *time.Time                `json:"started_at"`
	CompletedAt    *time.Time                `json:"completed_at"`
	CancelledAt    *time.Time                `json:"cancelled_at"`
	Outcome        string                    `json:"outcome,omitempty"`
	CancelReason   string                    `json:"cancel_reason,omitempty"`
	OnTime         *bool                     `json:"on_time"`
	WorkingMinutes *float64                  `json:"working_minutes"`
	UpdatedAt      time.Time                 `json:"updated_at"`
	Version        int                       `json:"version"`
	Links          interventionLinksJSON     `json:"links"`
	waitJSON
}

func interventionURL(id int64) string { return fmt.Sprintf("/api/v1/interventions/%d", id) }

// interventionJSON shows the intervention as it stands at now (see
// ticketJSON).
func (s *Server) interventionJSON(iv domain.Intervention, now time.Time) interventionJSON {
	iv = iv.At(now)
	out := interventionJSON{
		ID: iv.ID, Ente: iv.EnteCode, TicketID: iv.TicketID, Tier: iv.Tier, Description: iv.Description,
		Status: iv.Status, PlannedAt: s.localPtr(iv.PlannedAt), RequestedAt: s.local(iv.RequestedAt),
		EnteredAt: s.local(iv.EnteredAt), PausedMinutes: iv.Paused.Minutes(), waitJSON: s.waitJSON(iv.Waiting, now),
		Deadline: s.local(iv.Deadline), Overdue: iv.Overdue(now), StartedAt: s.localPtr(iv.StartedAt),
		CompletedAt: s.localPtr(iv.CompletedAt), CancelledAt: s.localPtr(iv.CancelledAt),
		Outcome: iv.Outcome, CancelReason: iv.CancelReason, OnTime: iv.OnTime(),
		UpdatedAt: s.local(iv.UpdatedAt), Version: iv.Version,
		Links: interventionLinksJSON{Self: interventionURL(iv.ID), History: interventionURL(iv.ID) + "/events"},
	}
	if iv.TechnicianID != nil {
		out.Technician = &technicianJSON{ID: *iv.TechnicianID, Username: iv.TechnicianName}
	}
	if iv.RequestedBy != 0 {
		out.RequestedBy = &iv.RequestedBy
	}
	if iv.Status == domain.InterventionCompleted {
		m := float64(iv.WorkingSeconds) / 60
		out.WorkingMinutes = &m
	}
	return out
}

type createInterventionRequest struct {
	Ente        string      `json:"ente"`
	TicketID    *int64      `json:"ticket_id"`
	Tier        domain.Tier `json:"tier"`
	Description string      `json:"description"`
	RequestedAt *string     `json:"requested_at"`
}

func (s *Server) createIntervention(c *gin.Context) {
	var req createInterventionRequest
	body, err := s.bindJSON(c, &req)
	if err != nil {
		fail(c, err)
		return
	}
	p := mustPrincipal(c)
	requested, err := requestInstant("requested_at", req.RequestedAt)
	if err != nil {
		fail(c, err)
		return
	}
	n := domain.NewIntervention{EnteCode: req.Ente, TicketID: req.TicketID, Tier: req.Tier, Description: req.Description, RequestedAt: requested}
	s.created(c, body, func(ctx context.Context) (domain.StoredResponse, error) {
		iv, err := s.interventions.Request(ctx, p, n)
		if err != nil {
			return domain.StoredResponse{}, err
		}
		b, err := json.Marshal(s.interventionJSON(iv, s.now()))
		return domain.StoredResponse{Location: interventionURL(iv.ID), Body: b}, err
	})
}

// visibleIntervention loads the intervention of the path for the principal.
func (s *Server) visibleIntervention(c *gin.Context) (domain.Intervention, bool) {
	return byPathID(c, func(ctx context.Context, id int64) (domain.Intervention, error) {
		return s.interventions.Get(ctx, mustPrincipal(c), id)
	})
}

func (s *Server) getIntervention(c *gin.Context) {
	iv, ok := s.visibleIntervention(c)
	if !ok {
		return
	}
	writeRead(c, iv.Version, s.interventionJSON(iv, s.now()))
}

type interventionEventJSON struct {
	ID           int64                     `json:"id"`
	Action       domain.InterventionAction `json:"action"`
	ActorID      *int64                    `json:"actor_id"`
	Actor        string                    `json:"actor"`
	At           time.Time                 `json:"at"`
	Note         string                    `json:"note,omitempty"`
	FromStatus   domain.InterventionStatus `json:"from_status,omitempty"`
	ToStatus     domain.InterventionStatus `json:"to_status"`
	TechnicianID *int64                    `json:"technician_id,omitempty"`
	PlannedAt    *time.Time                `json:"planned_at,omitempty"`
	EnteredAt    *time.Time                `json:"entered_at,omitempty"`
	WaitingOn    domain.WaitingOn          `json:"waiting_on,omitempty"`
	WaitUntil    *time.Time                `json:"wait_until,omitempty"`
}

func (s *Server) interventionEventJSON(e domain.InterventionEvent) interventionEventJSON {
	out := interventionEventJSON{
		ID: e.ID, Action: e.Action, Actor: e.ActorName, At: s.local(e.At), Note: e.Note,
		FromStatus: e.FromStatus, ToStatus: e.ToStatus, TechnicianID: e.TechnicianID, PlannedAt: s.localPtr(e.PlannedAt),
		WaitingOn: e.WaitingOn, WaitUntil: s.localPtr(e.WaitUntil),
	}
	if e.Action == domain.InterventionRequest {
		out.EnteredAt = s.localPtr(&e.EnteredAt)
		if e.EnteredAt.IsZero() {
			out.EnteredAt = s.localPtr(&e.At)
		}
	}
	if e.ActorID != 0 {
		out.ActorID = &e.ActorID
	}
	return out
}

func (s *Server) interventionEvents(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	evs, err := s.interventions.Events(c.Request.Context(), mustPrincipal(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(evs, s.interventionEventJSON)})
}

// interventionActionRequest holds what any action may carry; each action
// accepts only its own fields.
type interventionActionRequest struct {
	TechnicianID *int64            `json:"technician_id"`
	PlannedAt    *string           `json:"planned_at"`
	Outcome      *string           `json:"outcome"`
	Reason       *string           `json:"reason"`
	WaitingOn    *domain.WaitingOn `json:"waiting_on"`
	Until        *string           `json:"until"`
}

// interventionActionFields lists the body fields each action accepts.
var interventionActionFields = map[domain.InterventionAction][]string{
	domain.InterventionSchedule: {"technician_id", "planned_at"},
	domain.InterventionStart:    nil,
	domain.InterventionComplete: {"outcome"},
	domain.InterventionCancel:   {"reason"},
	domain.InterventionWait:     {"reason", "waiting_on", "until"},
	domain.InterventionResume:   nil,
}

// command turns the body of an action into a domain command, rejecting
// fields that belong to other actions.
func interventionCommand(a domain.InterventionAction, req interventionActionRequest) (domain.InterventionCommand, error) {
	cmd := domain.InterventionCommand{Action: a}
	var fe []domain.FieldError
	for field, given := range map[string]bool{
		"technician_id": req.TechnicianID != nil, "planned_at": req.PlannedAt != nil,
		"outcome": req.Outcome != nil, "reason": req.Reason != nil,
		"waiting_on": req.WaitingOn != nil, "until": req.Until != nil,
	} {
		if given && !slices.Contains(interventionActionFields[a], field) {
			fe = append(fe, domain.FieldError{Field: field, Detail: "is not a field of " + string(a)})
		}
	}
	if len(fe) > 0 {
		return cmd, domain.Invalid("the request has a field that is not allowed", fe...)
	}
	switch a {
	case domain.InterventionSchedule:
		if req.TechnicianID != nil {
			cmd.TechnicianID = *req.TechnicianID
		}
		if req.PlannedAt != nil {
			t, err := time.Parse(time.RFC3339Nano, *req.PlannedAt)
			if err != nil {
				return cmd, domain.Invalid("planned_at is not a time", domain.FieldError{Field: "planned_at", Detail: "must be an RFC 3339 instant"})
			}
			cmd.PlannedAt = t.UTC().Truncate(time.Microsecond)
		}
	case domain.InterventionComplete:
		if req.Outcome != nil {
			cmd.Note = *req.Outcome
		}
	case domain.InterventionCancel:
		if req.Reason != nil {
			cmd.Note = *req.Reason
		}
	case domain.InterventionWait:
		wr := waitRequest{Until: req.Until}
		if req.Reason != nil {
			wr.Reason = *req.Reason
		}
		if req.WaitingOn != nil {
			wr.WaitingOn = *req.WaitingOn
		}
		w, err := wr.command()
		if err != nil {
			return cmd, err
		}
		cmd.Wait, cmd.Note = w, w.Reason
	}
	return cmd, nil
}

// interventionAction applies one step of the lifecycle under the row lock,
// honouring If-Match, and answers with the changed intervention.
func (s *Server) interventionAction(a domain.InterventionAction) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req interventionActionRequest
		if c.Request.ContentLength != 0 {
			if _, err := s.bindJSON(c, &req); err != nil {
				fail(c, err)
				return
			}
		}
		cmd, err := interventionCommand(a, req)
		if err != nil {
			fail(c, err)
			return
		}
		id, want, err := actionTarget(c)
		if err != nil {
			fail(c, err)
			return
		}
		iv, err := s.interventions.Apply(c.Request.Context(), mustPrincipal(c), id, cmd, want)
		if err != nil {
			fail(c, err)
			return
		}
		writeJSON(c, http.StatusOK, iv.Version, s.interventionJSON(iv, s.now()))
	}
}

type interventionPageJSON struct {
	Items      []interventionJSON `json:"items"`
	NextCursor *string            `json:"next_cursor"`
}

// interventionListQuery are the query parameters of GET /interventions.
var interventionListQuery = map[string]bool{
	"ente": true, "status": true, "tier": true, "technician": true, "overdue": true,
	"requested_from": true, "requested_to": true, "sort": true, "limit": true, "cursor": true, "waiting": true,
}

func (s *Server) interventionFilter(c *gin.Context) (domain.InterventionFilter, error) {
	p := mustPrincipal(c)
	l := s.listParams(c, interventionListQuery)
	f := domain.InterventionFilter{Now: s.now()}
	var err error
	if f.EnteCode, err = app.EnteScope(p, l.q.Get("ente"), "interventions"); err != nil {
		return f, err
	}
	f.Statuses = enumList(l, "status", domain.InterventionStatus.Valid, "must be a comma-separated list of requested, scheduled, in_progress, completed, cancelled")
	f.Tiers = enumList(l, "tier", domain.Tier.Valid, "must be a comma-separated list of 30m, 4h, 8h, nbd")
	f.TechnicianID = l.userID("technician", p.UserID)
	switch v := l.q.Get("overdue"); v {
	case "":
	case "true", "false":
		o := v == "true"
		f.Overdue = &o
	default:
		l.bad("overdue", "must be true or false")
	}
	f.Waiting = l.boolean("waiting")
	f.RequestedFrom, f.RequestedTo = l.instant("requested_from"), l.instant("requested_to")
	f.Ascending = l.ascending("requested_at")
	f.Limit = l.limit()
	if v := l.q.Get("cursor"); v != "" {
		// The cursor is the same opaque (instant, id) position as tickets'.
		cur, err := app.DecodeCursor(v, app.OrderOf(f.Ascending))
		if err != nil {
			return f, err
		}
		f.After = &cur
	}
	return f, l.err()
}

func (s *Server) listInterventions(c *gin.Context) {
	f, err := s.interventionFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	page, err := s.interventions.List(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	out := interventionPageJSON{Items: make([]interventionJSON, 0, len(page.Interventions))}
	for _, iv := range page.Interventions {
		out.Items = append(out.Items, s.interventionJSON(iv, f.Now))
	}
	if page.Next != nil {
		cur := app.EncodeCursor(*page.Next, app.OrderOf(f.Ascending))
		out.NextCursor = &cur
	}
	c.JSON(http.StatusOK, out)
}

type interventionStatsRowJSON struct {
	Tier                 *domain.Tier `json:"tier"`
	Ente                 *string      `json:"ente"`
	Month                *string      `json:"month"`
	Count                int64        `json:"count"`
	Completed            int64        `json:"completed"`
	CompletedOnTime      int64        `json:"completed_on_time"`
	OnTimeShare          *float64     `json:"on_time_share"`
	MedianWorkingSeconds *int64       `json:"median_working_seconds"`
	P90WorkingSeconds    *int64       `json:"p90_working_seconds"`
}

type interventionReportJSON struct {
	From             time.Time                  `json:"from"`
	To               time.Time                  `json:"to"`
	Ente             *string                    `json:"ente"`
	AsOf             *time.Time                 `json:"as_of,omitempty"`
	GroupBy          []string                   `json:"group_by"`
	PercentileMethod string                     `json:"percentile_method"`
	Rows             []interventionStatsRowJSON `json:"rows"`
}

// interventionReportColumns is the CSV header; every report has all the
// columns, empty where a key is not grouped by, so imports stay stable.
var interventionReportColumns = []string{
	"tier", "ente", "month", "count", "completed", "completed_on_time", "on_time_share",
	"median_working_seconds", "p90_working_seconds",
}

func (s *Server) interventionReport(c *gin.Context) {
	r, err := s.newReportRequest(c, "from", "to", "group_by", "as_of")
	if err != nil {
		fail(c, err)
		return
	}
	f := domain.InterventionStatsFilter{EnteCode: r.ente, AsOf: r.asOf}
	f.From, f.To = s.period(r)
	if v := r.q.Get("group_by"); v != "" {
		f.GroupBy = strings.Split(v, ",")
	}
	if err := r.err(); err != nil {
		fail(c, err)
		return
	}
	rows, err := s.reports.Interventions(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	out := interventionReportJSON{
		From: s.local(f.From), To: s.local(f.To), AsOf: s.asOfJSON(r), GroupBy: []string{}, PercentileMethod: "nearest-rank",
		Rows: make([]interventionStatsRowJSON, len(rows)),
	}
	if f.EnteCode != "" {
		out.Ente = &f.EnteCode
	}
	for _, g := range domain.InterventionGroupKeys {
		if f.Groups(g) {
			out.GroupBy = append(out.GroupBy, g)
		}
	}
	for i, r := range rows {
		rj := interventionStatsRowJSON{
			Count: r.Count, Completed: r.Completed, CompletedOnTime: r.CompletedOnTime, OnTimeShare: r.OnTimeShare,
			MedianWorkingSeconds: r.MedianSeconds, P90WorkingSeconds: r.P90Seconds,
		}
		if f.Groups(domain.GroupByTier) {
			rj.Tier = &r.Tier
		}
		if f.Groups(domain.GroupByEnte) {
			rj.Ente = &r.EnteCode
		}
		if f.Groups(domain.GroupByMonth) {
			m := fmt.Sprintf("%04d-%02d", r.Year, r.Month)
			rj.Month = &m
		}
		out.Rows[i] = rj
	}
	if !r.csv {
		c.JSON(http.StatusOK, out)
		return
	}
	cf := r.cf
	records := make([][]string, len(out.Rows))
	for i, r := range out.Rows {
		var tier *string
		if r.Tier != nil {
			t := string(*r.Tier)
			tier = &t
		}
		records[i] = []string{
			cf.Str(tier), cf.Str(r.Ente), cf.Str(r.Month), cf.Int(r.Count), cf.Int(r.Completed), cf.Int(r.CompletedOnTime),
			cf.Num(r.OnTimeShare, 4), cf.OptInt(r.MedianWorkingSeconds), cf.OptInt(r.P90WorkingSeconds),
		}
	}
	writeCSV(c, "interventions.csv", cf, interventionReportColumns, records)
}
