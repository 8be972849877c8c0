package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultBackdateWindow is how far back a report may say it arrived when
// it is entered by hand (a phone call logged later); the import passes no
// window, since it carries years of history.
const DefaultBackdateWindow = 7 * 24 * time.Hour

// ClockSkew is how far in the future an arrival instant may lie: a client's
// clock a few seconds ahead of the server's is not an error.
const ClockSkew = 5 * time.Second

// CheckArrival checks the instant a report or request really arrived, given
// in field: not after now (beyond ClockSkew) and, when window > 0, not
// further back than window. A zero at means "now" and is always valid.
func CheckArrival(field string, at, now time.Time, window time.Duration) error {
	switch {
	case at.IsZero():
		return nil
	case at.After(now.Add(ClockSkew)):
		return Invalid("the arrival time is in the future",
			FieldError{Field: field, Detail: fmt.Sprintf("must not be after now (%s); a skew of %s is allowed", now.UTC().Format(time.RFC3339), ClockSkew)})
	case window > 0 && at.Before(now.Add(-window)):
		return Invalid("the arrival time is too far back",
			FieldError{Field: field, Detail: fmt.Sprintf("must be within %s before now; older reports go through the import", window)})
	}
	return nil
}

// MayBackdate says whether a role may say when a report or request
// arrived (received_at, requested_at): only the help desk records that.
func MayBackdate(r Role) bool { return r != RoleEnte }

// arrival is the instant a report or request arrived: given (in field),
// or now when zero. Only the help desk records when a report came in, so
// an ente user who names one is refused.
func arrival(field string, given, now time.Time, window time.Duration, by Principal) (time.Time, error) {
	if given.IsZero() {
		return now, nil
	}
	if !MayBackdate(by.Role) {
		return time.Time{}, &Error{Code: CodeForbidden, Message: "ente users cannot back-date: the help desk records when a report arrived",
			Fields: []FieldError{{Field: field, Detail: "may not be set by an ente user"}}}
	}
	if err := CheckArrival(field, given, now, window); err != nil {
		return time.Time{}, err
	}
	return given.UTC(), nil
}

// WaitingOn is whom the desk is waiting on while a clock is paused.
type WaitingOn string

// Parties a ticket or intervention can wait on.
const (
	WaitingOnEnte       WaitingOn = "ente"
	WaitingOnReporter   WaitingOn = "reporter"
	WaitingOnThirdParty WaitingOn = "third_party"
)

// WaitingOns lists every party.
var WaitingOns = []WaitingOn{WaitingOnEnte, WaitingOnReporter, WaitingOnThirdParty}

// Waiting is the state "in attesa" of a ticket or intervention: not a
// status (the published status tables have no such row) but a state of its
// clocks. It ends by a resume, by a reply of the ente (tickets), or by
// itself at Until.
type Waiting struct {
	Since  time.Time
	On     WaitingOn
	Until  *time.Time
	Reason string
}

// Active reports whether the wait still holds at now: Until, when set, ends
// it without anyone acting.
func (w *Waiting) Active(now time.Time) bool {
	return w != nil && (w.Until == nil || now.Before(*w.Until))
}

// Pause is a stop of one clock while its ticket or intervention waits.
// When the wait has an Until, the pause's length and the deadline it leads
// to are computed when it starts, so that reads and SQL can tell the state
// at any later instant without a calendar.
type Pause struct {
	Since         time.Time
	Until         *time.Time
	UntilPaused   time.Duration // length of the pause on the clock's basis if it ends at Until
	UntilDeadline time.Time     // the deadline once the pause ends at Until
}

// measure is the time between a and b on a basis.
func measure(basis Basis, wt WorkingTime, a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if basis == BasisWorking {
		return wt.Between(a, b)
	}
	return b.Sub(a)
}

// moveDeadline moves a deadline by d on a basis. A zero d leaves it where
// it is (Add of zero working time would move a deadline at closing time to
// the next opening).
func moveDeadline(basis Basis, wt WorkingTime, deadline time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return deadline
	}
	if basis == BasisWorking {
		return wt.Add(deadline, d).UTC()
	}
	return deadline.Add(d)
}

// startPause pauses a clock with the deadline in force at at.
func startPause(basis Basis, wt WorkingTime, deadline, at time.Time, until *time.Time) *Pause {
	p := &Pause{Since: at}
	if until != nil {
		u := *until
		p.Until = &u
		p.UntilPaused = measure(basis, wt, at, u)
		p.UntilDeadline = moveDeadline(basis, wt, deadline, p.UntilPaused)
	}
	return p
}

// endPause ends a pause at at (or at its Until, if that came first) and
// returns the deadline moved by exactly the paused time, and that time.
func endPause(p *Pause, basis Basis, wt WorkingTime, deadline, at time.Time) (time.Time, time.Duration) {
	if p.Until != nil && !at.Before(*p.Until) {
		return p.UntilDeadline, p.UntilPaused
	}
	d := measure(basis, wt, p.Since, at)
	return moveDeadline(basis, wt, deadline, d), d
}

