package domain

import (
	"fmt"
	"time"
)

// DeadlineRule says how a previewed deadline was reached: the basis it
// counts on, the time it adds, where counting starts and the days it
// skipped.
type DeadlineRule struct {
	Basis   Basis
	Minutes int64  // the time added; 0 for the next-business-day tier
	Kind    string // "working_minutes", "tier" or "sla"
	Name    string // the tier or SLA code, when Kind names one
	Starts  time.Time
	Text    string // the rule in words
	Skipped []SkippedDay
}

// SkippedDay is a day without working time between the start and the
// deadline, with why.
type SkippedDay struct {
	Date   time.Time // local midnight
	Why    string    // "weekend", "national_holiday", "closure" or "no_hours"
	Detail string    // the holiday's name or the closure's reason
}

// DeadlinePreview is a deadline computed on an ente's calendar without
// opening anything.
type DeadlinePreview struct {
	From     time.Time
	Deadline time.Time
	Rule     DeadlineRule
}

// PreviewWorking is the deadline after d of working time from from.
func PreviewWorking(cal Calendar, from time.Time, d time.Duration) DeadlinePreview {
	dl := cal.Add(from, d)
	r := DeadlineRule{Basis: BasisWorking, Minutes: int64(d / time.Minute), Kind: "working_minutes", Starts: cal.NextOpen(from),
		Text: fmt.Sprintf("%d working minutes from the first opening at or after the start", int64(d/time.Minute))}
	return cal.preview(from, dl, r)
}

// PreviewTier is the deadline of an intervention of the tier requested at
// from (see Tier.Deadline).
func PreviewTier(cal Calendar, from time.Time, t Tier) DeadlinePreview {
	dl := t.Deadline(from, cal)
	r := DeadlineRule{Basis: BasisWorking, Minutes: int64(tierDurations[t] / time.Minute), Kind: "tier", Name: string(t), Starts: cal.NextOpen(from)}
	if t == TierNBD {
		r.Starts = from
		r.Text = "the close of the first working day after the day of the request"
	} else {
		r.Text = fmt.Sprintf("tier %s: %d working minutes from the first opening at or after the request", t, r.Minutes)
	}
	return cal.preview(from, dl, r)
}

// PreviewSLA is the deadline of the SLA's clock for a ticket received at
// from, with the target in force (see StartClocks).
func PreviewSLA(cal Calendar, from time.Time, tg SLATarget) DeadlinePreview {
	r := DeadlineRule{Basis: tg.Basis, Minutes: int64(tg.Target / time.Minute), Kind: "sla", Name: string(tg.Code)}
	var dl time.Time
	if tg.Basis == BasisWorking {
		dl, r.Starts = cal.Add(from, tg.Target), cal.NextOpen(from)
		r.Text = fmt.Sprintf("%s: %d working minutes from the first opening at or after the report", tg.Code, r.Minutes)
	} else {
		dl, r.Starts = from.Add(tg.Target), from
		r.Text = fmt.Sprintf("%s: %d calendar minutes from the report, whatever the hours", tg.Code, r.Minutes)
	}
	return cal.preview(from, dl, r)
}

// preview lists the days without working time from the date of from to
// the date of the deadline, for the rule's working basis.
func (c Calendar) preview(from, deadline time.Time, r DeadlineRule) DeadlinePreview {
	loc := c.loc()
	p := DeadlinePreview{From: from.In(loc), Deadline: deadline.In(loc), Rule: r}
	p.Rule.Starts = r.Starts.In(loc)
	p.Rule.Skipped = []SkippedDay{}
	if r.Basis != BasisWorking || deadline.IsZero() {
		return p
	}
	last := calDateOf(deadline.In(loc))
	for cd := calDateOf(from.In(loc)); ; cd = cd.next() {
		if why, detail, off := c.dayOff(cd); off {
			p.Rule.Skipped = append(p.Rule.Skipped, SkippedDay{Date: c.at(cd, 0), Why: why, Detail: detail})
		}
		if cd.sameDay(last) || len(p.Rule.Skipped) > 400 {
			return p
		}
	}
}

// dayOff says why a date has no working time, if it has none.
func (c Calendar) dayOff(cd calDate) (why, detail string, off bool) {
	if name, ok := nationalHolidayName(cd.y, cd.m, cd.d); ok {
		return "national_holiday", name, true
	}
	for _, cl := range c.Closures {
		if cl.appliesOn(cd.y, cd.m, cd.d) {
			return "closure", cl.Reason, true
		}
	}
	if len(c.Hours[cd.wd]) == 0 {
		if cd.wd == time.Saturday || cd.wd == time.Sunday {
			return "weekend", cd.wd.String(), true
		}
		return "no_hours", cd.wd.String(), true
	}
	return "", "", false
}

// nationalHolidayName names the national holiday on a civil date, if any.
func nationalHolidayName(year int, m time.Month, d int) (string, bool) {
	for _, r := range nationalHolidayRules {
		if !r.appliesIn(year) {
			continue
		}
		if rm, rd := r.dateIn(year); rm == m && rd == d {
			return r.name, true
		}
	}
	return "", false
}
