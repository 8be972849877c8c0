package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Tier is the service level of a CED Multiente intervention: the working
// time within which it must be carried out.
type Tier string

// Intervention tiers, from ordinary assistance to complex installs.
const (
	Tier30m Tier = "30m" // ordinary assistance, within 30 working minutes
	Tier4h  Tier = "4h"  // ordinary or extraordinary assistance, within 4 working hours
	Tier8h  Tier = "8h"  // extraordinary assistance, within 8 working hours
	TierNBD Tier = "nbd" // complex installs, by the close of the next working day
)

// Tiers lists every tier, shortest first.
var Tiers = []Tier{Tier30m, Tier4h, Tier8h, TierNBD}

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return contains(Tiers, t) }

// tierDurations is the working time each timed tier allows; NBD is not a
// duration but the close of the next working day.
var tierDurations = map[Tier]time.Duration{
	Tier30m: 30 * time.Minute,
	Tier4h:  4 * time.Hour,
	Tier8h:  8 * time.Hour,
}

// Deadline is when an intervention of the tier requested at requestedAt is
// due, on the ente's working calendar: the timed tiers add working time (a
// request outside hours starts counting at the next opening), NBD is the
// close of the first working day after the request's date.
func (t Tier) Deadline(requestedAt time.Time, cal Calendar) time.Time {
	if t == TierNBD {
		return cal.NextBusinessDayClose(requestedAt).UTC()
	}
	return cal.Add(requestedAt, tierDurations[t]).UTC()
}

// InterventionStatus is where an intervention stands.
type InterventionStatus string

// Intervention statuses.
const (
	InterventionRequested  InterventionStatus = "requested"   // asked for, nobody planned yet
	InterventionScheduled  InterventionStatus = "scheduled"   // a technician and a time are planned
	InterventionInProgress InterventionStatus = "in_progress" // the technician is at work
	InterventionCompleted  InterventionStatus = "completed"   // done, with outcome notes
	InterventionCancelled  InterventionStatus = "cancelled"   // withdrawn, with a reason
)

// InterventionStatuses lists every status in lifecycle order.
var InterventionStatuses = []InterventionStatus{
	InterventionRequested, InterventionScheduled, InterventionInProgress, InterventionCompleted, InterventionCancelled,
}

// Valid reports whether s is a known status.
func (s InterventionStatus) Valid() bool { return contains(InterventionStatuses, s) }

// Open reports whether the intervention still has to be carried out.
func (s InterventionStatus) Open() bool {
	return s == InterventionRequested || s == InterventionScheduled || s == InterventionInProgress
}

// InterventionOpenStatuses lists the statuses in which the deadline runs.
var InterventionOpenStatuses = []InterventionStatus{InterventionRequested, InterventionScheduled, InterventionInProgress}

// Intervention is a technical intervention of the CED Multiente team at a
// covered comune. Its deadline is computed and stored when it is requested,
// so later calendar changes leave it as it was.
type Intervention struct {
	ID             int64
	EnteCode       string
	TicketID       *int64 // the ticket it comes from, if any
	Tier           Tier
	Description    string
	Status         InterventionStatus
	TechnicianID   *int64
	TechnicianName string
	PlannedAt      *time.Time
	RequestedBy    int64
	RequestedAt    time.Time // when the request arrived: the tier clock starts here
	EnteredAt      time.Time // when it was entered; after RequestedAt when back-dated
	Deadline       time.Time // in force: moved by every pause that ended
	StartedAt      *time.Time
	CompletedAt    *time.Time
	CancelledAt    *time.Time
	Outcome        string
	CancelReason   string
	WorkingSeconds int64 // working time from request to completion, paused time excluded; 0 until completed
	UpdatedAt      time.Time
	Version        int
	Waiting        *Waiting      // "in attesa": the tier clock is paused
	Pause          *Pause        // the pause of the tier clock in progress
	Paused         time.Duration // working time of the pauses that ended
}

// OnTime reports whether a completed intervention was completed by its
// deadline; it is nil while the intervention is open or when it was
// cancelled.
func (iv Intervention) OnTime() *bool {
	if iv.Status != InterventionCompleted || iv.CompletedAt == nil {
		return nil
	}
	ok := !iv.CompletedAt.After(iv.Deadline)
	return &ok
}