// BreachAt is the instant after which a clock not stopped is breached, as
// stored for SQL: the deadline when it runs, the deadline after Until when
// it is paused until then, and nil while it is paused with no end.
func (c SLAClock) BreachAt() *time.Time {
	switch {
	case c.Pause == nil:
		d := c.Deadline
		return &d
	case c.Pause.Until != nil:
		d := c.Pause.UntilDeadline
		return &d
	}
	return nil
}

// At returns the clock as it stands at now: a pause whose Until has
// passed is over, and the deadline has moved by it.
func (c SLAClock) At(now time.Time) SLAClock {
	if c.Pause != nil && c.Pause.Until != nil && !now.Before(*c.Pause.Until) {
		c.Deadline, c.Paused = c.Pause.UntilDeadline, c.Paused+c.Pause.UntilPaused
		c.Pause = nil
	}
	return c
}

// pausable lists the clocks a wait stops: the answer to the reporter
// (SLA.7). Taking in charge is over before a ticket can wait, and SLA.8
// counts from the phone call whatever the desk waits on.
var pausable = []SLACode{SLAFirstReply}

// WaitCommand is what comes with a wait.
type WaitCommand struct {
	On     WaitingOn
	Until  *time.Time
	Reason string
}

// validateWait checks a wait's fields at at.
func validateWait(w WaitCommand, at time.Time) error {
	var fe []FieldError
	if r := strings.TrimSpace(w.Reason); r == "" || utf8.RuneCountInString(r) > 2000 {
		fe = append(fe, FieldError{Field: "reason", Detail: "must be 1 to 2000 characters"})
	}
	if !contains(WaitingOns, w.On) {
		fe = append(fe, FieldError{Field: "waiting_on", Detail: "must be one of ente, reporter, third_party"})
	}
	if w.Until != nil && (!w.Until.After(at) || w.Until.After(at.Add(366*24*time.Hour))) {
		fe = append(fe, FieldError{Field: "until", Detail: "must be after now and within a year"})
	}
	if len(fe) > 0 {
		return Invalid("the wait is not valid", fe...)
	}
	return nil
}

// newWaiting builds the waiting state of a validated wait.
func newWaiting(w WaitCommand, at time.Time) *Waiting {
	out := &Waiting{Since: at, On: w.On, Reason: strings.TrimSpace(w.Reason)}
	if w.Until != nil {
		u := w.Until.UTC()
		out.Until = &u
	}
	return out
}

func alreadyWaiting(what string, w *Waiting) error {
	return Errorf(CodeConflict, "cannot wait: the %s is already waiting on %s since %s; resume it first",
		what, w.On, w.Since.UTC().Format(time.RFC3339))
}

func notWaiting(what string) error {
	return Errorf(CodeConflict, "cannot resume: the %s is not waiting", what)
}

// settle brings a ticket to now: a wait whose Until has passed is over and
// its clocks have run again since then.
func (t *Ticket) settle(now time.Time) {
	for i := range t.Clocks {
		t.Clocks[i] = t.Clocks[i].At(now)
	}
	if t.Waiting != nil && !t.Waiting.Active(now) {
		t.Waiting = nil
	}
}

// At returns the ticket as it stands at now (see SLAClock.At).
func (t Ticket) At(now time.Time) Ticket {
	t.Clocks = append([]SLAClock(nil), t.Clocks...)
	t.settle(now)
	return t
}

// pauseClocks stops the pausable clocks that are running at at.
func (t *Ticket) pauseClocks(at time.Time, until *time.Time, wt WorkingTime) {
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if !contains(pausable, c.Code) || c.StoppedAt != nil || c.Pause != nil || at.After(c.Deadline) {
			continue // a breached clock stays breached
		}
		c.Pause = startPause(c.Basis, wt, c.Deadline, at, until)
	}
}

// resumeClocks ends every pause at at, moving each deadline by its
// paused time.
func (t *Ticket) resumeClocks(at time.Time, wt WorkingTime) {
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if c.Pause == nil {
			continue
		}
		d, paused := endPause(c.Pause, c.Basis, wt, c.Deadline, at)
		c.Deadline, c.Paused, c.Pause = d, c.Paused+paused, nil
	}
}

// At returns the intervention as it stands at now: a pause whose Until
// has passed is over and the deadline has moved by it.
func (iv Intervention) At(now time.Time) Intervention {
	if iv.Pause != nil && iv.Pause.Until != nil && !now.Before(*iv.Pause.Until) {
		iv.Deadline, iv.Paused = iv.Pause.UntilDeadline, iv.Paused+iv.Pause.UntilPaused
		iv.Pause = nil
	}
	if iv.Waiting != nil && !iv.Waiting.Active(now) {
		iv.Waiting = nil
	}
	return iv
}

// BreachAt is the instant after which an open intervention is overdue, as
// stored for SQL (see SLAClock.BreachAt).
func (iv Intervention) BreachAt() *time.Time {
	c := SLAClock{Deadline: iv.Deadline, Pause: iv.Pause}
	return c.BreachAt()
}

// resume ends the intervention's wait and pause at at.
func (iv *Intervention) resume(at time.Time, wt WorkingTime) {
	if iv.Pause != nil {
		d, paused := endPause(iv.Pause, BasisWorking, wt, iv.Deadline, at)
		iv.Deadline, iv.Paused, iv.Pause = d, iv.Paused+paused, nil
	}
	iv.Waiting = nil
}
