package domain

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the host's zoneinfo
)

var calRome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

func calAt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calRome)
}

func calFmt(t time.Time) string {
	if t.IsZero() {
		return "zero time"
	}
	return t.Format("Mon 2006-01-02 15:04:05 MST")
}

func calFirenze() Calendar {
	return Calendar{
		Location: calRome,
		Hours:    DefaultWeekHours(),
		Closures: []Closure{{Month: time.June, Day: 24, Reason: "San Giovanni"}},
	}
}

func calOtherComune() Calendar {
	return Calendar{Location: calRome, Hours: DefaultWeekHours()}
}

// calSplit has a lunch break, a Saturday morning and a Friday afternoon off.
func calSplit() Calendar {
	var w WeekHours
	for wd := time.Monday; wd <= time.Thursday; wd++ {
		w[wd] = []Interval{{8*60 + 30, 13 * 60}, {14 * 60, 17*60 + 30}}
	}
	w[time.Friday] = []Interval{{8*60 + 30, 13 * 60}}
	w[time.Saturday] = []Interval{{9 * 60, 12 * 60}}
	return Calendar{Location: calRome, Hours: w}
}

// calSundays is open all Sunday plus a night shift across Wednesday midnight,
// which exercises DST days and intervals ending at 24:00.
func calSundays() Calendar {
	var w WeekHours
	w[time.Sunday] = []Interval{{0, minutesPerDay}}
	w[time.Wednesday] = []Interval{{22 * 60, minutesPerDay}}
	w[time.Thursday] = []Interval{{0, 2 * 60}}
	return Calendar{Location: calRome, Hours: w}
}

// TestCalendarFixtureWeekdays guards the weekdays the other tests rely on.
func TestCalendarFixtureWeekdays(t *testing.T) {
	tests := []struct {
		day  time.Time
		want time.Weekday
	}{
		{calAt(2026, time.March, 2, 0, 0), time.Monday},
		{calAt(2026, time.March, 27, 0, 0), time.Friday},
		{calAt(2026, time.March, 29, 0, 0), time.Sunday},
		{calAt(2026, time.October, 25, 0, 0), time.Sunday},
		{calAt(2027, time.October, 1, 0, 0), time.Friday},
		{calAt(2027, time.October, 4, 0, 0), time.Monday},
		{calAt(2025, time.October, 4, 0, 0), time.Saturday},
		{calAt(2024, time.October, 4, 0, 0), time.Friday},
		{calAt(2025, time.June, 24, 0, 0), time.Tuesday},
		{calAt(2025, time.December, 24, 0, 0), time.Wednesday},
		{calAt(2026, time.December, 24, 0, 0), time.Thursday},
		{calAt(2026, time.December, 31, 0, 0), time.Thursday},
		{calAt(2027, time.January, 1, 0, 0), time.Friday},
		{calAt(2027, time.March, 29, 0, 0), time.Monday},
		{calAt(2026, time.January, 6, 0, 0), time.Tuesday},
	}
	for _, tc := range tests {
		if got := tc.day.Weekday(); got != tc.want {
			t.Errorf("weekday of %s: got %s, want %s", tc.day.Format(time.DateOnly), got, tc.want)
		}
	}
}

func TestCalendarWeekHoursValidate(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(w *WeekHours)
		wantField string // "" for an error of the whole week
		wantErr   string // in the field's detail, or the message
	}{
		{"default", func(w *WeekHours) {}, "", ""},
		{"touching intervals", func(w *WeekHours) { w[1] = []Interval{{480, 720}, {720, 1080}} }, "", ""},
		{"full day", func(w *WeekHours) { w[0] = []Interval{{0, 1440}} }, "", ""},
		{"negative open", func(w *WeekHours) { w[1] = []Interval{{-1, 600}} }, "monday[0].open", "before midnight"},
		{"close after midnight", func(w *WeekHours) { w[2] = []Interval{{480, 1441}} }, "tuesday[0].close", "after midnight"},
		{"empty interval", func(w *WeekHours) { w[3] = []Interval{{600, 600}} }, "wednesday[0].close", "closes at minute 600, not after it opens (minute 600)"},
		{"reversed interval", func(w *WeekHours) { w[3] = []Interval{{700, 600}} }, "wednesday[0].close", "not after it opens (minute 700)"},
		{"overlap", func(w *WeekHours) { w[4] = []Interval{{480, 800}, {780, 1000}} }, "thursday[1].open", "before the previous interval closes (minute 800)"},
		{"unsorted", func(w *WeekHours) { w[5] = []Interval{{840, 1000}, {480, 600}} }, "friday[1].open", "before the previous interval closes (minute 1000)"},
		{"no hours at all", func(w *WeekHours) { *w = WeekHours{} }, "", "no opening time"},
	}
	for _, tc := range tests {
		w := DefaultWeekHours()
		tc.mutate(&w)
		err := w.Validate()
		var de *Error
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: got error %q, want nil", tc.name, err)
		case tc.wantErr == "":
		case !errors.As(err, &de) || de.Code != CodeInvalid:
			t.Errorf("%s: got %v, want a %s error", tc.name, err, CodeInvalid)
		case tc.wantField == "":
			if len(de.Fields) != 0 || !strings.Contains(de.Message, tc.wantErr) {
				t.Errorf("%s: got %q with fields %v, want a message containing %q and no field", tc.name, de.Message, de.Fields, tc.wantErr)
			}
		case len(de.Fields) != 1 || de.Fields[0].Field != tc.wantField || !strings.Contains(de.Fields[0].Detail, tc.wantErr):
			t.Errorf("%s: got fields %+v, want one for %s containing %q", tc.name, de.Fields, tc.wantField, tc.wantErr)
		}
	}
	for _, c := range []Calendar{calSplit(), calSundays()} {
		if err := c.Hours.Validate(); err != nil {
			t.Errorf("fixture hours: got %v, want nil", err)
		}
	}
}

