package domain

import (
	"testing"
	"time"
)

func holFind(hs []Holiday, m time.Month, d int) (Holiday, bool) {
	for _, h := range hs {
		if h.Date.Month() == m && h.Date.Day() == d {
			return h, true
		}
	}
	return Holiday{}, false
}

func TestEasterMondayKnownDates(t *testing.T) {
	tests := []string{
		"2000-04-24", "2001-04-16", "2002-04-01", "2003-04-21", "2004-04-12",
		"2005-03-28", "2006-04-17", "2007-04-09", "2008-03-24", "2009-04-13",
		"2010-04-05", "2011-04-25", "2012-04-09", "2013-04-01", "2014-04-21",
		"2015-04-06", "2016-03-28", "2017-04-17", "2018-04-02", "2019-04-22",
		"2020-04-13", "2021-04-05", "2022-04-18", "2023-04-10", "2024-04-01",
		"2025-04-21", "2026-04-06", "2027-03-29", "2028-04-17", "2029-04-02",
		"2030-04-22", "2038-04-26",
	}
	for _, want := range tests {
		w, err := time.ParseInLocation(time.DateOnly, want, calRome)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range NationalHolidays(w.Year(), calRome) {
			if h.Name == "Lunedì dell'Angelo" {
				got = append(got, h.Date.Format(time.DateOnly))
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("Easter Monday %d: got %v, want [%s]", w.Year(), got, want)
		}
	}
}

func TestEasterSundayExtremes(t *testing.T) {
	// Earliest (22 March) and latest (25 April) possible dates.
	tests := []struct {
		year int
		m    time.Month
		d    int
	}{
		{1818, time.March, 22}, {2285, time.March, 22},
		{1943, time.April, 25}, {2038, time.April, 25},
		{1583, time.April, 10}, {1900, time.April, 15}, {2100, time.March, 28},
	}
	for _, tc := range tests {
		m, d := gregorianEaster(tc.year)
		if m != tc.m || d != tc.d {
			t.Errorf("Easter %d: got %s %d, want %s %d", tc.year, m, d, tc.m, tc.d)
		}
	}
}

func TestEasterSundayIsSundayInRange(t *testing.T) {
	for y := 1583; y <= 4099; y++ {
		m, d := gregorianEaster(y)
		e := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if e.Weekday() != time.Sunday {
			t.Errorf("Easter %d: got %s (%s), want a Sunday", y, e.Format(time.DateOnly), e.Weekday())
		}
		if e.Before(time.Date(y, time.March, 22, 0, 0, 0, 0, time.UTC)) || e.After(time.Date(y, time.April, 25, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Easter %d: got %s, want between 22 March and 25 April", y, e.Format(time.DateOnly))
		}
	}
}

func TestHolidayNationalHolidays2026(t *testing.T) {
	want := []struct{ date, name string }{
		{"2026-01-01", "Capodanno"},
		{"2026-01-06", "Epifania"},
		{"2026-04-06", "Lunedì dell'Angelo"},
		{"2026-04-25", "Festa della Liberazione"},
		{"2026-05-01", "Festa del Lavoro"},
		{"2026-06-02", "Festa della Repubblica"},
		{"2026-08-15", "Ferragosto"},
		{"2026-10-04", "San Francesco d'Assisi"},
		{"2026-11-01", "Ognissanti"},
		{"2026-12-08", "Immacolata Concezione"},
		{"2026-12-25", "Natale"},
		{"2026-12-26", "Santo Stefano"},
	}
	got := NationalHolidays(2026, calRome)
	if len(got) != len(want) {
		t.Fatalf("NationalHolidays(2026): got %d holidays %v, want %d", len(got), got, len(want))
	}
	for i, w := range want {
		if g := got[i].Date.Format(time.DateOnly); g != w.date || got[i].Name != w.name {
			t.Errorf("holiday %d: got %s %q, want %s %q", i, g, got[i].Name, w.date, w.name)
		}
	}
}

func TestHolidaySanFrancescoFrom2026Only(t *testing.T) {
	tests := []struct {
		year int
		want bool
	}{
		{1990, false}, {2005, false}, {2020, false}, {2024, false}, {2025, false},
		{2026, true}, {2027, true}, {2030, true}, {2100, true},
	}
	for _, tc := range tests {
		_, got := holFind(NationalHolidays(tc.year, calRome), time.October, 4)
		if got != tc.want {
			t.Errorf("4 October %d is a holiday: got %v, want %v", tc.year, got, tc.want)
		}
		if got := isNationalHoliday(tc.year, time.October, 4); got != tc.want {
			t.Errorf("isNationalHoliday(%d-10-04): got %v, want %v", tc.year, got, tc.want)
		}
	}
}

func TestHolidayRuleYearsNeverChangePast(t *testing.T) {
	tests := []struct {
		year int
		m    time.Month
		d    int
		want bool
	}{
		{1985, time.January, 6, false},
		{1986, time.January, 6, true},
		{2000, time.June, 2, false},
		{2001, time.June, 2, true},
		{1980, time.December, 26, true},
	}
	for _, tc := range tests {
		_, got := holFind(NationalHolidays(tc.year, calRome), tc.m, tc.d)
		if got != tc.want {
			t.Errorf("%d-%02d-%02d is a holiday: got %v, want %v", tc.year, tc.m, tc.d, got, tc.want)
		}
	}
	// From 2001 the count only changes when Law 151/2025 adds 4 October.
	for y := 2001; y <= 2100; y++ {
		want := 11
		if y >= 2026 {
			want = 12
		}
		if got := len(NationalHolidays(y, calRome)); got != want {
			t.Errorf("len(NationalHolidays(%d)): got %d, want %d", y, got, want)
		}
	}
}

func TestHolidaySortedAtLocalMidnight(t *testing.T) {
	for y := 1990; y <= 2060; y++ {
		hs := NationalHolidays(y, calRome)
		for i, h := range hs {
			if h.Date.Location() != calRome {
				t.Errorf("%d %s: got location %s, want Europe/Rome", y, h.Name, h.Date.Location())
			}
			if h.Date.Hour() != 0 || h.Date.Minute() != 0 || h.Date.Year() != y {
				t.Errorf("%d %s: got %s, want local midnight in %d", y, h.Name, h.Date, y)
			}
			if i > 0 && h.Date.Before(hs[i-1].Date) {
				t.Errorf("%d: got %s before %s, want sorted", y, h.Date.Format(time.DateOnly), hs[i-1].Date.Format(time.DateOnly))
			}
			if !isNationalHoliday(y, h.Date.Month(), h.Date.Day()) {
				t.Errorf("isNationalHoliday(%s): got false, want true", h.Date.Format(time.DateOnly))
			}
		}
	}
}

func TestHolidayEasterMondayOnLiberation(t *testing.T) {
	// 2011: Easter Monday coincides with 25 April; both are listed. 2038: it follows it.
	var got2011 []string
	for _, h := range NationalHolidays(2011, calRome) {
		if h.Date.Month() == time.April && h.Date.Day() == 25 {
			got2011 = append(got2011, h.Name)
		}
	}
	if len(got2011) != 2 {
		t.Errorf("holidays on 2011-04-25: got %v, want Liberazione and Lunedì dell'Angelo", got2011)
	}
	hs := NationalHolidays(2038, calRome)
	if hs[2].Name != "Festa della Liberazione" || hs[3].Name != "Lunedì dell'Angelo" {
		t.Errorf("2038 order: got %q, %q, want Liberazione then Lunedì dell'Angelo", hs[2].Name, hs[3].Name)
	}
}

func TestHolidayNilLocationIsUTC(t *testing.T) {
	h := NationalHolidays(2026, nil)[0]
	if want := time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC); !h.Date.Equal(want) || h.Date.Location() != time.UTC {
		t.Errorf("NationalHolidays(2026, nil)[0]: got %s, want %s", h.Date, want)
	}
}
