package domain

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Dimension is one way of grouping ticket statistics.
type Dimension string

// Dimensions of the ticket statistics.
const (
	DimLevel   Dimension = "level"
	DimStatus  Dimension = "status"
	DimEnte    Dimension = "ente"
	DimService Dimension = "service"
	DimChannel Dimension = "channel"
	DimMonth   Dimension = "month" // year and month of opening, Europe/Rome
)

// Dimensions lists every dimension in the order report columns show them.
var Dimensions = []Dimension{DimLevel, DimStatus, DimEnte, DimService, DimChannel, DimMonth}

// ParseGroupBy parses a comma-separated list of distinct dimensions; the
// empty string means no grouping (one overall row).
func ParseGroupBy(v string) ([]Dimension, error) {
	if v == "" {
		return nil, nil
	}
	var out []Dimension
	for _, p := range strings.Split(v, ",") {
		d := Dimension(strings.TrimSpace(p))
		if !contains(Dimensions, d) {
			return nil, Invalid("group_by names an unknown dimension",
				FieldError{Field: "group_by", Detail: fmt.Sprintf("%q is not one of level, status, ente, service, channel, month", p)})
		}
		if contains(out, d) {
			return nil, Invalid("group_by names a dimension twice",
				FieldError{Field: "group_by", Detail: fmt.Sprintf("%q is given more than once", p)})
		}
		out = append(out, d)
	}
	return out, nil
}

// StatusCounts counts tickets by status, the columns of the report's
// help-desk table.
type StatusCounts struct {
	Nuovo           int64
	Aperto          int64
	Risolto         int64
	NonDiCompetenza int64
}

// Add adds o's counts to c.
func (c *StatusCounts) Add(o StatusCounts) {
	c.Nuovo += o.Nuovo
	c.Aperto += o.Aperto
	c.Risolto += o.Risolto
	c.NonDiCompetenza += o.NonDiCompetenza
}

// Gestiti is the report's "Tot Gestiti": every ticket, whatever its status.
func (c StatusCounts) Gestiti() int64 { return c.Nuovo + c.Aperto + c.Risolto + c.NonDiCompetenza }

// Resolved counts the tickets the report calls "risolti": resolved or
// closed as not our responsibility.
func (c StatusCounts) Resolved() int64 { return c.Risolto + c.NonDiCompetenza }

// ResolutionRate is Resolved / Gestiti, unrounded; ok is false when there
// are no tickets.
func (c StatusCounts) ResolutionRate() (rate float64, ok bool) {
	if c.Gestiti() == 0 {
		return 0, false
	}
	return float64(c.Resolved()) / float64(c.Gestiti()), true
}

// ResolvedPercent is the report's "% Risolti": the resolution rate in
// percent rounded half up to one decimal (3,320 of 3,330 is 99.7). It is
// computed in integers so that no binary fraction tips a half.
func (c StatusCounts) ResolvedPercent() (pct float64, ok bool) {
	g := c.Gestiti()
	if g == 0 {
		return 0, false
	}
	return float64(divRound(c.Resolved()*1000, g)) / 10, true
}

// divRound divides and rounds half away from zero; d must be positive.
func divRound(n, d int64) int64 {
	if n < 0 {
		return -((-2*n + d) / (2 * d))
	}
	return (2*n + d) / (2 * d)
}

// DiffPercent is the year-over-year "Diff %": (this - last) / last in
// percent, rounded half away from zero to a whole number (617,628 to
// 749,866 is 21). ok is false when last is 0, where the report leaves the
// cell empty.
func DiffPercent(last, this int64) (pct int64, ok bool) {
	if last == 0 {
		return 0, false
	}
	return divRound((this-last)*100, last), true
}

// GroupKey identifies one group of a statistics answer; the fields of the
// dimensions not grouped by are zero. Year and Month are set by DimMonth in
// a period's statistics; in year-over-year statistics Month alone is set,
// so that the same month of different years lines up.
type GroupKey struct {
	Level    Level
	Status   Status
	EnteCode string
	Service  string
	Channel  Channel
	Year     int
	Month    int
}

// TicketStatsQuery selects the tickets opened in [From, To) (nil bounds are
// open) of one ente ("" for all) and says how to group them.
type TicketStatsQuery struct {
	From, To *time.Time
	EnteCode string
	GroupBy  []Dimension
	AsOf     *time.Time // the figures as seen at this instant; nil: now
}

