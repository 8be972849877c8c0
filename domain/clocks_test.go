package domain_test

import (
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

var (
	clkOp   = domain.Principal{UserID: 2, Username: "op", Role: domain.RoleOperator, Level: 2}
	clkEnte = domain.Principal{UserID: 3, Username: "ente", Role: domain.RoleEnte, EnteCode: "dicomano"}
)

func TestCheckArrivalWindowAndSkew(t *testing.T) {
	now := ivAt(2026, time.March, 10, 9, 0)
	week := domain.DefaultBackdateWindow
	for _, c := range []struct {
		name   string
		at     time.Time
		window time.Duration
		ok     bool
	}{
		{"zero is now", time.Time{}, week, true},
		{"now", now, week, true},
		{"skew 5 s", now.Add(5 * time.Second), week, true},
		{"6 s ahead", now.Add(6 * time.Second), week, false},
		{"just inside the window", now.Add(-week), week, true},
		{"just outside the window", now.Add(-week - time.Microsecond), week, false},
		{"no window: years back", now.AddDate(-9, 0, 0), 0, true},
		{"no window: still not in the future", now.Add(time.Minute), 0, false},
	} {
		err := domain.CheckArrival("received_at", c.at, now, c.window)
		if (err == nil) != c.ok {
			t.Errorf("%s: got %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && (domain.ErrorCode(err) != domain.CodeInvalid || err.(*domain.Error).Fields[0].Field != "received_at") {
			t.Errorf("%s: got %v, want an invalid received_at", c.name, err)
		}
	}
}

// openAt opens a phone ticket of a comune received at `received`, entered at now.
func openAt(t *testing.T, received, now time.Time, cal domain.Calendar) domain.Ticket {
	t.Helper()
	tk, ev, err := domain.Open(domain.NewTicket{EnteCode: "dicomano", Subject: "Telefonata", Service: "ced_multiente",
		Channel: domain.ChannelPhone, Level: 1, ReceivedAt: received, Window: domain.DefaultBackdateWindow},
		clkOp, now, domain.DefaultSLATargets(), cal)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !ev.At.Equal(received) || !ev.EnteredAt.Equal(now) || !tk.EnteredAt.Equal(now) || !tk.OpenedAt.Equal(received) {
		t.Fatalf("opening: event at %v entered %v, ticket opened %v entered %v; want %v and %v", ev.At, ev.EnteredAt, tk.OpenedAt, tk.EnteredAt, received, now)
	}
	return tk
}

func wantDeadline(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s: got %s, want %s", what, got.In(ivRome).Format("Mon 2006-01-02 15:04 MST"), want.In(ivRome).Format("Mon 2006-01-02 15:04 MST"))
	}
}

func TestReceivedAtStartsTheClocksAndSan4OctoberCountsFrom2026(t *testing.T) {
	// Friday 1 October 2027 15:00, entered 20 minutes later: 3 h on Friday,
	// Monday 4 October is San Francesco (from 2026), so SLA.7 ends Tuesday 11:00.
	tk := openAt(t, ivAt(2027, time.October, 1, 15, 0), ivAt(2027, time.October, 1, 15, 20), ivComuneCal)
	c, _ := tk.Clock(domain.SLAFirstReply)
	wantDeadline(t, "SLA.7 2027", c.Deadline, ivAt(2027, time.October, 5, 11, 0))
	c, _ = tk.Clock(domain.SLAPhoneIntervention)
	wantDeadline(t, "SLA.8 (calendar) 2027", c.Deadline, ivAt(2027, time.October, 1, 17, 0))
	// Thursday 3 October 2024: the 4th was a working Friday then.
	tk = openAt(t, ivAt(2024, time.October, 3, 15, 0), ivAt(2024, time.October, 3, 15, 1), ivComuneCal)
	c, _ = tk.Clock(domain.SLAFirstReply)
	wantDeadline(t, "SLA.7 2024", c.Deadline, ivAt(2024, time.October, 4, 11, 0))
}

func TestEnteUsersCannotBackDate(t *testing.T) {
	now := ivAt(2026, time.March, 10, 9, 0)
	_, _, err := domain.Open(domain.NewTicket{EnteCode: "dicomano", Subject: "x", Service: "app", Channel: domain.ChannelEmail, Level: 1,
		ReceivedAt: now.Add(-time.Hour), Window: domain.DefaultBackdateWindow}, clkEnte, now, domain.DefaultSLATargets(), ivComuneCal)
	if domain.ErrorCode(err) != domain.CodeForbidden || err.(*domain.Error).Fields[0].Field != "received_at" {
		t.Errorf("ticket: got %v, want 403 naming received_at", err)
	}
	_, _, err = domain.RequestIntervention(domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "x",
		RequestedAt: now.Add(-time.Hour), Window: domain.DefaultBackdateWindow}, ivDicomano, clkEnte, now, ivComuneCal)
	if domain.ErrorCode(err) != domain.CodeForbidden || err.(*domain.Error).Fields[0].Field != "requested_at" {
		t.Errorf("intervention: got %v, want 403 naming requested_at", err)
	}
}