func TestCalendarIsWorkingDay(t *testing.T) {
	fi, other := calFirenze(), calOtherComune()
	tests := []struct {
		name      string
		day       time.Time
		fi, other bool
	}{
		{"San Giovanni Tue 2025-06-24", calAt(2025, time.June, 24, 10, 0), false, true},
		{"day after San Giovanni", calAt(2025, time.June, 25, 10, 0), true, true},
		{"plain Monday", calAt(2026, time.March, 2, 10, 0), true, true},
		{"Saturday", calAt(2026, time.March, 7, 10, 0), false, false},
		{"Sunday", calAt(2026, time.March, 8, 10, 0), false, false},
		{"Capodanno 2026 Thu", calAt(2026, time.January, 1, 10, 0), false, false},
		{"Epifania 2026 Tue", calAt(2026, time.January, 6, 10, 0), false, false},
		{"Easter Monday 2026", calAt(2026, time.April, 6, 10, 0), false, false},
		{"Easter Monday 2027", calAt(2027, time.March, 29, 10, 0), false, false},
		{"Easter Tuesday 2027", calAt(2027, time.March, 30, 10, 0), true, true},
		{"Liberazione 2025 Fri", calAt(2025, time.April, 25, 10, 0), false, false},
		{"Lavoro 2025 Thu", calAt(2025, time.May, 1, 10, 0), false, false},
		{"Repubblica 2025 Mon", calAt(2025, time.June, 2, 10, 0), false, false},
		{"Ferragosto 2025 Fri", calAt(2025, time.August, 15, 10, 0), false, false},
		{"Ognissanti 2027 Mon", calAt(2027, time.November, 1, 10, 0), false, false},
		{"Immacolata 2025 Mon", calAt(2025, time.December, 8, 10, 0), false, false},
		{"Natale 2025 Thu", calAt(2025, time.December, 25, 10, 0), false, false},
		{"Santo Stefano 2025 Fri", calAt(2025, time.December, 26, 10, 0), false, false},
		{"San Francesco 2027 Mon", calAt(2027, time.October, 4, 10, 0), false, false},
		{"San Francesco 2026 Sun", calAt(2026, time.October, 4, 10, 0), false, false},
		{"4 Oct 2024 Fri, before the law", calAt(2024, time.October, 4, 10, 0), true, true},
		// Sunday 23:30 UTC is already Monday 01:30 in Rome.
		{"UTC instant on Rome Monday", time.Date(2026, time.March, 1, 23, 30, 0, 0, time.UTC), true, true},
	}
	for _, tc := range tests {
		if got := fi.IsWorkingDay(tc.day); got != tc.fi {
			t.Errorf("Firenze %s: got %v, want %v", tc.name, got, tc.fi)
		}
		if got := other.IsWorkingDay(tc.day); got != tc.other {
			t.Errorf("other comune %s: got %v, want %v", tc.name, got, tc.other)
		}
	}
}

func TestCalendarClosures(t *testing.T) {
	c := calOtherComune()
	c.Closures = []Closure{
		{Month: time.June, Day: 24, FromYear: 2026, Reason: "patrono dal 2026"},
		{Month: time.March, Day: 3, Year: 2026, Reason: "chiusura straordinaria"},
	}
	tests := []struct {
		day  time.Time
		want bool
	}{
		{calAt(2025, time.June, 24, 9, 0), true},
		{calAt(2026, time.June, 24, 9, 0), false},
		{calAt(2030, time.June, 24, 9, 0), false},
		{calAt(2026, time.March, 3, 9, 0), false},
		{calAt(2027, time.March, 3, 9, 0), true},
	}
	for _, tc := range tests {
		if got := c.IsWorkingDay(tc.day); got != tc.want {
			t.Errorf("IsWorkingDay(%s): got %v, want %v", calFmt(tc.day), got, tc.want)
		}
	}
}

