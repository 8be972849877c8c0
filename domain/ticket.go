package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Status is where a ticket stands, as the centre's reports name it.
type Status string

// Ticket statuses.
const (
	StatusNuovo           Status = "nuovo"             // received, nobody has taken it in charge
	StatusAperto          Status = "aperto"            // taken in charge, being worked on
	StatusRisolto         Status = "risolto"           // resolved
	StatusNonDiCompetenza Status = "non_di_competenza" // closed: not the centre's responsibility
)

// Statuses lists every status in report order.
var Statuses = []Status{StatusNuovo, StatusAperto, StatusRisolto, StatusNonDiCompetenza}

// Closed reports whether the status ends the ticket's handling.
func (s Status) Closed() bool { return s == StatusRisolto || s == StatusNonDiCompetenza }

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return contains(Statuses, s) }

// Level is the help-desk level handling a ticket: 1 (triage) or 2 (specialists).
type Level int

// Valid reports whether l is 1 or 2.
func (l Level) Valid() bool { return l == 1 || l == 2 }

// Channel is how a ticket arrived.
type Channel string

// Channels.
const (
	ChannelPhone         Channel = "phone"
	ChannelEmail         Channel = "email"
	ChannelPortal        Channel = "portal"
	ChannelContactCenter Channel = "contact_center"
)

// Channels lists every channel.
var Channels = []Channel{ChannelPhone, ChannelEmail, ChannelPortal, ChannelContactCenter}

// Services is the centre's service portfolio a ticket can concern.
var Services = []string{
	"sito_web", "portale_servizi", "gestione_documentale", "app", "suap",
	"telemaco", "ced_multiente", "contact_center", "sit", "altro",
}

// Ticket is a report ("segnalazione") from an ente.
type Ticket struct {
	ID          int64
	EnteCode    string
	Subject     string
	Description string
	Service     string
	Channel     Channel
	Level       Level
	Status      Status
	AssigneeID  *int64
	OpenedBy    int64
	OpenedAt    time.Time // when the report arrived (received_at): the clocks start here
	EnteredAt   time.Time // when it was entered; after OpenedAt when back-dated
	UpdatedAt   time.Time
	ClosedAt    *time.Time
	Reason      string // why it was closed as non di competenza
	ExternalID  string // id in the system it was imported from
	Version     int
	Clocks      []SLAClock
	Waiting     *Waiting // "in attesa": the reply clock is paused
}

// NewTicket is what a caller supplies to open a ticket.
type NewTicket struct {
	EnteCode    string
	Subject     string
	Description string
	Service     string
	Channel     Channel
	Level       Level
	// ReceivedAt is when the report really arrived (a phone call logged
	// later); zero means now. Window bounds how far back it may lie; zero
	// means no bound, for the import of history.
	ReceivedAt time.Time
	Window     time.Duration
}

// Validate checks the fields of a new ticket; the ente's existence is
// checked by the caller that can see the store.
func (n NewTicket) Validate() error {
	var fe []FieldError
	if n.EnteCode == "" {
		fe = append(fe, FieldError{Field: "ente", Detail: "is required"})
	}
	if s := strings.TrimSpace(n.Subject); s == "" || utf8.RuneCountInString(n.Subject) > 200 {
		fe = append(fe, FieldError{Field: "subject", Detail: "must be 1 to 200 characters"})
	}
	if utf8.RuneCountInString(n.Description) > 20000 {
		fe = append(fe, FieldError{Field: "description", Detail: "must be at most 20000 characters"})
	}
	if !contains(Services, n.Service) {
		fe = append(fe, FieldError{Field: "service", Detail: "must be one of " + strings.Join(Services, ", ")})
	}
	if !contains(Channels, n.Channel) {
		fe = append(fe, FieldError{Field: "channel", Detail: "must be one of phone, email, portal, contact_center"})
	}
	if !n.Level.Valid() {
		fe = append(fe, FieldError{Field: "level", Detail: "must be 1 or 2"})
	}
	if len(fe) > 0 {
		return Invalid("the ticket is not valid", fe...)
	}
	return nil
}

