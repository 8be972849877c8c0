package domain

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestSignWebhookStandardVector reproduces the Standard Webhooks
// reference vector, so receivers' stock libraries accept what we send.
func TestSignWebhookStandardVector(t *testing.T) {
	got, err := SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if _, err := SignWebhook("whsec_not base64!", "x", time.Unix(0, 0), nil); err == nil {
		t.Error("a secret that is not base64 signed")
	}
}

func TestWebhookRetryBacksOffForADay(t *testing.T) {
	r := DefaultWebhookRetry()
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, w := range want {
		if got := r.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %s, want %s", i+1, got, w)
		}
	}
	if got := r.Delay(40); got != 2*time.Hour {
		t.Errorf("Delay(40) = %s, want the 2h cap", got)
	}
	first := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	if r.Exhausted(first, first.Add(24*time.Hour-time.Second)) || !r.Exhausted(first, first.Add(24*time.Hour)) {
		t.Error("deliveries must be retried for a day, and no longer")
	}
	// Within a day the attempts fit: about 20 of them.
	n, at := 1, first
	for !r.Exhausted(first, at) {
		at = at.Add(r.Delay(n))
		n++
	}
	if n < 15 || n > 25 {
		t.Errorf("%d attempts in a day", n)
	}
}

func TestTicketNoticesByAction(t *testing.T) {
	at := time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ev   Event
		want []EventType
	}{
		{Event{Action: ActionOpen, ToStatus: StatusNuovo}, []EventType{EventTicketCreated}},
		{Event{Action: ActionTakeInCharge, FromStatus: StatusNuovo, ToStatus: StatusAperto}, []EventType{EventTicketStatusChanged}},
		{Event{Action: ActionReply, FromStatus: StatusAperto, ToStatus: StatusAperto}, []EventType{EventTicketReplied}},
		{Event{Action: ActionEscalate, FromStatus: StatusAperto, ToStatus: StatusAperto, FromLevel: 1, ToLevel: 2}, []EventType{EventTicketEscalated}},
		{Event{Action: ActionResolve, FromStatus: StatusAperto, ToStatus: StatusRisolto}, []EventType{EventTicketStatusChanged}},
		{Event{Action: ActionNote, Internal: true}, nil},
		{Event{Action: "wait", FromStatus: StatusAperto, ToStatus: StatusAperto}, []EventType{EventTicketWaiting}},
		{Event{Action: "resume", FromStatus: StatusAperto, ToStatus: StatusAperto}, []EventType{EventTicketResumed}},
		{Event{Action: ActionSLABreached}, []EventType{EventSLABreached}},
	} {
		c.ev.At = at
		var got []EventType
		for _, n := range TicketNotices(Ticket{ID: 7}, c.ev) {
			got = append(got, n.Type)
			if n.Ticket.ID != 7 || !n.At.Equal(at) {
				t.Errorf("%s: notice %+v", c.ev.Action, n)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.ev.Action, got, c.want)
		}
	}
	if got := InterventionNotices(Intervention{ID: 3}, InterventionEvent{Action: InterventionComplete}); len(got) != 1 || got[0].Type != EventInterventionDone {
		t.Errorf("complete gives %v", got)
	}
}

func TestWebhookSubscriptionsAndValidation(t *testing.T) {
	w := Webhook{EventTypes: []string{"intervention.*", "ticket.created"}}
	for et, want := range map[EventType]bool{EventInterventionDone: true, EventTicketCreated: true, EventTicketReplied: false, EventSLABreached: false} {
		if w.Subscribes(et) != want {
			t.Errorf("Subscribes(%s) = %v", et, !want)
		}
	}
	if !(Webhook{EventTypes: []string{"*"}}).Subscribes(EventOutageCreated) {
		t.Error("* does not subscribe to everything")
	}
	for _, bad := range []struct {
		url   string
		types []string
	}{{"ftp://x.org", []string{"*"}}, {"/relative", []string{"*"}}, {"https://x.org", nil},
		{"https://x.org", []string{"ticket.nope"}}, {"https://x.org", []string{"nope.*"}}, {"https://a:b@x.org", []string{"*"}}} {
		if ErrorCode(ValidateWebhook(bad.url, bad.types)) != CodeInvalid {
			t.Errorf("ValidateWebhook(%q, %v) accepted", bad.url, bad.types)
		}
	}
	if err := ValidateWebhook("https://hooks.example.org/helpdesk", []string{"sla.*", "ticket.replied"}); err != nil {
		t.Error(err)
	}
}