func TestCalendarIsOpen(t *testing.T) {
	fi, split := calFirenze(), calSplit()
	tests := []struct {
		name string
		c    Calendar
		t    time.Time
		want bool
	}{
		{"opening instant", fi, calAt(2026, time.March, 2, 8, 0), true},
		{"just before opening", fi, calAt(2026, time.March, 2, 7, 59), false},
		{"midday", fi, calAt(2026, time.March, 2, 12, 0), true},
		{"last minute", fi, calAt(2026, time.March, 2, 17, 59), true},
		{"closing instant", fi, calAt(2026, time.March, 2, 18, 0), false},
		{"evening", fi, calAt(2026, time.March, 2, 19, 0), false},
		{"Saturday", fi, calAt(2026, time.March, 7, 10, 0), false},
		{"holiday", fi, calAt(2026, time.January, 6, 10, 0), false},
		{"San Giovanni", fi, calAt(2025, time.June, 24, 10, 0), false},
		{"lunch break", split, calAt(2026, time.March, 2, 13, 30), false},
		{"after lunch", split, calAt(2026, time.March, 2, 14, 0), true},
		{"Saturday morning", split, calAt(2026, time.March, 7, 11, 59), true},
		{"Friday afternoon", split, calAt(2026, time.March, 6, 15, 0), false},
		{"UTC instant", fi, time.Date(2026, time.March, 2, 16, 30, 0, 0, time.UTC), true},             // 17:30 CET
		{"UTC instant after close", fi, time.Date(2026, time.June, 1, 16, 30, 0, 0, time.UTC), false}, // 18:30 CEST
	}
	for _, tc := range tests {
		if got := tc.c.IsOpen(tc.t); got != tc.want {
			t.Errorf("%s: IsOpen(%s): got %v, want %v", tc.name, calFmt(tc.t), got, tc.want)
		}
	}
}

func TestCalendarNextOpen(t *testing.T) {
	fi, split := calFirenze(), calSplit()
	tests := []struct {
		name string
		c    Calendar
		t    time.Time
		want time.Time
	}{
		{"open stays", fi, calAt(2026, time.March, 2, 10, 15), calAt(2026, time.March, 2, 10, 15)},
		{"07:00", fi, calAt(2026, time.March, 2, 7, 0), calAt(2026, time.March, 2, 8, 0)},
		{"19:00", fi, calAt(2026, time.March, 2, 19, 0), calAt(2026, time.March, 3, 8, 0)},
		{"closing instant", fi, calAt(2026, time.March, 2, 18, 0), calAt(2026, time.March, 3, 8, 0)},
		{"Friday evening", fi, calAt(2026, time.March, 6, 18, 30), calAt(2026, time.March, 9, 8, 0)},
		{"Saturday", fi, calAt(2026, time.March, 7, 10, 0), calAt(2026, time.March, 9, 8, 0)},
		{"Christmas Eve evening", fi, calAt(2025, time.December, 24, 20, 0), calAt(2025, time.December, 29, 8, 0)},
		{"lunch", split, calAt(2026, time.March, 2, 13, 10), calAt(2026, time.March, 2, 14, 0)},
		{"Friday afternoon to Saturday", split, calAt(2026, time.March, 6, 13, 0), calAt(2026, time.March, 7, 9, 0)},
		{"UTC input", fi, time.Date(2026, time.March, 7, 12, 0, 0, 0, time.UTC), calAt(2026, time.March, 9, 8, 0)},
	}
	for _, tc := range tests {
		got := tc.c.NextOpen(tc.t)
		if !got.Equal(tc.want) || got.Location() != calRome {
			t.Errorf("%s: NextOpen(%s): got %s, want %s", tc.name, calFmt(tc.t), calFmt(got), calFmt(tc.want))
		}
	}
}

