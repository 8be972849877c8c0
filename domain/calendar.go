package domain

import (
	"fmt"
	"strings"
	"time"
)

// Interval is one opening span within a day, in minutes from local midnight:
// [Open, Close). Close may be 24*60, meaning the next local midnight.
type Interval struct{ Open, Close int }

// WeekHours lists the opening intervals per weekday (index time.Sunday..time.Saturday).
type WeekHours [7][]Interval

const minutesPerDay = 24 * 60

// calMaxIdleDays bounds every forward search: after this many consecutive
// calendar days without any opening time the search gives up, so an
// unvalidated calendar (e.g. no hours at all) cannot loop forever.
const calMaxIdleDays = 3 * 366

// DefaultWeekHours returns Monday–Friday 08:00–18:00; Saturday and Sunday closed.
func DefaultWeekHours() WeekHours {
	var w WeekHours
	for wd := time.Monday; wd <= time.Friday; wd++ {
		w[wd] = []Interval{{Open: 8 * 60, Close: 18 * 60}}
	}
	return w
}

// Validate reports an error when an interval has Open < 0, Close > 24*60 or
// Open >= Close, when the intervals of a day overlap or are not sorted, or when
// the week has no opening time at all. Touching intervals ({8:00,12:00},
// {12:00,18:00}) are allowed. The Calendar methods assume validated hours.
func (w WeekHours) Validate() error {
	open := false
	for wd, day := range w {
		prevClose := -1
		for i, iv := range day {
			at := fmt.Sprintf("%s[%d]", strings.ToLower(time.Weekday(wd).String()), i)
			var fe *FieldError
			switch {
			case iv.Open < 0:
				fe = &FieldError{Field: at + ".open", Detail: fmt.Sprintf("opens at minute %d, before midnight", iv.Open)}
			case iv.Close > minutesPerDay:
				fe = &FieldError{Field: at + ".close", Detail: fmt.Sprintf("closes at minute %d, after midnight (at most %d)", iv.Close, minutesPerDay)}
			case iv.Open >= iv.Close:
				fe = &FieldError{Field: at + ".close", Detail: fmt.Sprintf("closes at minute %d, not after it opens (minute %d)", iv.Close, iv.Open)}
			case iv.Open < prevClose:
				fe = &FieldError{Field: at + ".open", Detail: fmt.Sprintf("opens at minute %d, before the previous interval closes (minute %d): intervals must be sorted and apart", iv.Open, prevClose)}
			}
			if fe != nil {
				return Invalid("the counter hours are not valid", *fe)
			}
			prevClose = iv.Close
			open = true
		}
	}
	if !open {
		return Invalid("the counter hours have no opening time on any weekday")
	}
	return nil
}

// Closure is a day on which one ente (or everyone, when used globally) is closed.
// Recurring closures (Year == 0) repeat every year on Month/Day from FromYear on
// (0 = always); a one-off closure has Year set and ignores FromYear.
type Closure struct {
	Month    time.Month
	Day      int
	Year     int // 0 = every year
	FromYear int // for recurring closures: first year it applies; 0 = all years
	Reason   string
}

func (cl Closure) appliesOn(year int, m time.Month, d int) bool {
	if cl.Month != m || cl.Day != d {
		return false
	}
	if cl.Year != 0 {
		return cl.Year == year
	}
	return cl.FromYear == 0 || year >= cl.FromYear
}

// Calendar is the working-time calendar of one ente: time zone, weekly hours,
// national holidays, extra closures.
//
// Working time is real elapsed time inside opening intervals, so an interval
// spanning a DST change is one hour shorter or longer than its wall-clock
// length. All methods take instants in any zone, evaluate them on the local
// date in Location (UTC when nil) and return instants in Location.
type Calendar struct {
	Location *time.Location // Europe/Rome in production
	Hours    WeekHours
	Closures []Closure // the ente's own closures (patron saint etc.)
}

// calDate is a civil date with its weekday, advanced without time-zone lookups.
type calDate struct {
	y  int
	m  time.Month
	d  int
	wd time.Weekday
}

func calDateOf(t time.Time) calDate {
	y, m, d := t.Date()
	return calDate{y: y, m: m, d: d, wd: t.Weekday()}
}

func (cd calDate) next() calDate {
	cd.wd = (cd.wd + 1) % 7
	cd.d++
	if cd.d > calDaysIn(cd.y, cd.m) {
		cd.d = 1
		cd.m++
		if cd.m > time.December {
			cd.m = time.January
			cd.y++
		}
	}
	return cd
}

func (cd calDate) sameDay(o calDate) bool { return cd.y == o.y && cd.m == o.m && cd.d == o.d }

func calDaysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// at converts minutes from local midnight into an instant via the wall clock
// (never by adding durations), so DST days get their real length; minute 1440
// normalises to the next local midnight.
func (c Calendar) at(cd calDate, minute int) time.Time {
	return time.Date(cd.y, cd.m, cd.d, minute/60, minute%60, 0, 0, c.loc())
}

func (c Calendar) isWorkingDate(cd calDate) bool {
	if len(c.Hours[cd.wd]) == 0 || isNationalHoliday(cd.y, cd.m, cd.d) {
		return false
	}
	for _, cl := range c.Closures {
		if cl.appliesOn(cd.y, cd.m, cd.d) {
			return false
		}
	}
	return true
}

// hoursOn returns the opening intervals of a date, nil when it is not a working day.
func (c Calendar) hoursOn(cd calDate) []Interval {
	if !c.isWorkingDate(cd) {
		return nil
	}
	return c.Hours[cd.wd]
}