// Validate checks that the period is not empty or reversed.
func (q TicketStatsQuery) Validate() error {
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		return Invalid("the period is empty", FieldError{Field: "to", Detail: "must be after from"})
	}
	return nil
}

// TicketStatsRow is one group of ticket statistics.
type TicketStatsRow struct {
	Key    GroupKey
	Counts StatusCounts
}

// Year-over-year limits: the report compares two years; more are allowed
// for trends, within reason.
const (
	MinYoYYears = 2
	MaxYoYYears = 20
	MinYear     = 1990
	MaxYear     = 2200
)

// ParseYears parses the years of a year-over-year comparison: a
// comma-separated list of 2 to 20 distinct years, returned in ascending
// order.
func ParseYears(v string) ([]int, error) {
	bad := func(detail string) error {
		return Invalid("years is not valid", FieldError{Field: "years", Detail: detail})
	}
	if v == "" {
		return nil, bad("is required: two or more years, such as 2016,2017")
	}
	var years []int
	for _, p := range strings.Split(v, ",") {
		y, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || y < MinYear || y > MaxYear {
			return nil, bad(fmt.Sprintf("%q is not a year from %d to %d", p, MinYear, MaxYear))
		}
		if contains(years, y) {
			return nil, bad(fmt.Sprintf("%d is given more than once", y))
		}
		years = append(years, y)
	}
	if len(years) < MinYoYYears || len(years) > MaxYoYYears {
		return nil, bad(fmt.Sprintf("must list %d to %d years", MinYoYYears, MaxYoYYears))
	}
	slices.Sort(years)
	return years, nil
}

// YearStatsQuery selects the tickets opened in the given years (Europe/Rome)
// of one ente ("" for all) and says how to group them.
type YearStatsQuery struct {
	Years    []int
	EnteCode string
	GroupBy  []Dimension
	AsOf     *time.Time // the figures as seen at this instant; nil: now
}

// YearStatsRow is one group of one year.
type YearStatsRow struct {
	Key    GroupKey
	Year   int
	Counts StatusCounts
}

// YoYGroup is one group of a year-over-year table: its counts in each of
// the compared years, in the order of the years.
type YoYGroup struct {
	Key   GroupKey
	Years []StatusCounts
}

// YoY lines up the rows of several years side by side: one group per key,
// in the order the rows first show it, with zero counts for a year without
// tickets in the group, and the overall total of each year.
func YoY(years []int, rows []YearStatsRow) (groups []YoYGroup, total []StatusCounts) {
	total = make([]StatusCounts, len(years))
	at := map[GroupKey]int{}
	groups = []YoYGroup{}
	for _, r := range rows {
		y := slices.Index(years, r.Year)
		if y < 0 {
			continue
		}
		i, ok := at[r.Key]
		if !ok {
			i = len(groups)
			at[r.Key] = i
			groups = append(groups, YoYGroup{Key: r.Key, Years: make([]StatusCounts, len(years))})
		}
		groups[i].Years[y].Add(r.Counts)
		total[y].Add(r.Counts)
	}
	return groups, total
}

// SLAStatsQuery selects the SLA clocks of the tickets opened in [From, To)
// (nil bounds are open) of one ente ("" for all), judged at Now.
type SLAStatsQuery struct {
	From, To *time.Time
	EnteCode string
	Now      time.Time
	// AsOf reads the clocks as they stood at Now: clocks started later do
	// not exist yet, and stops after Now have not happened yet.
	AsOf bool
}

// Validate checks that the period is not empty or reversed.
func (q SLAStatsQuery) Validate() error {
	return TicketStatsQuery{From: q.From, To: q.To}.Validate()
}

// SLACounts are the outcomes of one SLA's clocks: met (stopped by the
// deadline), breached (stopped after it, or still running past it) and
// running (not stopped, deadline not yet reached), judged at one instant.
type SLACounts struct {
	Code     SLACode
	Met      int64
	Breached int64
	Running  int64
}

// SLAReportRow is one row of the report's SLA table.
type SLAReportRow struct {
	Target SLATarget
	Counts SLACounts
	// MeasuredShare is Met / (Met + Breached) in percent, rounded to three
	// decimals as the report shows measurements (99,996%); nil when no
	// clock has an outcome yet.
	MeasuredShare *float64
	// Deviation is MeasuredShare - Target.ExpectedShare in percentage
	// points; nil with MeasuredShare.
	Deviation *float64
}