func TestCalendarAdd(t *testing.T) {
	fi, other, split := calFirenze(), calOtherComune(), calSplit()
	tests := []struct {
		name  string
		c     Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		// Service tiers.
		{"30m tier", fi, calAt(2026, time.March, 2, 10, 0), 30 * time.Minute, calAt(2026, time.March, 2, 10, 30)},
		{"30m tier across close", fi, calAt(2026, time.March, 2, 17, 45), 30 * time.Minute, calAt(2026, time.March, 3, 8, 15)},
		{"4h tier same day", fi, calAt(2026, time.March, 2, 9, 0), 4 * time.Hour, calAt(2026, time.March, 2, 13, 0)},
		{"4h tier next day", fi, calAt(2026, time.March, 2, 16, 0), 4 * time.Hour, calAt(2026, time.March, 3, 10, 0)},
		{"8h tier next day", fi, calAt(2026, time.March, 2, 14, 0), 8 * time.Hour, calAt(2026, time.March, 3, 12, 0)},
		{"8h tier over weekend", fi, calAt(2026, time.March, 6, 15, 0), 8 * time.Hour, calAt(2026, time.March, 9, 13, 0)},
		{"8h tier full day", fi, calAt(2026, time.March, 2, 8, 0), 8 * time.Hour, calAt(2026, time.March, 2, 16, 0)},
		// Exact closing.
		{"ends at closing", fi, calAt(2026, time.March, 2, 17, 0), time.Hour, calAt(2026, time.March, 2, 18, 0)},
		{"whole day ends at closing", fi, calAt(2026, time.March, 2, 8, 0), 10 * time.Hour, calAt(2026, time.March, 2, 18, 0)},
		{"Friday ends at closing", fi, calAt(2026, time.March, 6, 17, 0), time.Hour, calAt(2026, time.March, 6, 18, 0)},
		{"one ns past closing", fi, calAt(2026, time.March, 2, 17, 0), time.Hour + time.Nanosecond, calAt(2026, time.March, 3, 8, 0).Add(time.Nanosecond)},
		// Outside hours.
		{"19:00 start", fi, calAt(2026, time.March, 2, 19, 0), time.Hour, calAt(2026, time.March, 3, 9, 0)},
		{"07:00 start", fi, calAt(2026, time.March, 2, 7, 0), time.Hour, calAt(2026, time.March, 2, 9, 0)},
		{"start at closing", fi, calAt(2026, time.March, 2, 18, 0), time.Hour, calAt(2026, time.March, 3, 9, 0)},
		{"Saturday start", fi, calAt(2026, time.March, 7, 11, 0), time.Hour, calAt(2026, time.March, 9, 9, 0)},
		{"Sunday night start", fi, calAt(2026, time.March, 8, 23, 59), 30 * time.Minute, calAt(2026, time.March, 9, 8, 30)},
		{"Fri 17:45 + 1h", fi, calAt(2026, time.March, 6, 17, 45), time.Hour, calAt(2026, time.March, 9, 8, 45)},
		// Holidays and year end.
		{"Christmas 2025", fi, calAt(2025, time.December, 24, 17, 30), time.Hour, calAt(2025, time.December, 29, 8, 30)},
		{"year end 2026", fi, calAt(2026, time.December, 31, 17, 0), 2 * time.Hour, calAt(2027, time.January, 4, 9, 0)},
		{"Epiphany 2026", fi, calAt(2026, time.January, 5, 17, 0), 2 * time.Hour, calAt(2026, time.January, 7, 9, 0)},
		{"Easter Monday 2027", fi, calAt(2027, time.March, 26, 17, 0), 2 * time.Hour, calAt(2027, time.March, 30, 9, 0)},
		{"Liberazione 2025 Fri", fi, calAt(2025, time.April, 24, 17, 0), 2 * time.Hour, calAt(2025, time.April, 28, 9, 0)},
		{"Lavoro 2025 Thu", fi, calAt(2025, time.April, 30, 17, 0), 2 * time.Hour, calAt(2025, time.May, 2, 9, 0)},
		{"Repubblica 2025 Mon", fi, calAt(2025, time.May, 30, 17, 0), 2 * time.Hour, calAt(2025, time.June, 3, 9, 0)},
		{"Ferragosto 2025 Fri", fi, calAt(2025, time.August, 14, 17, 0), 2 * time.Hour, calAt(2025, time.August, 18, 9, 0)},
		{"Ognissanti 2027 Mon", fi, calAt(2027, time.October, 29, 17, 0), 2 * time.Hour, calAt(2027, time.November, 2, 9, 0)},
		{"Immacolata 2025 Mon", fi, calAt(2025, time.December, 5, 17, 0), 2 * time.Hour, calAt(2025, time.December, 9, 9, 0)},
		{"San Francesco 2027", fi, calAt(2027, time.October, 1, 17, 0), 2 * time.Hour, calAt(2027, time.October, 5, 9, 0)},
		{"4 Oct 2024 is working", fi, calAt(2024, time.October, 3, 17, 0), 2 * time.Hour, calAt(2024, time.October, 4, 9, 0)},
		{"San Giovanni Firenze", fi, calAt(2025, time.June, 23, 17, 0), 2 * time.Hour, calAt(2025, time.June, 25, 9, 0)},
		{"San Giovanni other comune", other, calAt(2025, time.June, 23, 17, 0), 2 * time.Hour, calAt(2025, time.June, 24, 9, 0)},
		// DST: Europe/Rome switches on 29 March and 25 October 2026.
		{"DST spring weekend", fi, calAt(2026, time.March, 27, 17, 30), time.Hour, calAt(2026, time.March, 30, 8, 30)},
		{"DST autumn weekend", fi, calAt(2026, time.October, 23, 17, 30), time.Hour, calAt(2026, time.October, 26, 8, 30)},
		{"DST full Sunday spring", calSundays(), calAt(2026, time.March, 29, 0, 0), 2 * time.Hour, calAt(2026, time.March, 29, 3, 0)},
		{"DST full Sunday autumn", calSundays(), calAt(2026, time.October, 25, 0, 0), 4 * time.Hour, calAt(2026, time.October, 25, 3, 0)},
		{"DST Sunday spring to closing", calSundays(), calAt(2026, time.March, 29, 0, 0), 23 * time.Hour, calAt(2026, time.March, 30, 0, 0)},
		{"DST Sunday autumn to closing", calSundays(), calAt(2026, time.October, 25, 0, 0), 25 * time.Hour, calAt(2026, time.October, 26, 0, 0)},
		// Multi-interval days.
		{"across lunch", split, calAt(2026, time.March, 2, 12, 30), time.Hour, calAt(2026, time.March, 2, 14, 30)},
		{"ends at lunch", split, calAt(2026, time.March, 2, 12, 30), 30 * time.Minute, calAt(2026, time.March, 2, 13, 0)},
		{"start in lunch", split, calAt(2026, time.March, 2, 13, 15), 30 * time.Minute, calAt(2026, time.March, 2, 14, 30)},
		{"Friday to Saturday", split, calAt(2026, time.March, 6, 12, 0), 2 * time.Hour, calAt(2026, time.March, 7, 10, 0)},
		{"Saturday to Monday", split, calAt(2026, time.March, 7, 11, 0), 2 * time.Hour, calAt(2026, time.March, 9, 9, 30)},
		{"full week", split, calAt(2026, time.March, 2, 8, 30), 4*8*time.Hour + 4*time.Hour + 30*time.Minute + 3*time.Hour, calAt(2026, time.March, 7, 12, 0)},
		{"night shift across midnight", calSundays(), calAt(2026, time.March, 4, 23, 0), 2 * time.Hour, calAt(2026, time.March, 5, 1, 0)},
		// Long spans: 2026 Firenze has 253 working days of 10h (261 weekdays − 7 weekday holidays − San Giovanni).
		{"one working year", fi, calAt(2026, time.January, 1, 0, 0), 2530 * time.Hour, calAt(2026, time.December, 31, 18, 0)},
		{"1000h", fi, calAt(2026, time.March, 2, 9, 0), 1000 * time.Hour, calAt(2026, time.July, 24, 9, 0)},
	}
	for _, tc := range tests {
		got := tc.c.Add(tc.start, tc.d)
		if !got.Equal(tc.want) || got.Location() != calRome {
			t.Errorf("%s: Add(%s, %s): got %s, want %s", tc.name, calFmt(tc.start), tc.d, calFmt(got), calFmt(tc.want))
		}
	}
}

