package domain

import (
	"time"
)

// WorkingTime is the arithmetic an SLA clock needs from a working calendar.
// Calendar implements it.
type WorkingTime interface {
	Add(start time.Time, d time.Duration) time.Time
	Between(a, b time.Time) time.Duration
}

// SLACode names a contractual service level.
type SLACode string

// The ticket SLAs the help desk is measured on.
const (
	SLATakeInCharge      SLACode = "SLA.6" // taken in charge within 1 working hour
	SLAFirstReply        SLACode = "SLA.7" // answer to the reporter within 6 working hours
	SLAPhoneIntervention SLACode = "SLA.8" // intervention on a malfunction reported by phone within 2 hours
)

// SLACodes lists the ticket SLAs in report order.
var SLACodes = []SLACode{SLATakeInCharge, SLAFirstReply, SLAPhoneIntervention}

// SLADescriptions are the report's descriptions of each SLA.
var SLADescriptions = map[SLACode]string{
	SLATakeInCharge:      "Presa in carico della segnalazione",
	SLAFirstReply:        "Risposta via mail o telefonica",
	SLAPhoneIntervention: "Intervento a seguito di segnalazione telefonica sulle cause del malfunzionamento",
}

// Basis says whether a target counts working time or calendar time.
type Basis string

// Bases.
const (
	BasisWorking  Basis = "working"
	BasisCalendar Basis = "calendar"
)

// SLATarget is one SLA's target: a duration on a basis, and the share of
// tickets expected to meet it (the report's "atteso"), in percent.
type SLATarget struct {
	Code          SLACode
	Target        time.Duration
	Basis         Basis
	ExpectedShare float64
}

// SLATargets are the targets in force; admins change them, and a ticket
// keeps the ones it started with.
type SLATargets []SLATarget

// DefaultSLATargets are the contractual targets of the 2016 and 2017
// reports. SLA.8 says "within 2 hours of the report", not "working hours",
// so it counts calendar time by default.
func DefaultSLATargets() SLATargets {
	return SLATargets{
		{Code: SLATakeInCharge, Target: time.Hour, Basis: BasisWorking, ExpectedShare: 100},
		{Code: SLAFirstReply, Target: 6 * time.Hour, Basis: BasisWorking, ExpectedShare: 100},
		{Code: SLAPhoneIntervention, Target: 2 * time.Hour, Basis: BasisCalendar, ExpectedShare: 100},
	}
}

// Validate checks that every SLA code is present once with a sensible target.
func (ts SLATargets) Validate() error {
	var fe []FieldError
	seen := map[SLACode]bool{}
	for _, t := range ts {
		f := string(t.Code)
		switch {
		case !contains(SLACodes, t.Code):
			fe = append(fe, FieldError{Field: f, Detail: "unknown SLA code"})
		case seen[t.Code]:
			fe = append(fe, FieldError{Field: f, Detail: "given twice"})
		case t.Target < time.Minute || t.Target > 30*24*time.Hour:
			fe = append(fe, FieldError{Field: f + ".target_minutes", Detail: "must be between 1 minute and 30 days"})
		case t.Basis != BasisWorking && t.Basis != BasisCalendar:
			fe = append(fe, FieldError{Field: f + ".basis", Detail: "must be working or calendar"})
		case t.ExpectedShare < 0 || t.ExpectedShare > 100:
			fe = append(fe, FieldError{Field: f + ".expected_share", Detail: "must be between 0 and 100"})
		}
		seen[t.Code] = true
	}
	for _, c := range SLACodes {
		if !seen[c] {
			fe = append(fe, FieldError{Field: string(c), Detail: "is missing"})
		}
	}
	if len(fe) > 0 {
		return Invalid("the SLA targets are not valid", fe...)
	}
	return nil
}

// SLAState is how a clock stands.
type SLAState string

// Clock states.
const (
	SLARunning  SLAState = "running"
	SLAMet      SLAState = "met"
	SLABreached SLAState = "breached"
)

// SLAClock measures one SLA on one ticket. Its deadline is computed and
// stored when it starts, so later calendar or target changes leave it as it
// was.
type SLAClock struct {
	Code      SLACode
	Target    time.Duration
	Basis     Basis
	StartedAt time.Time
	Deadline  time.Time
	StoppedAt *time.Time
	Elapsed   time.Duration // time taken, on the clock's basis, once stopped; paused time excluded
	Paused    time.Duration // time of the pauses that ended, on the clock's basis
	Pause     *Pause        // the pause in progress, if any
}

// State is the clock's state at now: a running clock past its deadline is
// already breached, so reads need no background job. A paused clock is
// running and never breached while paused; its deadline moves when the
// pause ends.
func (c SLAClock) State(now time.Time) SLAState {
	c = c.At(now)
	switch {
	case c.StoppedAt == nil && c.Pause != nil:
		return SLARunning
	case c.StoppedAt != nil && !c.StoppedAt.After(c.Deadline):
		return SLAMet
	case c.StoppedAt != nil, now.After(c.Deadline):
		return SLABreached
	default:
		return SLARunning
	}
}

// stoppedBy lists the actions that stop each clock. Taking in charge is any
// first handling; an answer to the reporter is a reply or the closing
// message; the intervention on a phoned-in malfunction is done when the
// ticket is resolved or closed.
var stoppedBy = map[SLACode][]Action{
	SLATakeInCharge:      {ActionTakeInCharge, ActionReply, ActionEscalate, ActionResolve, ActionCloseNotCompetent},
	SLAFirstReply:        {ActionReply, ActionResolve, ActionCloseNotCompetent},
	SLAPhoneIntervention: {ActionResolve, ActionCloseNotCompetent},
}

// StartClocks starts the SLA clocks that apply to a new ticket: SLA.6 and
// SLA.7 always, SLA.8 for tickets that came by phone.
func StartClocks(t Ticket, targets SLATargets, wt WorkingTime) []SLAClock {
	var clocks []SLAClock
	for _, tg := range targets {
		if tg.Code == SLAPhoneIntervention && t.Channel != ChannelPhone {
			continue
		}
		c := SLAClock{Code: tg.Code, Target: tg.Target, Basis: tg.Basis, StartedAt: t.OpenedAt}
		// OpenedAt is when the report arrived, which may be before it was
		// entered: the clocks start then.
		if tg.Basis == BasisWorking {
			c.Deadline = wt.Add(t.OpenedAt, tg.Target).UTC()
		} else {
			c.Deadline = t.OpenedAt.Add(tg.Target)
		}
		clocks = append(clocks, c)
	}
	return clocks
}

func (t *Ticket) stopClocks(a Action, at time.Time, wt WorkingTime) {
	for i := range t.Clocks {
		c := &t.Clocks[i]
		if c.StoppedAt != nil || !contains(stoppedBy[c.Code], a) {
			continue
		}
		if c.Pause != nil {
			d, paused := endPause(c.Pause, c.Basis, wt, c.Deadline, at)
			c.Deadline, c.Paused, c.Pause = d, c.Paused+paused, nil
		}
		stop := at
		c.StoppedAt = &stop
		c.Elapsed = max(measure(c.Basis, wt, c.StartedAt, at)-c.Paused, 0)
	}
}

// Clock returns the ticket's clock with the code, if it has one.
func (t Ticket) Clock(code SLACode) (SLAClock, bool) {
	for _, c := range t.Clocks {
		if c.Code == code {
			return c, true
		}
	}
	return SLAClock{}, false
}