// SLAReport builds the SLA table: one row per ticket SLA in report order,
// with the targets in force and the counted outcomes (zero when a code
// has no clocks).
func SLAReport(targets SLATargets, counts []SLACounts) []SLAReportRow {
	out := make([]SLAReportRow, 0, len(SLACodes))
	for _, code := range SLACodes {
		row := SLAReportRow{Counts: SLACounts{Code: code}}
		for _, t := range targets {
			if t.Code == code {
				row.Target = t
			}
		}
		row.Target.Code = code
		for _, c := range counts {
			if c.Code == code {
				row.Counts = c
			}
		}
		if n := row.Counts.Met + row.Counts.Breached; n > 0 {
			measured := divRound(row.Counts.Met*100_000, n) // thousandths of a percent
			expected := int64(row.Target.ExpectedShare*1000 + 0.5)
			m, d := float64(measured)/1000, float64(measured-expected)/1000
			row.MeasuredShare, row.Deviation = &m, &d
		}
		out = append(out, row)
	}
	return out
}

// Text says the target as the report does: "entro 1h lavorativa",
// "entro 6h lavorative", "entro 2h dalla comunicazione".
func (t SLATarget) Text() string {
	h, m := int(t.Target/time.Hour), int(t.Target%time.Hour/time.Minute)
	var d string
	switch {
	case h == 0:
		d = fmt.Sprintf("%d'", m)
	case m == 0:
		d = fmt.Sprintf("%dh", h)
	default:
		d = fmt.Sprintf("%dh%d'", h, m)
	}
	if t.Basis != BasisWorking {
		return "entro " + d + " dalla comunicazione"
	}
	switch {
	case h == 0:
		return "entro " + d + " lavorativi" // minuti
	case h == 1 && m == 0:
		return "entro " + d + " lavorativa" // un'ora
	default:
		return "entro " + d + " lavorative" // ore
	}
}

// TicketImport is one row of a historical import from the old system.
// Imported tickets keep their original timestamps. A row with only its
// final state gets no SLA clocks: its service levels were measured in the
// old system, and counting them again from reconstructed timestamps would
// change published figures. A row with its events is replayed (Replay):
// it gets those events, and its clocks as they ran.
type TicketImport struct {
	Line        int // 1-based line of the row in the input
	ExternalID  string
	EnteCode    string
	Level       Level
	Status      Status
	Service     string
	Channel     Channel
	Subject     string
	Description string
	OpenedAt    time.Time
	ClosedAt    *time.Time
	ReceivedAt  *time.Time    // when the report really arrived, if before opened_at: the clocks start then
	Events      []ImportEvent // the history, in time order; an opening event may lead it or is implied

	replayed *Ticket // set by Replay
	history  []Event
}

// ImportEvent is one event of an imported history, in the vocabulary of a
// ticket's events. The from and to fields are optional: given, they must
// agree with what the replay of the action does.
type ImportEvent struct {
	Action     Action
	At         time.Time
	Actor      string
	Body       string
	FromStatus Status
	ToStatus   Status
	FromLevel  Level
	ToLevel    Level
}