func apply(t *testing.T, tk *domain.Ticket, c domain.Command, cal domain.Calendar) domain.Event {
	t.Helper()
	ev, err := tk.Apply(c, cal)
	if err != nil {
		t.Fatalf("%s: %v", c.Action, err)
	}
	return ev
}

func TestPauseAcrossAHolidayMovesTheDeadlineByItsWorkingTime(t *testing.T) {
	// SLA.7 from Thursday 30 September 2027 10:00 ends at 16:00; a wait
	// from 12:00 (4 h left) to Tuesday 5 October 10:00 spans Friday and the
	// holiday of Monday 4 October: 18 working hours, so it ends Tuesday 14:00.
	start := ivAt(2027, time.September, 30, 10, 0)
	tk := openAt(t, start, start, ivComuneCal)
	apply(t, &tk, domain.Command{Action: domain.ActionTakeInCharge, By: clkOp, At: start.Add(10 * time.Minute)}, ivComuneCal)
	waitAt := ivAt(2027, time.September, 30, 12, 0)
	ev := apply(t, &tk, domain.Command{Action: domain.ActionWait, By: clkOp, At: waitAt, Body: "attendiamo i log",
		Wait: domain.WaitCommand{On: domain.WaitingOnEnte}}, ivComuneCal)
	if ev.Action != domain.ActionWait || ev.WaitingOn != domain.WaitingOnEnte || ev.Body != "attendiamo i log" || tk.Status != domain.StatusAperto {
		t.Fatalf("wait event %+v, status %s", ev, tk.Status)
	}
	c, _ := tk.Clock(domain.SLAFirstReply)
	if got := c.State(ivAt(2027, time.December, 1, 9, 0)); got != domain.SLARunning {
		t.Errorf("paused clock months later: got %s, want running", got)
	}
	if c.BreachAt() != nil {
		t.Errorf("an open-ended pause has a breach instant %v", c.BreachAt())
	}
	if _, err := tk.Apply(domain.Command{Action: domain.ActionWait, By: clkOp, At: waitAt, Body: "ancora", Wait: domain.WaitCommand{On: domain.WaitingOnEnte}}, ivComuneCal); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("second wait: got %v, want 409", err)
	}
	apply(t, &tk, domain.Command{Action: domain.ActionResume, By: clkOp, At: ivAt(2027, time.October, 5, 10, 0)}, ivComuneCal)
	c, _ = tk.Clock(domain.SLAFirstReply)
	wantDeadline(t, "SLA.7 after the pause", c.Deadline, ivAt(2027, time.October, 5, 14, 0))
	if c.Paused != 18*time.Hour || c.Pause != nil || tk.Waiting != nil {
		t.Errorf("paused %v, pause %v, waiting %v; want 18h and none", c.Paused, c.Pause, tk.Waiting)
	}
	if _, err := tk.Apply(domain.Command{Action: domain.ActionResume, By: clkOp, At: ivAt(2027, time.October, 5, 10, 1)}, ivComuneCal); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("resume when not waiting: got %v, want 409", err)
	}
	// A reply at the moved deadline is met, and 4 working hours were taken.
	apply(t, &tk, domain.Command{Action: domain.ActionReply, By: clkOp, At: ivAt(2027, time.October, 5, 14, 0), Body: "fatto"}, ivComuneCal)
	c, _ = tk.Clock(domain.SLAFirstReply)
	if c.State(c.Deadline.Add(time.Hour)) != domain.SLAMet || c.Elapsed != 6*time.Hour {
		t.Errorf("got %s with %v elapsed, want met with 6h (paused time excluded)", c.State(c.Deadline), c.Elapsed)
	}
}