// Overdue reports whether the intervention is still open past its
// deadline at now. It is computed on read, so no background job has to
// mark interventions late. A paused intervention is never overdue.
func (iv Intervention) Overdue(now time.Time) bool {
	iv = iv.At(now)
	return iv.Status.Open() && iv.Pause == nil && now.After(iv.Deadline)
}

// NewIntervention is what a caller supplies to request an intervention.
type NewIntervention struct {
	EnteCode    string
	TicketID    *int64
	Tier        Tier
	Description string
	// RequestedAt is when the request really arrived; zero means now.
	// Window bounds how far back it may lie; zero means no bound.
	RequestedAt time.Time
	Window      time.Duration
}

// Validate checks the fields of a new intervention; the ente and the
// ticket are checked by the caller that can see the store.
func (n NewIntervention) Validate() error {
	var fe []FieldError
	if n.EnteCode == "" {
		fe = append(fe, FieldError{Field: "ente", Detail: "is required"})
	}
	if !n.Tier.Valid() {
		fe = append(fe, FieldError{Field: "tier", Detail: "must be one of 30m, 4h, 8h, nbd"})
	}
	if d := strings.TrimSpace(n.Description); d == "" || utf8.RuneCountInString(d) > 20000 {
		fe = append(fe, FieldError{Field: "description", Detail: "must be 1 to 20000 characters"})
	}
	if n.TicketID != nil && *n.TicketID < 1 {
		fe = append(fe, FieldError{Field: "ticket_id", Detail: "must be a ticket id"})
	}
	if len(fe) > 0 {
		return Invalid("the intervention is not valid", fe...)
	}
	return nil
}

// RequestIntervention builds an intervention in status requested for the
// ente, with its deadline computed on the ente's calendar from when the
// request arrived (n.RequestedAt, or now), and the event that records the
// request, with who entered it and when. Ente users cannot back-date.
//
// Ente users request for their own ente only; operators and admins for any
// covered ente. Technicians do not request interventions: they carry them
// out, and a request always comes from the ente or the help desk.
func RequestIntervention(n NewIntervention, ente Ente, by Principal, now time.Time, cal Calendar) (Intervention, InterventionEvent, error) {
	if err := n.Validate(); err != nil {
		return Intervention{}, InterventionEvent{}, err
	}
	switch by.Role {
	case RoleAdmin, RoleOperator:
	case RoleEnte:
		if by.EnteCode != n.EnteCode {
			return Intervention{}, InterventionEvent{}, Errorf(CodeForbidden, "an ente user can only request interventions for their own ente")
		}
	default:
		return Intervention{}, InterventionEvent{}, Errorf(CodeForbidden, "only ente users, operators and admins request interventions")
	}
	if !ente.CoveredByCED() {
		return Intervention{}, InterventionEvent{}, &Error{Code: CodeUnprocessable,
			Message: fmt.Sprintf("%s is not covered by CED Multiente: interventions can only be requested for the comuni it serves", ente.Name),
			Fields:  []FieldError{{Field: "ente", Detail: "is not covered by CED Multiente"}}}
	}
	requested, err := arrival("requested_at", n.RequestedAt, now, n.Window, by)
	if err != nil {
		return Intervention{}, InterventionEvent{}, err
	}
	iv := Intervention{
		EnteCode: n.EnteCode, TicketID: n.TicketID, Tier: n.Tier, Description: strings.TrimSpace(n.Description),
		Status: InterventionRequested, RequestedBy: by.UserID, RequestedAt: requested, EnteredAt: now,
		Deadline: n.Tier.Deadline(requested, cal), UpdatedAt: now, Version: 1,
	}
	ev := InterventionEvent{
		Action: InterventionRequest, ActorID: by.UserID, ActorName: by.Username, At: requested, EnteredAt: now,
		ToStatus: InterventionRequested,
	}
	return iv, ev, nil
}

// InterventionAction is a step of an intervention's lifecycle.
type InterventionAction string

// Intervention actions.
const (
	InterventionRequest  InterventionAction = "request" // recorded when it is created; not applicable later
	InterventionSchedule InterventionAction = "schedule"
	InterventionStart    InterventionAction = "start"
	InterventionComplete InterventionAction = "complete"
	InterventionCancel   InterventionAction = "cancel"
	InterventionWait     InterventionAction = "wait"   // pause the tier clock while waiting on someone else
	InterventionResume   InterventionAction = "resume" // end a wait
)