// Replay applies the row's events to the ticket it opens, through
// Ticket.Apply and so through the transition table, as an admin acting at
// each event's instant, on the ente's calendar wt and the targets in
// force. Every problem is returned with the row's line and the event's
// index (events[i], counted from 0 including an explicit opening); a
// refused action ends the replay, since later events would be judged on a
// state that never was. On success the row's Ticket and History are the
// replayed ones. A row without events is left as it is.
func (r *TicketImport) Replay(targets SLATargets, wt WorkingTime, now time.Time) []FieldError {
	if len(r.Events) == 0 {
		return nil
	}
	var fe []FieldError
	add := func(i int, field, detail string) {
		f := fmt.Sprintf("events[%d]", i)
		if field != "" {
			f += "." + field
		}
		fe = append(fe, FieldError{Line: r.Line, Field: f, Detail: detail})
	}
	events, first := r.Events, 0
	open := ImportEvent{Action: ActionOpen, At: r.OpenedAt, Actor: "import"}
	if events[0].Action == ActionOpen {
		open, events, first = events[0], events[1:], 1
		if !open.At.Equal(r.OpenedAt) {
			add(0, "at", "the opening event must be at opened_at")
		}
		if open.ToStatus != "" && open.ToStatus != StatusNuovo {
			add(0, "to_status", "a ticket opens as nuovo")
		}
		if open.FromStatus != "" || open.FromLevel != 0 {
			add(0, "", "the opening event has no from_status or from_level")
		}
	}
	level := r.Level
	if open.ToLevel != 0 {
		level = open.ToLevel
		if !level.Valid() {
			add(0, "to_level", "must be 1 or 2")
		}
	} else if slices.ContainsFunc(events, func(e ImportEvent) bool { return e.Action == ActionEscalate }) {
		level = 1 // escalated later, so it opened at level 1
	}
	start := r.OpenedAt
	if r.ReceivedAt != nil {
		start = *r.ReceivedAt
	}
	t := Ticket{
		EnteCode: r.EnteCode, Subject: strings.TrimSpace(r.Subject), Description: r.Description,
		Service: r.Service, Channel: r.Channel, Level: level, Status: StatusNuovo,
		OpenedAt: start, UpdatedAt: r.OpenedAt, ExternalID: r.ExternalID, Version: 1,
	}
	t.Clocks = StartClocks(t, targets, wt)
	t.OpenedAt = r.OpenedAt
	actor := open.Actor
	if actor == "" {
		actor = "import"
	}
	history := []Event{{Action: ActionOpen, ActorName: actor, At: r.OpenedAt, ToStatus: StatusNuovo, ToLevel: level}}
	prev := r.OpenedAt
	for k, e := range events {
		i := k + first
		switch {
		case e.At.IsZero():
			add(i, "at", "is required")
		case e.At.Before(prev):
			add(i, "at", "must not be before the event before it (events are in time order)")
		case e.At.After(now):
			add(i, "at", "must not be in the future")
		case e.Action == ActionOpen:
			add(i, "action", "open can only be the first event")
		case !contains(Actions, e.Action):
			add(i, "action", "must be one of open, "+strings.Join(mapStrings(Actions), ", "))
		case utf8.RuneCountInString(e.Actor) > 100:
			add(i, "actor", "must be at most 100 characters")
		}
		if len(fe) > 0 {
			return fe
		}
		ev, err := t.Apply(Command{Action: e.Action, By: Principal{Role: RoleAdmin, Username: e.Actor}, At: e.At, Body: e.Body}, wt)
		if err != nil {
			var de *Error
			detail := err.Error()
			if errors.As(err, &de) {
				detail = de.Message
				for _, f := range de.Fields {
					detail += ": " + f.Field + " " + f.Detail
				}
			}
			add(i, "action", detail)
			return fe
		}
		declared := func(field string, given, got any, zero bool) {
			if !zero && given != got {
				add(i, field, fmt.Sprintf("is %v, but %s leads from %v to %v", given, e.Action, ev.FromStatus, ev.ToStatus))
			}
		}
		declared("from_status", e.FromStatus, ev.FromStatus, e.FromStatus == "")
		declared("to_status", e.ToStatus, ev.ToStatus, e.ToStatus == "")
		if e.FromLevel != 0 && e.FromLevel != ev.FromLevel || e.ToLevel != 0 && e.ToLevel != ev.ToLevel {
			add(i, "level", fmt.Sprintf("from_level %d to_level %d given, but %s leads from level %d to %d",
				e.FromLevel, e.ToLevel, e.Action, ev.FromLevel, ev.ToLevel))
		}
		history = append(history, ev)
		prev = e.At
	}
	if len(fe) > 0 {
		return fe
	}
	final := func(field, detail string) { fe = append(fe, FieldError{Line: r.Line, Field: field, Detail: detail}) }
	if t.Status != r.Status {
		final("status", fmt.Sprintf("is %s, but the events leave the ticket %s", r.Status, t.Status))
	}
	if t.Level != r.Level {
		final("level", fmt.Sprintf("is %d, but the events leave the ticket at level %d", r.Level, t.Level))
	}
	if r.ClosedAt != nil && (t.ClosedAt == nil || !t.ClosedAt.Truncate(time.Microsecond).Equal(r.ClosedAt.Truncate(time.Microsecond))) {
		final("closed_at", "does not match the closing event of the history")
	}
	if len(fe) > 0 {
		return fe
	}
	t.AssigneeID = nil // the old system's users are not ours
	r.replayed, r.history = &t, history
	return nil
}

// History is the replayed history of a row (Replay), opening first; nil
// for a row without events.
func (r TicketImport) History() []Event { return r.history }