func TestCalendarAddZeroAndNegative(t *testing.T) {
	fi := calFirenze()
	tests := []struct {
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{calAt(2026, time.March, 2, 10, 0), 0, calAt(2026, time.March, 2, 10, 0)},
		{calAt(2026, time.March, 2, 19, 0), 0, calAt(2026, time.March, 3, 8, 0)},
		{calAt(2026, time.March, 2, 18, 0), 0, calAt(2026, time.March, 3, 8, 0)},
		{calAt(2026, time.March, 7, 10, 0), 0, calAt(2026, time.March, 9, 8, 0)},
		{calAt(2026, time.March, 2, 10, 0), -time.Hour, calAt(2026, time.March, 2, 10, 0)},
		{calAt(2026, time.March, 7, 10, 0), -time.Hour, calAt(2026, time.March, 9, 8, 0)},
	}
	for _, tc := range tests {
		if got := fi.Add(tc.start, tc.d); !got.Equal(tc.want) {
			t.Errorf("Add(%s, %s): got %s, want %s", calFmt(tc.start), tc.d, calFmt(got), calFmt(tc.want))
		}
	}
}

func TestCalendarAddUTCInputReturnsLocal(t *testing.T) {
	start := time.Date(2026, time.March, 27, 16, 30, 0, 0, time.UTC) // 17:30 CET
	got := calFirenze().Add(start, time.Hour)
	want := calAt(2026, time.March, 30, 8, 30)
	if !got.Equal(want) || got.Location() != calRome {
		t.Errorf("Add(%s UTC, 1h): got %s (%s), want %s", start.Format(time.DateTime), calFmt(got), got.Location(), calFmt(want))
	}
	if got.Hour() != 8 || got.Minute() != 30 {
		t.Errorf("local clock: got %02d:%02d, want 08:30", got.Hour(), got.Minute())
	}
}