func TestWaitUntilEndsByItself(t *testing.T) {
	start := ivAt(2027, time.September, 30, 10, 0)
	tk := openAt(t, start, start, ivComuneCal)
	apply(t, &tk, domain.Command{Action: domain.ActionTakeInCharge, By: clkOp, At: start}, ivComuneCal)
	until := ivAt(2027, time.October, 1, 12, 0)
	apply(t, &tk, domain.Command{Action: domain.ActionWait, By: clkOp, At: ivAt(2027, time.September, 30, 12, 0), Body: "fornitore",
		Wait: domain.WaitCommand{On: domain.WaitingOnThirdParty, Until: &until}}, ivComuneCal)
	c, _ := tk.Clock(domain.SLAFirstReply)
	// 6 h on Thursday and 4 h on Friday paused: 16:00 Thursday moves to 16:00 Friday.
	dl := ivAt(2027, time.October, 1, 16, 0)
	wantDeadline(t, "breach instant", *c.BreachAt(), dl)
	for _, s := range []struct {
		at   time.Time
		want domain.SLAState
	}{
		{until.Add(-time.Microsecond), domain.SLARunning},
		{dl, domain.SLARunning},
		{dl.Add(time.Microsecond), domain.SLABreached},
	} {
		if got := c.State(s.at); got != s.want {
			t.Errorf("at %s: got %s, want %s", s.at, got, s.want)
		}
	}
	if !tk.At(until.Add(-time.Second)).Waiting.Active(until.Add(-time.Second)) || tk.At(until).Waiting != nil {
		t.Error("the wait should hold until 12:00 Friday and end then")
	}
	// The next action sees the wait over: resume is a 409, a new wait is allowed.
	if _, err := tk.Apply(domain.Command{Action: domain.ActionResume, By: clkOp, At: until.Add(time.Minute)}, ivComuneCal); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("resume after until: got %v, want 409", err)
	}
	wantDeadline(t, "settled deadline", tk.At(until).Clocks[1].Deadline, dl)
}

func TestWaitRefusals(t *testing.T) {
	now := ivAt(2026, time.March, 10, 9, 0)
	w := domain.WaitCommand{On: domain.WaitingOnReporter}
	tk := openAt(t, now, now, ivComuneCal)
	if _, err := tk.Apply(domain.Command{Action: domain.ActionWait, By: clkOp, At: now, Body: "x", Wait: w}, ivComuneCal); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("wait on nuovo: got %v, want 409", err)
	}
	apply(t, &tk, domain.Command{Action: domain.ActionTakeInCharge, By: clkOp, At: now}, ivComuneCal)
	for name, c := range map[string]domain.Command{
		"no reason":     {Action: domain.ActionWait, By: clkOp, At: now, Wait: w},
		"bad party":     {Action: domain.ActionWait, By: clkOp, At: now, Body: "x", Wait: domain.WaitCommand{On: "nobody"}},
		"until in past": {Action: domain.ActionWait, By: clkOp, At: now, Body: "x", Wait: domain.WaitCommand{On: domain.WaitingOnEnte, Until: &now}},
	} {
		if _, err := tk.Apply(c, ivComuneCal); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("%s: got %v, want 400", name, err)
		}
	}
	apply(t, &tk, domain.Command{Action: domain.ActionResolve, By: clkOp, At: now}, ivComuneCal)
	if _, err := tk.Apply(domain.Command{Action: domain.ActionWait, By: clkOp, At: now, Body: "x", Wait: w}, ivComuneCal); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("wait on risolto: got %v, want 409", err)
	}
}