// InterventionActions lists every action that can be applied to an
// existing intervention, for table tests.
var InterventionActions = []InterventionAction{
	InterventionSchedule, InterventionStart, InterventionComplete, InterventionCancel,
	InterventionWait, InterventionResume,
}

// InterventionCommand is one action with what comes with it.
type InterventionCommand struct {
	Action         InterventionAction
	By             Principal
	At             time.Time
	TechnicianID   int64     // schedule: who will do it
	TechnicianName string    // schedule: their username, kept for display
	PlannedAt      time.Time // schedule: when
	Note           string    // complete: the outcome; cancel and wait: the reason
	Wait           WaitCommand
}

// InterventionEvent is one recorded step of an intervention's history.
type InterventionEvent struct {
	ID             int64
	InterventionID int64
	Action         InterventionAction
	ActorID        int64
	ActorName      string
	At             time.Time
	Note           string
	FromStatus     InterventionStatus
	ToStatus       InterventionStatus
	TechnicianID   *int64     // schedule only
	PlannedAt      *time.Time // schedule only
	EnteredAt      time.Time  // request: when it was entered, when At (the arrival) is earlier
	WaitingOn      WaitingOn  // wait: whom the desk waits on
	WaitUntil      *time.Time // wait: when the wait ends by itself
}

// interventionTransitions is the whole lifecycle: every status × action
// pair; an empty to with a non-empty why means the action is refused.
var interventionTransitions = map[InterventionStatus]map[InterventionAction]struct {
	to  InterventionStatus
	why string
}{
	InterventionRequested: {
		InterventionSchedule: {to: InterventionScheduled},
		InterventionStart:    {why: "the intervention has not been scheduled yet; schedule it first"},
		InterventionComplete: {why: "the intervention has not been started yet"},
		InterventionCancel:   {to: InterventionCancelled},
		InterventionWait:     {to: InterventionRequested},
		InterventionResume:   {to: InterventionRequested},
	},
	InterventionScheduled: {
		InterventionSchedule: {to: InterventionScheduled}, // rescheduling
		InterventionStart:    {to: InterventionInProgress},
		InterventionComplete: {why: "the intervention has not been started yet"},
		InterventionCancel:   {to: InterventionCancelled},
		InterventionWait:     {to: InterventionScheduled},
		InterventionResume:   {to: InterventionScheduled},
	},
	InterventionInProgress: {
		InterventionSchedule: {why: "the intervention is already in progress"},
		InterventionStart:    {why: "the intervention is already in progress"},
		InterventionComplete: {to: InterventionCompleted},
		InterventionCancel:   {to: InterventionCancelled},
		InterventionWait:     {to: InterventionInProgress},
		InterventionResume:   {to: InterventionInProgress},
	},
	InterventionCompleted: {
		InterventionSchedule: {why: "the intervention is already completed"},
		InterventionStart:    {why: "the intervention is already completed"},
		InterventionComplete: {why: "the intervention is already completed"},
		InterventionCancel:   {why: "the intervention is already completed"},
		InterventionWait:     {why: "the intervention is already completed"},
		InterventionResume:   {why: "the intervention is completed and not waiting"},
	},
	InterventionCancelled: {
		InterventionSchedule: {why: "the intervention was cancelled"},
		InterventionStart:    {why: "the intervention was cancelled"},
		InterventionComplete: {why: "the intervention was cancelled"},
		InterventionCancel:   {why: "the intervention was already cancelled"},
		InterventionWait:     {why: "the intervention was cancelled"},
		InterventionResume:   {why: "the intervention was cancelled and is not waiting"},
	},
}

// NextInterventionStatus returns the status an action leads to from s, or
// a conflict error that says why the action is not allowed.
func NextInterventionStatus(s InterventionStatus, a InterventionAction) (InterventionStatus, error) {
	tr, ok := interventionTransitions[s][a]
	if !ok {
		return "", Errorf(CodeInvalid, "unknown action %q", a)
	}
	if tr.to == "" {
		return "", Errorf(CodeConflict, "cannot %s: %s", a, tr.why)
	}
	return tr.to, nil
}