func TestCalendarBetween(t *testing.T) {
	fi, other, split, sun := calFirenze(), calOtherComune(), calSplit(), calSundays()
	tests := []struct {
		name string
		c    Calendar
		a, b time.Time
		want time.Duration
	}{
		{"same instant", fi, calAt(2026, time.March, 2, 10, 0), calAt(2026, time.March, 2, 10, 0), 0},
		{"reversed", fi, calAt(2026, time.March, 3, 10, 0), calAt(2026, time.March, 2, 10, 0), 0},
		{"within day", fi, calAt(2026, time.March, 2, 10, 0), calAt(2026, time.March, 2, 11, 30), 90 * time.Minute},
		{"full day", fi, calAt(2026, time.March, 2, 0, 0), calAt(2026, time.March, 3, 0, 0), 10 * time.Hour},
		{"outside hours only", fi, calAt(2026, time.March, 2, 18, 0), calAt(2026, time.March, 3, 8, 0), 0},
		{"weekend", fi, calAt(2026, time.March, 6, 17, 0), calAt(2026, time.March, 9, 9, 0), 2 * time.Hour},
		{"week", fi, calAt(2026, time.March, 2, 0, 0), calAt(2026, time.March, 9, 0, 0), 50 * time.Hour},
		{"DST spring weekend", fi, calAt(2026, time.March, 27, 17, 30), calAt(2026, time.March, 30, 8, 30), time.Hour},
		{"DST autumn weekend", fi, calAt(2026, time.October, 23, 17, 30), calAt(2026, time.October, 26, 8, 30), time.Hour},
		{"DST Sunday 23h", sun, calAt(2026, time.March, 29, 0, 0), calAt(2026, time.March, 30, 0, 0), 23 * time.Hour},
		{"DST Sunday 25h", sun, calAt(2026, time.October, 25, 0, 0), calAt(2026, time.October, 26, 0, 0), 25 * time.Hour},
		{"plain Sunday 24h", sun, calAt(2026, time.March, 22, 0, 0), calAt(2026, time.March, 23, 0, 0), 24 * time.Hour},
		{"Christmas 2025", fi, calAt(2025, time.December, 24, 17, 30), calAt(2025, time.December, 29, 8, 30), time.Hour},
		{"year end", fi, calAt(2026, time.December, 31, 17, 0), calAt(2027, time.January, 4, 9, 0), 2 * time.Hour},
		{"San Giovanni Firenze", fi, calAt(2025, time.June, 24, 0, 0), calAt(2025, time.June, 25, 0, 0), 0},
		{"San Giovanni other", other, calAt(2025, time.June, 24, 0, 0), calAt(2025, time.June, 25, 0, 0), 10 * time.Hour},
		{"lunch excluded", split, calAt(2026, time.March, 2, 12, 0), calAt(2026, time.March, 2, 15, 0), 2 * time.Hour},
		{"split week", split, calAt(2026, time.March, 2, 0, 0), calAt(2026, time.March, 9, 0, 0), 4*8*time.Hour + 4*time.Hour + 30*time.Minute + 3*time.Hour},
		{"night shift", sun, calAt(2026, time.March, 4, 23, 0), calAt(2026, time.March, 5, 1, 0), 2 * time.Hour},
		{"year 2026 Firenze", fi, calAt(2026, time.January, 1, 0, 0), calAt(2027, time.January, 1, 0, 0), 2530 * time.Hour},
		{"year 2026 other", other, calAt(2026, time.January, 1, 0, 0), calAt(2027, time.January, 1, 0, 0), 2540 * time.Hour},
		{"mixed zones", fi, time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC), calAt(2026, time.March, 2, 11, 0), time.Hour},
	}
	for _, tc := range tests {
		if got := tc.c.Between(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Between(%s, %s): got %s, want %s", tc.name, calFmt(tc.a), calFmt(tc.b), got, tc.want)
		}
	}
}