// span returns the instants bounding iv on cd; ok is false when DST makes the
// interval empty (e.g. 02:00–03:00 on the spring-forward day).
func (c Calendar) span(cd calDate, iv Interval) (s, e time.Time, ok bool) {
	s, e = c.at(cd, iv.Open), c.at(cd, iv.Close)
	return s, e, e.After(s)
}

// IsWorkingDay reports whether the local date of day (in c.Location) has
// opening hours and is neither a national holiday nor one of c.Closures.
func (c Calendar) IsWorkingDay(day time.Time) bool {
	return c.isWorkingDate(calDateOf(day.In(c.loc())))
}

// IsOpen reports whether t falls inside an opening interval [Open, Close) of a
// working day. A closing instant itself is not open.
func (c Calendar) IsOpen(t time.Time) bool {
	t = t.In(c.loc())
	cd := calDateOf(t)
	for _, iv := range c.hoursOn(cd) {
		if s, e, ok := c.span(cd, iv); ok && !t.Before(s) && t.Before(e) {
			return true
		}
	}
	return false
}

// NextOpen returns t itself (in c.Location) if open, else the start of the next
// opening interval: a request outside hours starts the clock at the next
// opening. It returns the zero time when there is no opening time within about
// three years (only possible for an unvalidated calendar).
func (c Calendar) NextOpen(t time.Time) time.Time {
	t = t.In(c.loc())
	cd := calDateOf(t)
	for range calMaxIdleDays {
		for _, iv := range c.hoursOn(cd) {
			s, e, ok := c.span(cd, iv)
			if !ok || !e.After(t) {
				continue
			}
			if s.After(t) {
				return s
			}
			return t
		}
		cd = cd.next()
	}
	return time.Time{}
}

// Add returns the instant at which d of working time has elapsed counting from
// start. A start outside hours counts from NextOpen(start). Add(start, d) with
// d <= 0 returns NextOpen(start), i.e. start itself when open.
//
// The result is never in closed time, except that when d runs out exactly at
// the end of an interval the closing instant is returned (Mon 17:00 + 1h is
// Mon 18:00, not Tue 08:00); IsOpen is false there, and Between still counts d.
//
// Add walks day by day, consuming whole intervals at once, so its cost grows
// with the number of calendar days spanned, not with d's resolution. It returns
// the zero time if about three years pass without opening time (only possible
// for an unvalidated calendar).
func (c Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return c.NextOpen(start)
	}
	t := start.In(c.loc())
	remaining := d
	cd := calDateOf(t)
	// The bound is on consecutive days without opening time, not on the total,
	// so long durations on a sparse calendar still complete.
	for idle := 0; idle < calMaxIdleDays; cd = cd.next() {
		idle++
		for _, iv := range c.hoursOn(cd) {
			s, e, ok := c.span(cd, iv)
			if !ok || !e.After(t) {
				continue
			}
			if s.Before(t) {
				s = t
			}
			idle = 0
			avail := e.Sub(s)
			if remaining <= avail {
				return s.Add(remaining)
			}
			remaining -= avail
		}
	}
	return time.Time{}
}

// Between returns the working time elapsed between a and b (0 when b <= a).
// Between(start, Add(start, d)) == d for every d >= 0.
func (c Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	loc := c.loc()
	a, b = a.In(loc), b.In(loc)
	last := calDateOf(b)
	var total time.Duration
	for cd := calDateOf(a); ; cd = cd.next() {
		for _, iv := range c.hoursOn(cd) {
			s, e, ok := c.span(cd, iv)
			if !ok {
				continue
			}
			if s.Before(a) {
				s = a
			}
			if e.After(b) {
				e = b
			}
			if e.After(s) {
				total += e.Sub(s)
			}
		}
		if cd.sameDay(last) {
			return total
		}
	}
}

// NextBusinessDayClose returns the closing instant of the first working day
// strictly after the local date of t (the "next business day" service tier),
// regardless of whether t itself is in working hours. It returns the zero time
// when no working day follows within about three years.
func (c Calendar) NextBusinessDayClose(t time.Time) time.Time {
	cd := calDateOf(t.In(c.loc()))
	for range calMaxIdleDays {
		cd = cd.next()
		ivs := c.hoursOn(cd)
		if len(ivs) == 0 {
			continue
		}
		closing := ivs[0].Close
		for _, iv := range ivs[1:] {
			closing = max(closing, iv.Close)
		}
		return c.at(cd, closing)
	}
	return time.Time{}
}

// EnteClosure is a closure kept for one ente.
type EnteClosure struct {
	ID       int64
	EnteCode string
	Closure
}

// Validate checks that the closure names a real day.
func (c Closure) Validate() error {
	var fe []FieldError
	if c.Month < time.January || c.Month > time.December {
		fe = append(fe, FieldError{Field: "month", Detail: "must be 1 to 12"})
	} else {
		y := c.Year
		if y == 0 {
			y = 2024 // a leap year: 29 February is a valid recurring day
		}
		if c.Day < 1 || time.Date(y, c.Month, c.Day, 0, 0, 0, 0, time.UTC).Month() != c.Month {
			fe = append(fe, FieldError{Field: "day", Detail: "is not a day of that month"})
		}
	}
	if c.Year != 0 && (c.Year < 1977 || c.Year > 2200) {
		fe = append(fe, FieldError{Field: "year", Detail: "must be 0 (every year) or between 1977 and 2200"})
	}
	if c.FromYear != 0 && (c.FromYear < 1977 || c.FromYear > 2200) {
		fe = append(fe, FieldError{Field: "from_year", Detail: "must be 0 or between 1977 and 2200"})
	}
	if len(c.Reason) > 200 {
		fe = append(fe, FieldError{Field: "reason", Detail: "must be at most 200 characters"})
	}
	if len(fe) > 0 {
		return Invalid("the closure is not valid", fe...)
	}
	return nil
}