func mapStrings[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// MaxImportErrors bounds the errors one import answers with, so that a
// wholly wrong file does not produce a response larger than itself.
const MaxImportErrors = 1000

// ValidateImport checks every row of an import and returns every problem
// with its line: the ticket fields, the timestamps, the ente (knownEnte
// says which codes exist) and external ids repeated within the batch.
func ValidateImport(rows []TicketImport, now time.Time, knownEnte func(string) bool) []FieldError {
	var fe []FieldError
	first := make(map[string]int, len(rows))
	for _, r := range rows {
		add := func(field, detail string) { fe = append(fe, FieldError{Field: field, Detail: detail, Line: r.Line}) }
		switch {
		case strings.TrimSpace(r.ExternalID) == "":
			add("external_id", "is required")
		case utf8.RuneCountInString(r.ExternalID) > 100 || strings.TrimSpace(r.ExternalID) != r.ExternalID:
			add("external_id", "must be 1 to 100 characters without leading or trailing spaces")
		default:
			if line, dup := first[r.ExternalID]; dup {
				add("external_id", fmt.Sprintf("%q is already used at line %d of this import", r.ExternalID, line))
			} else {
				first[r.ExternalID] = r.Line
			}
		}
		n := NewTicket{EnteCode: r.EnteCode, Subject: r.Subject, Description: r.Description,
			Service: r.Service, Channel: r.Channel, Level: r.Level}
		var invalid *Error
		if errors.As(n.Validate(), &invalid) {
			for _, f := range invalid.Fields {
				add(f.Field, f.Detail)
			}
		}
		if r.EnteCode != "" && !knownEnte(r.EnteCode) {
			add("ente", fmt.Sprintf("%q is not a known ente code", r.EnteCode))
		}
		if !r.Status.Valid() {
			add("status", "must be one of nuovo, aperto, risolto, non_di_competenza")
		}
		switch {
		case r.OpenedAt.IsZero():
			add("opened_at", "is required")
		case r.OpenedAt.After(now):
			add("opened_at", "must not be in the future")
		}
		if r.ReceivedAt != nil && !r.OpenedAt.IsZero() && r.ReceivedAt.After(r.OpenedAt) {
			add("received_at", "must not be after opened_at")
		}
		switch {
		case r.ClosedAt == nil && r.Status.Closed() && len(r.Events) == 0:
			add("closed_at", "is required for a closed status ("+string(r.Status)+")")
		case r.ClosedAt != nil && r.Status.Valid() && !r.Status.Closed():
			add("closed_at", "must be empty for an open status ("+string(r.Status)+")")
		case r.ClosedAt != nil && !r.OpenedAt.IsZero() && r.ClosedAt.Before(r.OpenedAt):
			add("closed_at", "must not be before opened_at")
		case r.ClosedAt != nil && r.ClosedAt.After(now):
			add("closed_at", "must not be in the future")
		}
	}
	return fe
}

// Ticket is the ticket an import row stores: the replayed one when the row
// has events (Replay), else version 1, nobody assigned, no clocks, last
// updated when it was closed (or opened) in the old system.
func (r TicketImport) Ticket() Ticket {
	if r.replayed != nil {
		return *r.replayed
	}
	t := Ticket{
		EnteCode: r.EnteCode, Subject: strings.TrimSpace(r.Subject), Description: r.Description,
		Service: r.Service, Channel: r.Channel, Level: r.Level, Status: r.Status,
		OpenedAt: r.OpenedAt, UpdatedAt: r.OpenedAt, ExternalID: r.ExternalID, Version: 1,
	}
	if r.ClosedAt != nil {
		at := *r.ClosedAt
		t.ClosedAt, t.UpdatedAt = &at, at
	}
	return t
}

// ImportDiff names the fields in which a stored ticket differs from the
// import row with its external id; none means the row is already imported.
func ImportDiff(stored Ticket, r TicketImport) []string {
	want := r.Ticket()
	var diff []string
	check := func(field string, same bool) {
		if !same {
			diff = append(diff, field)
		}
	}
	check("ente", stored.EnteCode == want.EnteCode)
	check("level", stored.Level == want.Level)
	check("status", stored.Status == want.Status)
	check("service", stored.Service == want.Service)
	check("channel", stored.Channel == want.Channel)
	check("subject", stored.Subject == want.Subject)
	check("description", stored.Description == want.Description)
	// Databases keep microseconds; a finer input instant is the same one.
	same := func(a, b time.Time) bool { return a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond)) }
	check("opened_at", same(stored.OpenedAt, want.OpenedAt))
	check("closed_at", (stored.ClosedAt == nil) == (want.ClosedAt == nil) &&
		(stored.ClosedAt == nil || same(*stored.ClosedAt, *want.ClosedAt)))
	return diff
}

// ImportResult says what an import did: rows received, tickets created,
// and rows already imported with the same content.
type ImportResult struct {
	Received  int
	Created   int
	Unchanged int
}