func TestCalendarNextBusinessDayClose(t *testing.T) {
	fi, other, split := calFirenze(), calOtherComune(), calSplit()
	tests := []struct {
		name string
		c    Calendar
		t    time.Time
		want time.Time
	}{
		{"Monday", fi, calAt(2026, time.March, 2, 10, 0), calAt(2026, time.March, 3, 18, 0)},
		{"Monday before opening", fi, calAt(2026, time.March, 2, 6, 0), calAt(2026, time.March, 3, 18, 0)},
		{"Friday", fi, calAt(2026, time.March, 6, 10, 0), calAt(2026, time.March, 9, 18, 0)},
		{"Friday evening", fi, calAt(2026, time.March, 6, 23, 59), calAt(2026, time.March, 9, 18, 0)},
		{"Saturday", fi, calAt(2026, time.March, 28, 10, 0), calAt(2026, time.March, 30, 18, 0)},
		{"Sunday", fi, calAt(2026, time.March, 29, 10, 0), calAt(2026, time.March, 30, 18, 0)},
		{"before 1 May 2026", fi, calAt(2026, time.April, 30, 10, 0), calAt(2026, time.May, 4, 18, 0)},
		{"before Epiphany 2026", fi, calAt(2026, time.January, 5, 10, 0), calAt(2026, time.January, 7, 18, 0)},
		{"Christmas Eve 2026", fi, calAt(2026, time.December, 24, 10, 0), calAt(2026, time.December, 28, 18, 0)},
		{"before San Francesco 2027", fi, calAt(2027, time.October, 1, 10, 0), calAt(2027, time.October, 5, 18, 0)},
		{"before San Giovanni Firenze", fi, calAt(2025, time.June, 23, 10, 0), calAt(2025, time.June, 25, 18, 0)},
		{"before San Giovanni other", other, calAt(2025, time.June, 23, 10, 0), calAt(2025, time.June, 24, 18, 0)},
		{"split Thursday", split, calAt(2026, time.March, 5, 10, 0), calAt(2026, time.March, 6, 13, 0)},
		{"split Friday", split, calAt(2026, time.March, 6, 10, 0), calAt(2026, time.March, 7, 12, 0)},
		{"split Monday", split, calAt(2026, time.March, 2, 10, 0), calAt(2026, time.March, 3, 17, 30)},
		{"UTC late Sunday is Rome Monday", fi, time.Date(2026, time.March, 1, 23, 30, 0, 0, time.UTC), calAt(2026, time.March, 3, 18, 0)},
	}
	for _, tc := range tests {
		got := tc.c.NextBusinessDayClose(tc.t)
		if !got.Equal(tc.want) || got.Location() != calRome {
			t.Errorf("%s: NextBusinessDayClose(%s): got %s, want %s", tc.name, calFmt(tc.t), calFmt(got), calFmt(tc.want))
		}
	}
}

func TestCalendarNoWorkingTimeTerminates(t *testing.T) {
	start := calAt(2026, time.March, 2, 10, 0)
	closedAll := Calendar{Location: calRome} // invalid: Validate rejects it
	if got := closedAll.Add(start, time.Hour); !got.IsZero() {
		t.Errorf("Add on a closed calendar: got %s, want zero time", calFmt(got))
	}
	if got := closedAll.NextOpen(start); !got.IsZero() {
		t.Errorf("NextOpen on a closed calendar: got %s, want zero time", calFmt(got))
	}
	if got := closedAll.NextBusinessDayClose(start); !got.IsZero() {
		t.Errorf("NextBusinessDayClose on a closed calendar: got %s, want zero time", calFmt(got))
	}
	if got := closedAll.Between(start, start.AddDate(1, 0, 0)); got != 0 {
		t.Errorf("Between on a closed calendar: got %s, want 0", got)
	}
	// Open only on 1 June: sparse but valid. The search bound applies to
	// consecutive closed days, so a span longer than the bound still completes.
	sparse := Calendar{Location: calRome, Hours: DefaultWeekHours()}
	for m := time.January; m <= time.December; m++ {
		for d := 1; d <= 31; d++ {
			if m != time.June || d != 1 {
				sparse.Closures = append(sparse.Closures, Closure{Month: m, Day: d})
			}
		}
	}
	// 1 June is a Monday in 2026, Tuesday in 2027, Thursday in 2028, Friday in 2029.
	got := sparse.Add(calAt(2026, time.January, 1, 0, 0), 35*time.Hour)
	if want := calAt(2029, time.June, 1, 13, 0); !got.Equal(want) {
		t.Errorf("Add on a 1-June-only calendar: got %s, want %s", calFmt(got), calFmt(want))
	}
	if got := sparse.Between(calAt(2026, time.January, 1, 0, 0), calAt(2029, time.June, 1, 13, 0)); got != 35*time.Hour {
		t.Errorf("Between on a 1-June-only calendar: got %s, want 35h", got)
	}
}

