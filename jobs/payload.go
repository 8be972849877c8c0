package jobs

import (
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// The data of each event type, as receivers see it. These are wire types:
// the domain types carry no JSON.
type ticketData struct {
	ID         int64      `json:"id"`
	Ente       string     `json:"ente"`
	Subject    string     `json:"subject"`
	Service    string     `json:"service"`
	Channel    string     `json:"channel"`
	Level      int        `json:"level"`
	Status     string     `json:"status"`
	AssigneeID *int64     `json:"assignee_id"`
	OpenedAt   time.Time  `json:"opened_at"`
	Event      *eventData `json:"event,omitempty"`
	Clock      *clockData `json:"clock,omitempty"`
}

type eventData struct {
	ID         int64     `json:"id"`
	Action     string    `json:"action"`
	Actor      string    `json:"actor"`
	At         time.Time `json:"at"`
	Body       string    `json:"body,omitempty"`
	FromStatus string    `json:"from_status,omitempty"`
	ToStatus   string    `json:"to_status,omitempty"`
	FromLevel  int       `json:"from_level,omitempty"`
	ToLevel    int       `json:"to_level,omitempty"`
}

type clockData struct {
	Code     string    `json:"code"`
	Deadline time.Time `json:"deadline"`
	Basis    string    `json:"basis"`
}

type interventionData struct {
	ID           int64      `json:"id"`
	Ente         string     `json:"ente"`
	TicketID     *int64     `json:"ticket_id"`
	Tier         string     `json:"tier"`
	Status       string     `json:"status"`
	Deadline     time.Time  `json:"deadline"`
	TechnicianID *int64     `json:"technician_id"`
	PlannedAt    *time.Time `json:"planned_at"`
	Outcome      string     `json:"outcome,omitempty"`
	Action       string     `json:"action"`
	Actor        string     `json:"actor"`
}

type outageData struct {
	ID                    int64      `json:"id"`
	StartedAt             time.Time  `json:"started_at"`
	InterventionStartedAt *time.Time `json:"intervention_started_at"`
	EndedAt               *time.Time `json:"ended_at"`
	Planned               bool       `json:"planned"`
	Proposed              bool       `json:"proposed"`
	Systems               []string   `json:"systems"`
	Enti                  []string   `json:"enti"`
	PublicText            string     `json:"public_text"`
	OfficesNoticeAt       *time.Time `json:"offices_notice_at"`
	UsersNoticeAt         *time.Time `json:"users_notice_at"`
}

type webhookData struct {
	ID     int64  `json:"id"`
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

// noticeData is the data of a notice's payload.
func noticeData(n domain.Notice) any {
	switch {
	case n.Ticket != nil:
		t := n.Ticket
		d := ticketData{ID: t.ID, Ente: t.EnteCode, Subject: t.Subject, Service: t.Service, Channel: string(t.Channel),
			Level: int(t.Level), Status: string(t.Status), AssigneeID: t.AssigneeID, OpenedAt: t.OpenedAt.UTC()}
		if e := n.Event; e != nil {
			d.Event = &eventData{ID: e.ID, Action: string(e.Action), Actor: e.ActorName, At: e.At.UTC(),
				FromStatus: string(e.FromStatus), ToStatus: string(e.ToStatus), FromLevel: int(e.FromLevel), ToLevel: int(e.ToLevel)}
			if !e.Internal {
				d.Event.Body = e.Body
			}
		}
		if c := n.Clock; c != nil {
			d.Clock = &clockData{Code: string(c.Code), Deadline: c.Deadline.UTC(), Basis: string(c.Basis)}
		}
		return d
	case n.Intervention != nil:
		iv := n.Intervention
		d := interventionData{ID: iv.ID, Ente: iv.EnteCode, TicketID: iv.TicketID, Tier: string(iv.Tier), Status: string(iv.Status),
			Deadline: iv.Deadline.UTC(), TechnicianID: iv.TechnicianID, PlannedAt: iv.PlannedAt, Outcome: iv.Outcome}
		if e := n.IvEvent; e != nil {
			d.Action, d.Actor = string(e.Action), e.ActorName
		}
		return d
	case n.Outage != nil:
		o := n.Outage
		return outageData{ID: o.ID, StartedAt: o.StartedAt.UTC(), InterventionStartedAt: o.InterventionStartedAt, EndedAt: o.EndedAt,
			Planned: o.Planned, Proposed: o.Proposed, Systems: o.Systems, Enti: o.Enti, PublicText: o.PublicText,
			OfficesNoticeAt: o.OfficesNoticeAt, UsersNoticeAt: o.UsersNoticeAt}
	case n.Webhook != nil:
		return webhookData{ID: n.Webhook.ID, URL: n.Webhook.URL, Reason: n.Webhook.DisabledReason}
	}
	return struct{}{}
}