// interventionActors says which roles may apply each action: operators
// and admins plan and cancel; technicians plan (themselves or a colleague),
// start and complete. Only the scheduled technician may start or complete
// (see Apply); a colleague takes over by being scheduled. Admins may do
// anything.
var interventionActors = map[InterventionAction][]Role{
	InterventionSchedule: {RoleAdmin, RoleOperator, RoleTechnician},
	InterventionStart:    {RoleAdmin, RoleTechnician},
	InterventionComplete: {RoleAdmin, RoleTechnician},
	InterventionCancel:   {RoleAdmin, RoleOperator},
	InterventionWait:     {RoleAdmin, RoleOperator, RoleTechnician},
	InterventionResume:   {RoleAdmin, RoleOperator, RoleTechnician},
}

// Apply carries out a command on the intervention and returns the event to
// record. wt is the ente's working calendar, used to measure the working
// time of a completed intervention.
func (iv *Intervention) Apply(c InterventionCommand, wt WorkingTime) (InterventionEvent, error) {
	roles, ok := interventionActors[c.Action]
	if !ok {
		return InterventionEvent{}, Errorf(CodeInvalid, "unknown action %q", c.Action)
	}
	if !contains(roles, c.By.Role) {
		return InterventionEvent{}, Errorf(CodeForbidden, "the %s role may not %s an intervention", c.By.Role, c.Action)
	}
	to, err := NextInterventionStatus(iv.Status, c.Action)
	if err != nil {
		return InterventionEvent{}, err
	}
	if (c.Action == InterventionStart || c.Action == InterventionComplete) && c.By.Role == RoleTechnician &&
		(iv.TechnicianID == nil || *iv.TechnicianID != c.By.UserID) {
		return InterventionEvent{}, Errorf(CodeForbidden, "only the technician scheduled for intervention %d may %s it; ask to be scheduled first", iv.ID, c.Action)
	}
	*iv = iv.At(c.At)
	note := strings.TrimSpace(c.Note)
	if utf8.RuneCountInString(note) > 20000 {
		return InterventionEvent{}, Invalid("the text is too long", FieldError{Field: noteField[c.Action], Detail: "must be at most 20000 characters"})
	}
	ev := InterventionEvent{
		InterventionID: iv.ID, Action: c.Action, ActorID: c.By.UserID, ActorName: c.By.Username,
		At: c.At, FromStatus: iv.Status, ToStatus: to,
	}
	switch c.Action {
	case InterventionSchedule:
		var fe []FieldError
		if c.TechnicianID < 1 {
			fe = append(fe, FieldError{Field: "technician_id", Detail: "is required"})
		}
		if c.PlannedAt.IsZero() {
			fe = append(fe, FieldError{Field: "planned_at", Detail: "is required"})
		} else if c.PlannedAt.Before(iv.RequestedAt.Truncate(time.Minute)) {
			// To the minute, so "now" from a client's clock, which keeps
			// no sub-second digits, is never before the request.
			fe = append(fe, FieldError{Field: "planned_at", Detail: "must not be before the request"})
		}
		if len(fe) > 0 {
			return InterventionEvent{}, Invalid("scheduling needs a technician and a planned time", fe...)
		}
		id, at := c.TechnicianID, c.PlannedAt
		iv.TechnicianID, iv.TechnicianName, iv.PlannedAt = &id, c.TechnicianName, &at
		ev.TechnicianID, ev.PlannedAt = &id, &at
	case InterventionWait:
		if iv.Waiting != nil {
			return InterventionEvent{}, alreadyWaiting("intervention", iv.Waiting)
		}
		w := c.Wait
		w.Reason = note
		if err := validateWait(w, c.At); err != nil {
			return InterventionEvent{}, err
		}
		iv.Waiting = newWaiting(w, c.At)
		if !c.At.After(iv.Deadline) { // an overdue intervention stays overdue
			iv.Pause = startPause(BasisWorking, wt, iv.Deadline, c.At, iv.Waiting.Until)
		}
		ev.Note, ev.WaitingOn, ev.WaitUntil = note, iv.Waiting.On, iv.Waiting.Until
	case InterventionResume:
		if iv.Waiting == nil {
			return InterventionEvent{}, notWaiting("intervention")
		}
		iv.resume(c.At, wt)
	case InterventionStart:
		at := c.At
		iv.StartedAt = &at
	case InterventionComplete:
		if note == "" {
			return InterventionEvent{}, Invalid("completing an intervention needs outcome notes", FieldError{Field: "outcome", Detail: "is required"})
		}
		iv.resume(c.At, wt)
		at := c.At
		iv.CompletedAt, iv.Outcome = &at, note
		iv.WorkingSeconds = int64(max(wt.Between(iv.RequestedAt, at)-iv.Paused, 0) / time.Second)
		ev.Note = note
	case InterventionCancel:
		if note == "" {
			return InterventionEvent{}, Invalid("cancelling an intervention needs a reason", FieldError{Field: "reason", Detail: "is required"})
		}
		iv.resume(c.At, wt)
		at := c.At
		iv.CancelledAt, iv.CancelReason = &at, note
		ev.Note = note
	}
	iv.Status = to
	iv.UpdatedAt = c.At
	iv.Version++
	return ev, nil
}

