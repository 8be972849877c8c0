package api

import (
	"context"
	"fmt"
	"github.com/cst-firenze/helpdesk/app"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cst-firenze/helpdesk/domain"
)

type slaClockJSON struct {
	Code           domain.SLACode  `json:"code"`
	Description    string          `json:"description"`
	TargetMinutes  int64           `json:"target_minutes"`
	Basis          domain.Basis    `json:"basis"`
	StartedAt      time.Time       `json:"started_at"`
	Deadline       time.Time       `json:"deadline"`
	StoppedAt      *time.Time      `json:"stopped_at"`
	State          domain.SLAState `json:"state"`
	ElapsedMinutes *float64        `json:"elapsed_minutes"`
	PausedSince    *time.Time      `json:"paused_since"`
	PausedMinutes  float64         `json:"paused_minutes"`
}

type ticketJSON struct {
	ID          int64          `json:"id"`
	Ente        string         `json:"ente"`
	Subject     string         `json:"subject"`
	Description string         `json:"description"`
	Service     string         `json:"service"`
	Channel     domain.Channel `json:"channel"`
	Level       domain.Level   `json:"level"`
	Status      domain.Status  `json:"status"`
	AssigneeID  *int64         `json:"assignee_id"`
	OpenedBy    *int64         `json:"opened_by"`
	OpenedAt    time.Time      `json:"opened_at"`
	ReceivedAt  time.Time      `json:"received_at"`
	EnteredAt   time.Time      `json:"entered_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	ClosedAt    *time.Time     `json:"closed_at"`
	Reason      string         `json:"reason,omitempty"`
	ExternalID  string         `json:"external_id,omitempty"`
	Version     int            `json:"version"`
	SLA         []slaClockJSON `json:"sla"`
	waitJSON
}

// ticketJSON shows the ticket as it stands at now: a wait whose until has
// passed is over, and its clocks' deadlines have moved.
func (s *Server) ticketJSON(t domain.Ticket, now time.Time) ticketJSON {
	t = t.At(now)
	out := ticketJSON{
		ID: t.ID, Ente: t.EnteCode, Subject: t.Subject, Description: t.Description, Service: t.Service,
		Channel: t.Channel, Level: t.Level, Status: t.Status, AssigneeID: t.AssigneeID,
		OpenedAt: s.local(t.OpenedAt), ReceivedAt: s.local(t.OpenedAt), EnteredAt: s.local(t.EnteredAt),
		UpdatedAt: s.local(t.UpdatedAt), ClosedAt: s.localPtr(t.ClosedAt),
		Reason: t.Reason, ExternalID: t.ExternalID, Version: t.Version, SLA: []slaClockJSON{},
		waitJSON: s.waitJSON(t.Waiting, now),
	}
	if t.OpenedBy != 0 {
		out.OpenedBy = &t.OpenedBy
	}
	for _, c := range t.Clocks {
		cj := slaClockJSON{
			Code: c.Code, Description: domain.SLADescriptions[c.Code], TargetMinutes: int64(c.Target / time.Minute),
			Basis: c.Basis, StartedAt: s.local(c.StartedAt), Deadline: s.local(c.Deadline),
			StoppedAt: s.localPtr(c.StoppedAt), State: c.State(now), PausedMinutes: c.Paused.Minutes(),
		}
		if c.Pause != nil {
			// A pause in progress adds its working time when it ends.
			cj.PausedSince = s.localPtr(&c.Pause.Since)
		}
		if c.StoppedAt != nil {
			m := c.Elapsed.Minutes()
			cj.ElapsedMinutes = &m
		}
		out.SLA = append(out.SLA, cj)
	}
	return out
}

type createTicketRequest struct {
	Ente        string         `json:"ente"`
	Subject     string         `json:"subject"`
	Description string         `json:"description"`
	Service     string         `json:"service"`
	Channel     domain.Channel `json:"channel"`
	Level       *domain.Level  `json:"level"`
	ReceivedAt  *string        `json:"received_at"`
}

func (s *Server) createTicket(c *gin.Context) {
	var req createTicketRequest
	body, err := s.bindJSON(c, &req)
	if err != nil {
		fail(c, err)
		return
	}
	p := mustPrincipal(c)
	received, err := requestInstant("received_at", req.ReceivedAt)
	if err != nil {
		fail(c, err)
		return
	}
	open := app.OpenTicket{Ente: req.Ente, Subject: req.Subject, Description: req.Description,
		Service: req.Service, Channel: req.Channel, Level: req.Level, ReceivedAt: received}
	s.created(c, body, func(ctx context.Context) (domain.StoredResponse, error) {
		t, err := s.tickets.Open(ctx, p, open)
		if err != nil {
			return domain.StoredResponse{}, err
		}
		b, err := s.ticketJSON(t, s.now()).MarshalJSON()
		return domain.StoredResponse{Location: fmt.Sprintf("/api/v1/tickets/%d", t.ID), Body: b}, err
	})
}

// visibleTicket loads the ticket of the path for the principal.
func (s *Server) visibleTicket(c *gin.Context) (domain.Ticket, bool) {
	return byPathID(c, func(ctx context.Context, id int64) (domain.Ticket, error) {
		return s.tickets.Get(ctx, mustPrincipal(c), id)
	})
}

func (s *Server) getTicket(c *gin.Context) {
	t, ok := s.visibleTicket(c)
	if !ok {
		return
	}
	writeRead(c, t.Version, s.ticketJSON(t, s.now()))
}

type eventJSON struct {
	ID         int64            `json:"id"`
	Action     domain.Action    `json:"action"`
	ActorID    *int64           `json:"actor_id"`
	Actor      string           `json:"actor"`
	At         time.Time        `json:"at"`
	Body       string           `json:"body,omitempty"`
	Internal   bool             `json:"internal"`
	FromStatus domain.Status    `json:"from_status,omitempty"`
	ToStatus   domain.Status    `json:"to_status,omitempty"`
	FromLevel  domain.Level     `json:"from_level,omitempty"`
	ToLevel    domain.Level     `json:"to_level,omitempty"`
	EnteredAt  *time.Time       `json:"entered_at,omitempty"`
	WaitingOn  domain.WaitingOn `json:"waiting_on,omitempty"`
	WaitUntil  *time.Time       `json:"wait_until,omitempty"`
}

func (s *Server) eventJSON(e domain.Event) eventJSON {
	out := eventJSON{
		ID: e.ID, Action: e.Action, Actor: e.ActorName, At: s.local(e.At), Body: e.Body, Internal: e.Internal,
		FromStatus: e.FromStatus, ToStatus: e.ToStatus, FromLevel: e.FromLevel, ToLevel: e.ToLevel,
		WaitingOn: e.WaitingOn, WaitUntil: s.localPtr(e.WaitUntil),
	}
	if e.Action == domain.ActionOpen {
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

func (s *Server) ticketEvents(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		fail(c, err)
		return
	}
	evs, err := s.tickets.Events(c.Request.Context(), mustPrincipal(c), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": mapItems(evs, s.eventJSON)})
}

// ticketActionPaths maps each action's URL segment to the action.
var ticketActionPaths = map[string]domain.Action{
	"take-in-charge":      domain.ActionTakeInCharge,
	"replies":             domain.ActionReply,
	"notes":               domain.ActionNote,
	"escalate":            domain.ActionEscalate,
	"resolve":             domain.ActionResolve,
	"close-not-competent": domain.ActionCloseNotCompetent,
	"reopen":              domain.ActionReopen,
	"resume":              domain.ActionResume,
}

type actionRequest struct {
	Body string `json:"body"`
}

// ticketAction applies one action under the ticket's row lock, honouring
// If-Match, and answers with the changed ticket.
func (s *Server) ticketAction(a domain.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req actionRequest
		if c.Request.ContentLength != 0 {
			if _, err := s.bindJSON(c, &req); err != nil {
				fail(c, err)
				return
			}
		}
		id, want, err := actionTarget(c)
		if err != nil {
			fail(c, err)
			return
		}
		t, err := s.tickets.Apply(c.Request.Context(), mustPrincipal(c), id, a, req.Body, want)
		if err != nil {
			fail(c, err)
			return
		}
		writeJSON(c, http.StatusOK, t.Version, s.ticketJSON(t, s.now()))
	}
}

type ticketPageJSON struct {
	Items       []ticketJSON `json:"items"`
	NextCursor  *string      `json:"next_cursor"`
	Total       *int         `json:"total,omitempty"`
	TotalCapped bool         `json:"total_capped,omitempty"`
}

// listQuery are the query parameters of GET /tickets.
var listQuery = map[string]bool{
	"ente": true, "status": true, "level": true, "service": true, "assignee": true,
	"opened_from": true, "opened_to": true, "q": true, "sla": true, "sla_state": true,
	"sla_due_within": true, "sort": true, "limit": true, "cursor": true, "waiting": true,
	"external_id": true,
}

func (s *Server) ticketFilter(c *gin.Context) (domain.TicketFilter, error) {
	p := mustPrincipal(c)
	l := s.listParams(c, listQuery)
	f := domain.TicketFilter{Now: s.now(), Service: l.q.Get("service"), Text: l.q.Get("q"), ExternalID: l.q.Get("external_id")}
	var err error
	if f.EnteCode, err = app.EnteScope(p, l.q.Get("ente"), "tickets"); err != nil {
		return f, err
	}
	f.Statuses = enumList(l, "status", domain.Status.Valid, "must be a comma-separated list of nuovo, aperto, risolto, non_di_competenza")
	if v := l.q.Get("level"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || !domain.Level(n).Valid() {
			l.bad("level", "must be 1 or 2")
		}
		f.Level = domain.Level(n)
	}
	f.AssigneeID = l.userID("assignee", p.UserID)
	f.OpenedFrom, f.OpenedTo = l.instant("opened_from"), l.instant("opened_to")
	if len(f.Text) > 200 {
		l.bad("q", "must be at most 200 characters")
	}
	if len(f.ExternalID) > 100 {
		l.bad("external_id", "must be at most 100 characters")
	}
	if v := l.q.Get("sla"); v != "" {
		f.SLACode = domain.SLACode(v)
		if !containsCode(v) {
			l.bad("sla", "must be SLA.6, SLA.7 or SLA.8")
		}
	}
	if v := l.q.Get("sla_state"); v != "" {
		f.SLAState = domain.SLAState(v)
		if f.SLAState != domain.SLARunning && f.SLAState != domain.SLAMet && f.SLAState != domain.SLABreached {
			l.bad("sla_state", "must be running, met or breached")
		}
	}
	if v := l.q.Get("sla_due_within"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > 366*24*time.Hour {
			l.bad("sla_due_within", "must be a duration such as 30m or 1h")
		} else {
			due := f.Now.Add(d)
			f.SLADueBefore = &due
		}
	}
	f.Waiting = l.boolean("waiting")
	if l.q.Get("sort") == "sla_due" {
		// By SLA due, NULL dues last (domain.TicketFilter.ByDue).
		f.ByDue = true
	} else {
		f.Ascending = l.ascending("opened_at")
	}
	f.Limit = l.limit()
	if v := l.q.Get("cursor"); v != "" {
		cur, err := app.DecodeCursor(v, ticketOrder(f))
		if err != nil {
			return f, err
		}
		f.After = &cur
	}
	return f, l.err()
}

// ticketOrder is the order a ticket list is read in.
func ticketOrder(f domain.TicketFilter) app.Order {
	if f.ByDue {
		return app.ByDue
	}
	return app.OrderOf(f.Ascending)
}

func containsCode(v string) bool {
	for _, c := range domain.SLACodes {
		if string(c) == v {
			return true
		}
	}
	return false
}

func (s *Server) listTickets(c *gin.Context) {
	f, err := s.ticketFilter(c)
	if err != nil {
		fail(c, err)
		return
	}
	page, err := s.tickets.List(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	out := ticketPageJSON{Items: make([]ticketJSON, 0, len(page.Tickets)), Total: page.Total, TotalCapped: page.TotalCapped}
	for _, t := range page.Tickets {
		out.Items = append(out.Items, s.ticketJSON(t, f.Now))
	}
	if page.Next != nil {
		cur := app.EncodeCursor(*page.Next, ticketOrder(f))
		out.NextCursor = &cur
	}
	c.JSON(http.StatusOK, out)
}
