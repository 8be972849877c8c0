package domain

import (
	"slices"
	"time"
)

// Holiday is a national public holiday on a given date.
type Holiday struct {
	Date time.Time // local midnight in the location passed to NationalHolidays
	Name string    // Italian name, e.g. "Capodanno", "Lunedì dell'Angelo"
}

// holidayRule is one row of the national holiday table. Each rule carries the
// years it is in force, so that adding or ending a rule never changes the
// holidays of a year outside its validity.
type holidayRule struct {
	name       string
	month      time.Month // fixed-date rules
	day        int
	movable    bool // true: the date is Easter Sunday + easterDays
	easterDays int
	firstYear  int // first year the rule applies; 0 = no lower bound
	lastYear   int // last year the rule applies; 0 = still in force
}

// nationalHolidayRules models the regime of Law 260/1949 as amended by
// Law 54/1977, DPR 792/1985 (Epiphany back from 1986), Law 336/2000 (2 June
// back from 2001) and Law 151/2025 (4 October from 2026). Holidays abolished
// in 1977 are not modelled, so years before 1977 are not supported.
var nationalHolidayRules = []holidayRule{
	{name: "Capodanno", month: time.January, day: 1},
	{name: "Epifania", month: time.January, day: 6, firstYear: 1986},
	{name: "Lunedì dell'Angelo", movable: true, easterDays: 1},
	{name: "Festa della Liberazione", month: time.April, day: 25},
	{name: "Festa del Lavoro", month: time.May, day: 1},
	{name: "Festa della Repubblica", month: time.June, day: 2, firstYear: 2001},
	{name: "Ferragosto", month: time.August, day: 15},
	{name: "San Francesco d'Assisi", month: time.October, day: 4, firstYear: 2026},
	{name: "Ognissanti", month: time.November, day: 1},
	{name: "Immacolata Concezione", month: time.December, day: 8},
	{name: "Natale", month: time.December, day: 25},
	{name: "Santo Stefano", month: time.December, day: 26},
}

func (r holidayRule) appliesIn(year int) bool {
	return (r.firstYear == 0 || year >= r.firstYear) && (r.lastYear == 0 || year <= r.lastYear)
}

func (r holidayRule) dateIn(year int) (time.Month, int) {
	if !r.movable {
		return r.month, r.day
	}
	m, d := gregorianEaster(year)
	// UTC normalises the day overflow without any time-zone lookup.
	_, m, d = time.Date(year, m, d+r.easterDays, 0, 0, 0, 0, time.UTC).Date()
	return m, d
}

// gregorianEaster returns the month and day of Easter Sunday in the Gregorian
// calendar (anonymous Gregorian algorithm, Meeus/Jones/Butcher). Valid for
// years from 1583 on.
func gregorianEaster(year int) (time.Month, int) {
	a := year % 19
	b := year / 100
	c := year % 100
	d := b / 4
	e := b % 4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i := c / 4
	k := c % 4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return time.Month(n / 31), n%31 + 1
}

// NationalHolidays returns Italy's national public holidays in year, sorted by
// date, each at local midnight in loc (UTC when loc is nil). When two holidays
// fall on the same date (e.g. Easter Monday on 25 April 2011) both are listed.
// Years before 1977 are not supported.
func NationalHolidays(year int, loc *time.Location) []Holiday {
	if loc == nil {
		loc = time.UTC
	}
	out := make([]Holiday, 0, len(nationalHolidayRules))
	for _, r := range nationalHolidayRules {
		if !r.appliesIn(year) {
			continue
		}
		m, d := r.dateIn(year)
		out = append(out, Holiday{Date: time.Date(year, m, d, 0, 0, 0, 0, loc), Name: r.name})
	}
	slices.SortStableFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// isNationalHoliday reports whether the civil date year-m-d is a national
// holiday. It allocates nothing, because the calendar calls it once per day.
func isNationalHoliday(year int, m time.Month, d int) bool {
	for _, r := range nationalHolidayRules {
		if !r.appliesIn(year) {
			continue
		}
		if !r.movable && (r.month != m || r.day != d) {
			continue
		}
		rm, rd := r.dateIn(year)
		if rm == m && rd == d {
			return true
		}
	}
	return false
}