func TestForbiddenAddress(t *testing.T) {
	for a, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "10.0.0.1": true, "172.16.5.4": true, "192.168.0.1": true,
		"169.254.169.254": true, "fe80::1": true, "fc00::1": true, "0.0.0.0": true, "::ffff:10.0.0.1": true,
		"100.64.0.1": true, "224.0.0.1": true, "93.184.215.14": false, "2a00:1450:4002::1": false,
	} {
		if got := ForbiddenAddress(netip.MustParseAddr(a)); got != want {
			t.Errorf("ForbiddenAddress(%s) = %v, want %v", a, got, want)
		}
	}
}

// TestWarningDueAtTheShare: the warning is due once 80% of the working
// time is used, not before, counted on the calendar (the night and the
// weekend do not count).
func TestWarningDueAtTheShare(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	cal := Calendar{Location: rome, Hours: DefaultWeekHours()}
	start := time.Date(2026, 3, 13, 13, 0, 0, 0, rome) // Friday 13:00
	c := SLAClock{Code: SLAFirstReply, Target: 6 * time.Hour, Basis: BasisWorking, StartedAt: start, Deadline: cal.Add(start, 6*time.Hour)}
	// 4h48m of working time: Friday 13:00-18:00 is 5h, so 4h48m is Friday 17:48.
	due := time.Date(2026, 3, 13, 17, 48, 0, 0, rome)
	if c.WarningDue(due.Add(-time.Second), cal, SLAWarningShare) || !c.WarningDue(due, cal, SLAWarningShare) {
		t.Errorf("warning not due at exactly 80%% of the working time (%s)", due)
	}
	if !c.WarningDue(time.Date(2026, 3, 14, 12, 0, 0, 0, rome), cal, SLAWarningShare) {
		t.Error("the warning stopped being due over the weekend")
	}
	stopped := c
	stopped.StoppedAt = &due
	if stopped.WarningDue(due.Add(time.Hour), cal, SLAWarningShare) {
		t.Error("a stopped clock is due a warning")
	}
	cc := SLAClock{Target: 2 * time.Hour, Basis: BasisCalendar, StartedAt: start, Deadline: start.Add(2 * time.Hour)}
	if cc.WarningDue(start.Add(96*time.Minute-time.Second), cal, SLAWarningShare) || !cc.WarningDue(start.Add(96*time.Minute), cal, SLAWarningShare) {
		t.Error("calendar clock: warning not due at 96 minutes of 120")
	}
}

// TestWarningNotBeforeWarningFrom: over a week of starts, on both bases,
// no clock is due a warning before WarningFrom; on the calendar basis it
// is due exactly then.
func TestWarningNotBeforeWarningFrom(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	cal := Calendar{Location: rome, Hours: DefaultWeekHours()}
	for start := time.Date(2026, 3, 9, 0, 0, 0, 0, rome); start.Before(time.Date(2026, 3, 16, 0, 0, 0, 0, rome)); start = start.Add(37 * time.Minute) {
		for _, c := range []SLAClock{
			{Target: time.Hour, Basis: BasisWorking, StartedAt: start, Deadline: cal.Add(start, time.Hour)},
			{Target: 6 * time.Hour, Basis: BasisWorking, StartedAt: start, Deadline: cal.Add(start, 6*time.Hour)},
			{Target: 2 * time.Hour, Basis: BasisCalendar, StartedAt: start, Deadline: start.Add(2 * time.Hour)},
		} {
			from := c.WarningFrom(SLAWarningShare)
			if c.WarningDue(from.Add(-time.Nanosecond), cal, SLAWarningShare) {
				t.Fatalf("%s clock of %s started %s: warning due before %s", c.Basis, c.Target, start, from)
			}
			if c.Basis == BasisCalendar && !c.WarningDue(from, cal, SLAWarningShare) {
				t.Fatalf("calendar clock started %s: warning not due at %s", start, from)
			}
		}
	}
}