// Open builds a ticket in status nuovo with its SLA clocks started when
// the report arrived (n.ReceivedAt, or now), and the event that records its
// opening: at the arrival, with who entered it and when. Ente users cannot
// back-date.
func Open(n NewTicket, by Principal, now time.Time, targets SLATargets, wt WorkingTime) (Ticket, Event, error) {
	if err := n.Validate(); err != nil {
		return Ticket{}, Event{}, err
	}
	if !by.SeesEnte(n.EnteCode) {
		return Ticket{}, Event{}, Errorf(CodeForbidden, "an ente user can only open tickets of their own ente")
	}
	received, err := arrival("received_at", n.ReceivedAt, now, n.Window, by)
	if err != nil {
		return Ticket{}, Event{}, err
	}
	t := Ticket{
		EnteCode: n.EnteCode, Subject: strings.TrimSpace(n.Subject), Description: n.Description,
		Service: n.Service, Channel: n.Channel, Level: n.Level, Status: StatusNuovo,
		OpenedBy: by.UserID, OpenedAt: received, EnteredAt: now, UpdatedAt: now, Version: 1,
	}
	t.Clocks = StartClocks(t, targets, wt)
	ev := Event{Action: ActionOpen, ActorID: by.UserID, ActorName: by.Username, At: received, EnteredAt: now,
		ToStatus: t.Status, ToLevel: t.Level}
	return t, ev, nil
}

// Action is something an operator does to a ticket.
type Action string

// Ticket actions.
const (
	ActionOpen              Action = "open" // recorded when the ticket is created; not applicable later
	ActionTakeInCharge      Action = "take_in_charge"
	ActionReply             Action = "reply" // public answer to the reporter
	ActionNote              Action = "note"  // internal note, never shown to ente users
	ActionEscalate          Action = "escalate"
	ActionResolve           Action = "resolve"
	ActionCloseNotCompetent Action = "close_not_competent"
	ActionReopen            Action = "reopen"
	ActionWait              Action = "wait"   // pause the reply clock while waiting on someone else
	ActionResume            Action = "resume" // end a wait
)

// Actions lists every action an operator can apply, for table tests.
var Actions = []Action{
	ActionTakeInCharge, ActionReply, ActionNote, ActionEscalate,
	ActionResolve, ActionCloseNotCompetent, ActionReopen, ActionWait, ActionResume,
}

// Command is one action with what comes with it.
type Command struct {
	Action Action
	By     Principal
	At     time.Time
	Body   string // reply text, note, resolution or reason (of a wait too)
	Wait   WaitCommand
}

// Event is one recorded step of a ticket's history.
type Event struct {
	ID         int64
	TicketID   int64
	Action     Action
	ActorID    int64
	ActorName  string
	At         time.Time
	Body       string
	Internal   bool
	FromStatus Status
	ToStatus   Status
	FromLevel  Level
	ToLevel    Level
	EnteredAt  time.Time  // open: when it was entered, when At (the arrival) is earlier
	WaitingOn  WaitingOn  // wait: whom the desk waits on
	WaitUntil  *time.Time // wait: when the wait ends by itself
}

// ChangesState reports whether the event moved the ticket to another
// status or level: such an event ends one validity range of the ticket's
// state and begins the next (the opening event begins the first).
func (e Event) ChangesState() bool { return e.FromStatus != e.ToStatus || e.FromLevel != e.ToLevel }

// transition says what an action does from a status; an empty to with a
// non-empty why means the action is refused.
type transition struct {
	to  Status
	why string
}