func TestEnteReplyResumesWithoutStoppingTheDesksClock(t *testing.T) {
	start := ivAt(2026, time.March, 10, 9, 0)
	tk := openAt(t, start, start, ivComuneCal)
	apply(t, &tk, domain.Command{Action: domain.ActionTakeInCharge, By: clkOp, At: start}, ivComuneCal)
	apply(t, &tk, domain.Command{Action: domain.ActionWait, By: clkOp, At: start.Add(time.Hour), Body: "serve il numero di protocollo",
		Wait: domain.WaitCommand{On: domain.WaitingOnEnte}}, ivComuneCal)
	apply(t, &tk, domain.Command{Action: domain.ActionReply, By: clkEnte, At: start.Add(3 * time.Hour), Body: "Protocollo 123"}, ivComuneCal)
	c, _ := tk.Clock(domain.SLAFirstReply)
	if tk.Waiting != nil || c.StoppedAt != nil || c.Paused != 2*time.Hour {
		t.Fatalf("after the ente's reply: waiting %v, stopped %v, paused %v; want resumed, running, 2h", tk.Waiting, c.StoppedAt, c.Paused)
	}
	wantDeadline(t, "SLA.7", c.Deadline, ivAt(2026, time.March, 10, 17, 0))
	other := clkEnte
	other.EnteCode = "firenze"
	if _, err := tk.Apply(domain.Command{Action: domain.ActionReply, By: other, At: start, Body: "x"}, ivComuneCal); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("another ente's reply: got %v, want 403", err)
	}
	if _, err := tk.Apply(domain.Command{Action: domain.ActionResolve, By: clkEnte, At: start}, ivComuneCal); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("an ente resolving: got %v, want 403", err)
	}
}

func TestInterventionPauseMovesTheTierDeadline(t *testing.T) {
	// 4h requested Friday 1 October 2027 16:00, entered at 16:30: 2 h on
	// Friday, Monday 4 October is a holiday, due Tuesday 10:00. Paused from Friday 17:00 (1 h left) to Tuesday 09:00:
	// 2 working hours, so due Tuesday 12:00.
	req, now := ivAt(2027, time.October, 1, 16, 0), ivAt(2027, time.October, 1, 16, 30)
	iv, ev, err := domain.RequestIntervention(domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "stampante",
		RequestedAt: req, Window: domain.DefaultBackdateWindow}, ivDicomano, clkOp, now, ivComuneCal)
	if err != nil {
		t.Fatal(err)
	}
	if !ev.At.Equal(req) || !ev.EnteredAt.Equal(now) || !iv.RequestedAt.Equal(req) {
		t.Errorf("event at %v entered %v; want %v, %v", ev.At, ev.EnteredAt, req, now)
	}
	wantDeadline(t, "tier 4h", iv.Deadline, ivAt(2027, time.October, 5, 10, 0))
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionWait, By: clkOp, At: ivAt(2027, time.October, 1, 17, 0),
		Note: "manca il toner", Wait: domain.WaitCommand{On: domain.WaitingOnThirdParty}}, ivComuneCal); err != nil {
		t.Fatal(err)
	}
	if iv.Overdue(ivAt(2027, time.November, 1, 9, 0)) {
		t.Error("a paused intervention is overdue")
	}
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionResume, By: clkOp, At: ivAt(2027, time.October, 5, 9, 0)}, ivComuneCal); err != nil {
		t.Fatal(err)
	}
	wantDeadline(t, "after the pause", iv.Deadline, ivAt(2027, time.October, 5, 12, 0))
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionResume, By: clkOp, At: ivAt(2027, time.October, 5, 9, 1)}, ivComuneCal); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("resume when not waiting: got %v, want 409", err)
	}
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionCancel, By: clkOp, At: ivAt(2027, time.October, 5, 9, 2), Note: "annullato"}, ivComuneCal); err != nil {
		t.Fatal(err)
	}
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionWait, By: clkOp, At: ivAt(2027, time.October, 5, 9, 3), Note: "x",
		Wait: domain.WaitCommand{On: domain.WaitingOnEnte}}, ivComuneCal); domain.ErrorCode(err) != domain.CodeConflict {
		t.Errorf("wait on a cancelled intervention: got %v, want 409", err)
	}
}