// noteField names the request field that carries an action's note.
var noteField = map[InterventionAction]string{
	InterventionComplete: "outcome",
	InterventionCancel:   "reason",
	InterventionSchedule: "note",
	InterventionStart:    "note",
	InterventionWait:     "reason",
	InterventionResume:   "note",
}

// InterventionFilter selects interventions for a list page. Zero fields do
// not filter.
type InterventionFilter struct {
	EnteCode      string
	Statuses      []InterventionStatus
	Tiers         []Tier
	TechnicianID  *int64
	Overdue       *bool      // true: open past the deadline at Now; false: not so
	Waiting       *bool      // true: waiting at Now; false: not waiting
	RequestedFrom *time.Time // inclusive
	RequestedTo   *time.Time // exclusive
	Now           time.Time  // the instant overdue is judged at
	Ascending     bool       // oldest first; newest first by default
	Limit         int
	After         *Cursor
}

// InterventionPage is one page of an intervention list.
type InterventionPage struct {
	Interventions []Intervention
	Next          *Cursor
}

// Group keys of the intervention statistics.
const (
	GroupByTier  = "tier"
	GroupByEnte  = "ente"
	GroupByMonth = "month" // year and month of the request, Europe/Rome
)

// InterventionGroupKeys lists the group keys in the order columns are shown.
var InterventionGroupKeys = []string{GroupByTier, GroupByEnte, GroupByMonth}

// InterventionStatsFilter selects the interventions requested in [From, To)
// and how to group them.
type InterventionStatsFilter struct {
	From, To time.Time
	EnteCode string     // "" for every ente
	GroupBy  []string   // of InterventionGroupKeys; none gives one overall row
	AsOf     *time.Time // the figures as seen at this instant; nil: now
}

// Validate checks the period and the group keys.
func (f InterventionStatsFilter) Validate() error {
	var fe []FieldError
	if f.From.IsZero() || f.To.IsZero() || !f.From.Before(f.To) {
		fe = append(fe, FieldError{Field: "to", Detail: "must be after from"})
	}
	seen := map[string]bool{}
	for _, g := range f.GroupBy {
		if !contains(InterventionGroupKeys, g) || seen[g] {
			fe = append(fe, FieldError{Field: "group_by", Detail: "must be distinct values of tier, ente, month"})
			break
		}
		seen[g] = true
	}
	if len(fe) > 0 {
		return Invalid("the report parameters are not valid", fe...)
	}
	return nil
}

// Groups reports whether the filter groups by key.
func (f InterventionStatsFilter) Groups(key string) bool { return contains(f.GroupBy, key) }

// InterventionStatsRow is one group of the intervention statistics. The
// group keys not grouped by are zero.
//
// Percentiles use the nearest-rank definition: the p-th percentile of n
// sorted values is the value at 1-based rank ceil(p/100 × n), so it is
// always one of the observed values and the median of an even count is
// the lower middle value. Both databases compute it the same way.
type InterventionStatsRow struct {
	Tier            Tier
	EnteCode        string
	Year, Month     int
	Count           int64    // interventions requested in the period
	Completed       int64    // of which completed
	CompletedOnTime int64    // of which completed by the deadline
	OnTimeShare     *float64 // CompletedOnTime / Completed; nil when none completed
	MedianSeconds   *int64   // median working time of the completed ones
	P90Seconds      *int64   // 90th percentile of the same
}