func TestCalendarNilLocationIsUTC(t *testing.T) {
	c := Calendar{Hours: DefaultWeekHours()}
	got := c.Add(time.Date(2026, time.March, 2, 17, 0, 0, 0, calRome), time.Hour) // 16:00 UTC
	want := time.Date(2026, time.March, 2, 17, 0, 0, 0, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Add with nil Location: got %s, want %s", calFmt(got), calFmt(want))
	}
}

// calIsClosingInstant reports whether t is the end of an opening interval of
// its own local date or (for 24:00) of the previous date.
func calIsClosingInstant(c Calendar, t time.Time) bool {
	t = t.In(c.loc())
	cd := calDateOf(t)
	prev := calDateOf(time.Date(cd.y, cd.m, cd.d-1, 12, 0, 0, 0, c.loc()))
	for _, day := range []calDate{prev, cd} {
		for _, iv := range c.hoursOn(day) {
			if c.at(day, iv.Close).Equal(t) {
				return true
			}
		}
	}
	return false
}

func TestCalendarAddBetweenProperties(t *testing.T) {
	calendars := map[string]Calendar{
		"firenze": calFirenze(),
		"split":   calSplit(),
		"sundays": calSundays(),
	}
	from := calAt(2016, time.January, 1, 0, 0).Unix()
	to := calAt(2031, time.January, 1, 0, 0).Unix()
	for name, c := range calendars {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(20260101, uint64(len(name))))
			randStart := func() time.Time {
				s := time.Unix(from+rng.Int64N(to-from), 0).In(calRome)
				if rng.IntN(2) == 0 { // quarter hours hit opening and closing instants
					s = s.Truncate(15 * time.Minute)
				}
				return s
			}
			randDur := func(limit time.Duration) time.Duration {
				d := time.Duration(rng.Int64N(int64(limit)))
				if rng.IntN(2) == 0 {
					d = d.Truncate(15 * time.Minute)
				}
				return d
			}
			for i := range 4000 {
				start := randStart()
				d := randDur(200 * time.Hour)
				end := c.Add(start, d)
				if end.IsZero() || end.Before(start) {
					t.Fatalf("#%d Add(%s, %s): got %s, want an instant after start", i, calFmt(start), d, calFmt(end))
				}
				if got := c.Between(start, end); got != d {
					t.Errorf("#%d Between(%s, Add(.., %s)=%s): got %s, want %s", i, calFmt(start), d, calFmt(end), got, d)
				}
				if !c.IsOpen(end) && !calIsClosingInstant(c, end) {
					t.Errorf("#%d Add(%s, %s): got %s, want an open or closing instant", i, calFmt(start), d, calFmt(end))
				}
				if next := c.NextOpen(start); !c.Add(start, 0).Equal(next) || c.Between(start, next) != 0 || !c.IsOpen(next) {
					t.Errorf("#%d NextOpen(%s): got %s, want Add(start, 0), open, with no working time before it", i, calFmt(start), calFmt(next))
				}
				d2 := d + randDur(50*time.Hour)
				end2 := c.Add(start, d2)
				if end2.Before(end) {
					t.Errorf("#%d monotonic: Add(%s, %s)=%s, got before Add(.., %s)=%s", i, calFmt(start), d2, calFmt(end2), d, calFmt(end))
				}
				if end2.Sub(end) < d2-d {
					t.Errorf("#%d Add(.., %s)-Add(.., %s): got %s, want at least %s", i, d2, d, end2.Sub(end), d2-d)
				}
				a := randStart()
				b := a.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
				cc := b.Add(time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
				ab, bc, ac := c.Between(a, b), c.Between(b, cc), c.Between(a, cc)
				if ac != ab+bc {
					t.Errorf("#%d Between(%s, %s): got %s, want %s + %s", i, calFmt(a), calFmt(cc), ac, ab, bc)
				}
				if ab > b.Sub(a) {
					t.Errorf("#%d Between(%s, %s): got %s, want at most the elapsed %s", i, calFmt(a), calFmt(b), ab, b.Sub(a))
				}
			}
		})
	}
}

func BenchmarkAdd1000h(b *testing.B) {
	c := calFirenze()
	start := calAt(2026, time.March, 2, 9, 0)
	var end time.Time
	for b.Loop() {
		end = c.Add(start, 1000*time.Hour)
	}
	if want := calAt(2026, time.July, 24, 9, 0); !end.Equal(want) {
		b.Fatalf("got %s, want %s", calFmt(end), calFmt(want))
	}
}

func BenchmarkBetweenOneYear(b *testing.B) {
	c := calFirenze()
	from, to := calAt(2026, time.January, 1, 0, 0), calAt(2027, time.January, 1, 0, 0)
	for b.Loop() {
		_ = c.Between(from, to)
	}
}