// transitions is the whole state machine: every status × action pair.
var transitions = map[Status]map[Action]transition{
	StatusNuovo: {
		ActionTakeInCharge:      {to: StatusAperto},
		ActionReply:             {to: StatusNuovo},
		ActionNote:              {to: StatusNuovo},
		ActionEscalate:          {to: StatusNuovo},
		ActionResolve:           {to: StatusRisolto},
		ActionCloseNotCompetent: {to: StatusNonDiCompetenza},
		ActionReopen:            {why: "the ticket is not closed"},
		ActionWait:              {why: "the ticket has not been taken in charge yet; take it in charge first"},
		ActionResume:            {why: "the ticket is not waiting"},
	},
	StatusAperto: {
		ActionTakeInCharge:      {why: "the ticket has already been taken in charge"},
		ActionReply:             {to: StatusAperto},
		ActionNote:              {to: StatusAperto},
		ActionEscalate:          {to: StatusAperto},
		ActionResolve:           {to: StatusRisolto},
		ActionCloseNotCompetent: {to: StatusNonDiCompetenza},
		ActionReopen:            {why: "the ticket is not closed"},
		ActionWait:              {to: StatusAperto},
		ActionResume:            {to: StatusAperto},
	},
	StatusRisolto: {
		ActionTakeInCharge:      {why: "the ticket is resolved; reopen it first"},
		ActionReply:             {why: "the ticket is resolved; reopen it first"},
		ActionNote:              {to: StatusRisolto},
		ActionEscalate:          {why: "the ticket is resolved; reopen it first"},
		ActionResolve:           {why: "the ticket is already resolved"},
		ActionCloseNotCompetent: {why: "the ticket is resolved; reopen it first"},
		ActionReopen:            {to: StatusAperto},
		ActionWait:              {why: "the ticket is resolved; a closed ticket has no clock to stop"},
		ActionResume:            {why: "the ticket is resolved and not waiting"},
	},
	StatusNonDiCompetenza: {
		ActionTakeInCharge:      {why: "the ticket is closed as not our responsibility; reopen it first"},
		ActionReply:             {why: "the ticket is closed as not our responsibility; reopen it first"},
		ActionNote:              {to: StatusNonDiCompetenza},
		ActionEscalate:          {why: "the ticket is closed as not our responsibility; reopen it first"},
		ActionResolve:           {why: "the ticket is closed as not our responsibility; reopen it first"},
		ActionCloseNotCompetent: {why: "the ticket is already closed as not our responsibility"},
		ActionReopen:            {to: StatusAperto},
		ActionWait:              {why: "the ticket is closed as not our responsibility; a closed ticket has no clock to stop"},
		ActionResume:            {why: "the ticket is closed and not waiting"},
	},
}

// Next returns the status an action leads to from s, or a conflict error
// that says why the action is not allowed.
func Next(s Status, a Action) (Status, error) {
	tr, ok := transitions[s][a]
	if !ok {
		return "", Errorf(CodeInvalid, "unknown action %q", a)
	}
	if tr.to == "" {
		return "", &Error{Code: CodeConflict, Message: fmt.Sprintf("cannot %s: %s", strings.ReplaceAll(string(a), "_", " "), tr.why)}
	}
	return tr.to, nil
}

// Apply carries out a command on the ticket and returns the event to record.
// wt is the ente's working calendar, used to measure the SLA clocks the
// action stops.
func (t *Ticket) Apply(c Command, wt WorkingTime) (Event, error) {
	if err := t.authorize(c); err != nil {
		return Event{}, err
	}
	to, err := Next(t.Status, c.Action)
	if err != nil {
		return Event{}, err
	}
	// A wait whose until has passed is over before anything else happens.
	t.settle(c.At)
	body := strings.TrimSpace(c.Body)
	if utf8.RuneCountInString(body) > 20000 {
		return Event{}, Invalid("the text is too long", FieldError{Field: "body", Detail: "must be at most 20000 characters"})
	}
	switch c.Action {
	case ActionReply, ActionNote, ActionCloseNotCompetent:
		if body == "" {
			return Event{}, Invalid("this action needs a text", FieldError{Field: "body", Detail: "is required for " + string(c.Action)})
		}
	case ActionEscalate:
		if t.Level == 2 {
			return Event{}, Errorf(CodeConflict, "cannot escalate: the ticket is already at level 2")
		}
	case ActionWait:
		if t.Waiting != nil {
			return Event{}, alreadyWaiting("ticket", t.Waiting)
		}
		w := c.Wait
		w.Reason = body
		if err := validateWait(w, c.At); err != nil {
			return Event{}, err
		}
	case ActionResume:
		if t.Waiting == nil {
			return Event{}, notWaiting("ticket")
		}
	}
	ev := Event{
		TicketID: t.ID, Action: c.Action, ActorID: c.By.UserID, ActorName: c.By.Username, At: c.At,
		Body: body, Internal: c.Action == ActionNote,
		FromStatus: t.Status, ToStatus: to, FromLevel: t.Level, ToLevel: t.Level,
	}
	switch c.Action {
	case ActionWait:
		w := c.Wait
		w.Reason = body
		t.Waiting = newWaiting(w, c.At)
		t.pauseClocks(c.At, t.Waiting.Until, wt)
		ev.WaitingOn, ev.WaitUntil = t.Waiting.On, t.Waiting.Until
	case ActionResume:
		t.resumeClocks(c.At, wt)
		t.Waiting = nil
	case ActionReply:
		if c.By.Role == RoleEnte && t.Waiting != nil {
			// The ente answered: what the desk waited for has come.
			t.resumeClocks(c.At, wt)
			t.Waiting = nil
		}
	case ActionTakeInCharge:
		id := c.By.UserID
		t.AssigneeID = &id
	case ActionEscalate:
		t.Level = 2
		t.AssigneeID = nil // back to the level-2 queue
		ev.ToLevel = 2
	case ActionResolve, ActionCloseNotCompetent:
		t.resumeClocks(c.At, wt)
		t.Waiting = nil
		at := c.At
		t.ClosedAt = &at
		if c.Action == ActionCloseNotCompetent {
			t.Reason = body
		}
	case ActionReopen:
		t.ClosedAt = nil
		t.Reason = ""
	}
	t.Status = to
	t.UpdatedAt = c.At
	t.Version++
	if c.By.Role != RoleEnte {
		// The clocks measure the desk: an ente's own reply stops none.
		t.stopClocks(c.Action, c.At, wt)
	}
	return ev, nil
}