func TestPreviewNamesTheDaysItSkips(t *testing.T) {
	// SLA.7 from Wednesday 23 June 2027 15:00: Thursday 24 is San Giovanni
	// in Firenze, so 6 working hours end Friday 25 June 11:00; in a comune
	// without that closure, Thursday 11:00.
	from := ivAt(2027, time.June, 23, 15, 0)
	tg := domain.DefaultSLATargets()[1]
	p := domain.PreviewSLA(ivFirenzeCal, from, tg)
	wantDeadline(t, "Firenze", p.Deadline, ivAt(2027, time.June, 25, 11, 0))
	if len(p.Rule.Skipped) != 1 || p.Rule.Skipped[0].Why != "closure" || p.Rule.Skipped[0].Detail != "San Giovanni" {
		t.Errorf("Firenze skipped %+v, want San Giovanni", p.Rule.Skipped)
	}
	p = domain.PreviewSLA(ivComuneCal, from, tg)
	wantDeadline(t, "no closure", p.Deadline, ivAt(2027, time.June, 24, 11, 0))
	if len(p.Rule.Skipped) != 0 {
		t.Errorf("no closure skipped %+v, want none", p.Rule.Skipped)
	}
	// Both DST weekends of 2026: Friday 17:00 + 2 working hours is Monday 09:00.
	for _, fri := range []time.Time{ivAt(2026, time.March, 27, 17, 0), ivAt(2026, time.October, 23, 17, 0)} {
		p := domain.PreviewWorking(ivComuneCal, fri, 2*time.Hour)
		wantDeadline(t, "DST weekend", p.Deadline, fri.AddDate(0, 0, 3).Add(-8*time.Hour))
		if len(p.Rule.Skipped) != 2 || p.Rule.Skipped[0].Why != "weekend" {
			t.Errorf("DST weekend skipped %+v, want Saturday and Sunday", p.Rule.Skipped)
		}
	}
	// A law's holiday: nbd from Friday 2 October 2026 is Monday 5th (4th is
	// a Sunday); from Friday 1 October 2027 it is Tuesday 5th, skipping San Francesco.
	p = domain.PreviewTier(ivComuneCal, ivAt(2027, time.October, 1, 10, 0), domain.TierNBD)
	wantDeadline(t, "nbd 2027", p.Deadline, ivAt(2027, time.October, 5, 18, 0))
	if n := len(p.Rule.Skipped); n != 3 || p.Rule.Skipped[2].Why != "national_holiday" || p.Rule.Skipped[2].Detail != "San Francesco d'Assisi" {
		t.Errorf("nbd 2027 skipped %+v, want the weekend and San Francesco", p.Rule.Skipped)
	}
	p = domain.PreviewTier(ivComuneCal, ivAt(2024, time.October, 3, 10, 0), domain.TierNBD)
	wantDeadline(t, "nbd 2024", p.Deadline, ivAt(2024, time.October, 4, 18, 0))
}