// authorize applies the rules of who may act (Allows).
func (t *Ticket) authorize(c Command) error { return t.Allows(c.By, c.Action) }

// Allows says whether the principal may apply the action to the ticket,
// whatever its status (Next says when): operators and admins act, a
// level-1 operator may only add notes to a level-2 ticket, and an ente
// user may add a public reply to a ticket of their own ente, never an
// internal note or any other action.
func (t Ticket) Allows(p Principal, a Action) error {
	switch p.Role {
	case RoleAdmin:
		return nil
	case RoleOperator:
		if t.Level == 2 && p.Level < 2 && a != ActionNote {
			return Errorf(CodeForbidden, "the ticket is handled at level 2; a level-1 operator can only add notes")
		}
		return nil
	case RoleEnte:
		if t.EnteCode != p.EnteCode {
			return Errorf(CodeForbidden, "the ticket belongs to another ente")
		}
		if a != ActionReply {
			return Errorf(CodeForbidden, "an ente user can only add a public reply")
		}
		return nil
	default:
		return Errorf(CodeForbidden, "only operators act on tickets")
	}
}

// VisibleEvents filters a history for the principal: ente users never see
// internal notes.
func VisibleEvents(p Principal, events []Event) []Event {
	if p.IsStaff() {
		return events
	}
	out := events[:0:0]
	for _, e := range events {
		if !e.Internal {
			out = append(out, e)
		}
	}
	return out
}

// TicketFilter selects tickets for a list page. Zero fields do not filter.
type TicketFilter struct {
	EnteCode     string
	Statuses     []Status
	Level        Level
	Service      string
	AssigneeID   *int64
	OpenedFrom   *time.Time // inclusive
	OpenedTo     *time.Time // exclusive
	Text         string     // case-insensitive substring of the subject
	ExternalID   string     // the id an imported ticket had in the old system
	SLACode      SLACode    // with SLAState or SLADueBefore: which clock
	SLAState     SLAState
	SLADueBefore *time.Time // a clock whose deadline is before this instant
	Waiting      *bool      // true: waiting at Now; false: not waiting
	Now          time.Time  // the instant SLA states are judged at
	Ascending    bool       // oldest first; newest first by default
	// ByDue orders by the nearest deadline of a clock not stopped (ties by
	// id), the tickets without one after, newest first; keyset pages as in
	// the other orders (Cursor.NoDue marks a position in that tail).
	ByDue bool
	Limit int
	After *Cursor
}

// Cursor is the position after which the next page of a list starts: the
// instant the list is ordered by (opened_at of tickets, requested_at of
// interventions) and the id that breaks ties.
type Cursor struct {
	At time.Time
	ID int64
	// NoDue: in a ByDue list, the position is among the tickets without a
	// due (At is then an opened_at); otherwise At is a due.
	NoDue bool
}

// TicketPage is one page of a ticket list. Total is set on the first page
// only, counted up to TotalLimit; TotalCapped says there are more.
type TicketPage struct {
	Tickets     []Ticket
	Next        *Cursor
	Total       *int
	TotalCapped bool
}

// TotalLimit bounds the count returned with the first page of a list, so
// that counting never costs more than reading a bounded index range.
const TotalLimit = 1000
