package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

// flat is a WorkingTime where every instant is working time, so SLA
// arithmetic in these tests is plain time arithmetic.
type flat struct{}

func (flat) Add(t time.Time, d time.Duration) time.Time { return t.Add(d) }
func (flat) Between(a, b time.Time) time.Duration {
	if b.Before(a) {
		return 0
	}
	return b.Sub(a)
}

var (
	t0       = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	operator = domain.Principal{UserID: 7, Username: "op2", Role: domain.RoleOperator, Level: 2}
)

func TestNextCoversEveryStatusActionPair(t *testing.T) {
	// want is the whole state machine; "" means the pair is refused with 409.
	want := map[domain.Status]map[domain.Action]domain.Status{
		domain.StatusNuovo: {
			domain.ActionTakeInCharge: domain.StatusAperto, domain.ActionReply: domain.StatusNuovo,
			domain.ActionNote: domain.StatusNuovo, domain.ActionEscalate: domain.StatusNuovo,
			domain.ActionResolve: domain.StatusRisolto, domain.ActionCloseNotCompetent: domain.StatusNonDiCompetenza,
			domain.ActionReopen: "", domain.ActionWait: "", domain.ActionResume: "",
		},
		domain.StatusAperto: {
			domain.ActionTakeInCharge: "", domain.ActionReply: domain.StatusAperto,
			domain.ActionNote: domain.StatusAperto, domain.ActionEscalate: domain.StatusAperto,
			domain.ActionResolve: domain.StatusRisolto, domain.ActionCloseNotCompetent: domain.StatusNonDiCompetenza,
			domain.ActionReopen: "", domain.ActionWait: domain.StatusAperto, domain.ActionResume: domain.StatusAperto,
		},
		domain.StatusRisolto: {
			domain.ActionTakeInCharge: "", domain.ActionReply: "", domain.ActionNote: domain.StatusRisolto,
			domain.ActionEscalate: "", domain.ActionResolve: "", domain.ActionCloseNotCompetent: "",
			domain.ActionReopen: domain.StatusAperto,
		},
		domain.StatusNonDiCompetenza: {
			domain.ActionTakeInCharge: "", domain.ActionReply: "", domain.ActionNote: domain.StatusNonDiCompetenza,
			domain.ActionEscalate: "", domain.ActionResolve: "", domain.ActionCloseNotCompetent: "",
			domain.ActionReopen: domain.StatusAperto,
		},
	}
	for _, s := range domain.Statuses {
		for _, a := range domain.Actions {
			got, err := domain.Next(s, a)
			w := want[s][a]
			switch {
			case w == "" && domain.ErrorCode(err) != domain.CodeConflict:
				t.Errorf("Next(%s, %s) = %q, %v; want a conflict", s, a, got, err)
			case w == "" && err != nil && len(err.Error()) < 20:
				t.Errorf("Next(%s, %s): conflict %q does not say why", s, a, err)
			case w != "" && (err != nil || got != w):
				t.Errorf("Next(%s, %s) = %q, %v; want %q", s, a, got, err, w)
			}
		}
	}
}

func TestNextRejectsUnknownAction(t *testing.T) {
	if _, err := domain.Next(domain.StatusNuovo, "explode"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("got %v, want an invalid error", err)
	}
}

func newTicket(t *testing.T, ch domain.Channel) domain.Ticket {
	t.Helper()
	tk, _, err := domain.Open(domain.NewTicket{
		EnteCode: "firenze", Subject: "Portale non raggiungibile", Service: "portale_servizi",
		Channel: ch, Level: 1,
	}, domain.Principal{UserID: 1, Role: domain.RoleOperator, Level: 1}, t0, domain.DefaultSLATargets(), flat{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return tk
}

func TestOpenStartsClocks(t *testing.T) {
	phone := newTicket(t, domain.ChannelPhone)
	if got, want := len(phone.Clocks), 3; got != want {
		t.Fatalf("phone ticket has %d clocks, want %d", got, want)
	}
	c, _ := phone.Clock(domain.SLATakeInCharge)
	if want := t0.Add(time.Hour); !c.Deadline.Equal(want) {
		t.Errorf("SLA.6 deadline = %v, want %v", c.Deadline, want)
	}
	c, _ = phone.Clock(domain.SLAFirstReply)
	if want := t0.Add(6 * time.Hour); !c.Deadline.Equal(want) {
		t.Errorf("SLA.7 deadline = %v, want %v", c.Deadline, want)
	}
	if email := newTicket(t, domain.ChannelEmail); len(email.Clocks) != 2 {
		t.Errorf("email ticket has %d clocks, want 2 (no SLA.8)", len(email.Clocks))
	}
}

func TestApplyStopsClocksAndRecordsEvent(t *testing.T) {
	tk := newTicket(t, domain.ChannelPhone)
	ev, err := tk.Apply(domain.Command{Action: domain.ActionTakeInCharge, By: operator, At: t0.Add(30 * time.Minute)}, flat{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.FromStatus != domain.StatusNuovo || ev.ToStatus != domain.StatusAperto || ev.ActorID != operator.UserID {
		t.Errorf("event = %+v, want nuovo→aperto by %d", ev, operator.UserID)
	}
	if tk.AssigneeID == nil || *tk.AssigneeID != operator.UserID {
		t.Errorf("assignee = %v, want %d", tk.AssigneeID, operator.UserID)
	}
	c, _ := tk.Clock(domain.SLATakeInCharge)
	if got := c.State(t0.Add(48 * time.Hour)); got != domain.SLAMet {
		t.Errorf("SLA.6 state = %s, want met", got)
	}
	if c.Elapsed != 30*time.Minute {
		t.Errorf("SLA.6 elapsed = %v, want 30m", c.Elapsed)
	}
	c, _ = tk.Clock(domain.SLAFirstReply)
	if got := c.State(t0.Add(7 * time.Hour)); got != domain.SLABreached {
		t.Errorf("SLA.7 with no reply after 7h = %s, want breached", got)
	}
	if got := c.State(t0.Add(5 * time.Hour)); got != domain.SLARunning {
		t.Errorf("SLA.7 after 5h = %s, want running", got)
	}
	if tk.Version != 2 {
		t.Errorf("version = %d, want 2", tk.Version)
	}
}

func TestApplyBreachedWhenStoppedLate(t *testing.T) {
	tk := newTicket(t, domain.ChannelPhone)
	if _, err := tk.Apply(domain.Command{Action: domain.ActionResolve, By: operator, At: t0.Add(3 * time.Hour)}, flat{}); err != nil {
		t.Fatal(err)
	}
	for code, want := range map[domain.SLACode]domain.SLAState{
		domain.SLATakeInCharge: domain.SLABreached, domain.SLAFirstReply: domain.SLAMet, domain.SLAPhoneIntervention: domain.SLABreached,
	} {
		c, _ := tk.Clock(code)
		if got := c.State(t0.Add(3 * time.Hour)); got != want {
			t.Errorf("%s = %s, want %s", code, got, want)
		}
	}
	if tk.ClosedAt == nil || tk.Status != domain.StatusRisolto {
		t.Errorf("status %s closed %v, want risolto with a close time", tk.Status, tk.ClosedAt)
	}
}

func TestApplyRules(t *testing.T) {
	level1 := domain.Principal{UserID: 3, Role: domain.RoleOperator, Level: 1}
	ente := domain.Principal{UserID: 4, Role: domain.RoleEnte, EnteCode: "firenze"}
	tests := []struct {
		name  string
		setup []domain.Action
		by    domain.Principal
		cmd   domain.Action
		body  string
		want  domain.Code
	}{
		{"ente user cannot act", nil, ente, domain.ActionTakeInCharge, "", domain.CodeForbidden},
		{"ente user replies to an open ticket", nil, ente, domain.ActionReply, "grazie", ""},
		{"ente user replies to a level 2 ticket", []domain.Action{domain.ActionEscalate}, ente, domain.ActionReply, "grazie", ""},
		{"ente user cannot add a note", nil, ente, domain.ActionNote, "nota", domain.CodeForbidden},
		{"ente user cannot resolve", nil, ente, domain.ActionResolve, "", domain.CodeForbidden},
		{"ente user cannot reply to a closed ticket", []domain.Action{domain.ActionResolve}, ente, domain.ActionReply, "ancora", domain.CodeConflict},
		{"another ente's user cannot reply", nil, domain.Principal{UserID: 5, Role: domain.RoleEnte, EnteCode: "prato"}, domain.ActionReply, "x", domain.CodeForbidden},
		{"technician cannot reply", nil, domain.Principal{UserID: 6, Role: domain.RoleTechnician}, domain.ActionReply, "x", domain.CodeForbidden},
		{"escalate twice", []domain.Action{domain.ActionEscalate}, operator, domain.ActionEscalate, "", domain.CodeConflict},
		{"level 1 cannot resolve a level 2 ticket", []domain.Action{domain.ActionEscalate}, level1, domain.ActionResolve, "", domain.CodeForbidden},
		{"level 1 may note a level 2 ticket", []domain.Action{domain.ActionEscalate}, level1, domain.ActionNote, "seen", ""},
		{"reply needs a body", nil, operator, domain.ActionReply, "  ", domain.CodeInvalid},
		{"not competent needs a reason", nil, operator, domain.ActionCloseNotCompetent, "", domain.CodeInvalid},
		{"reopen a resolved ticket", []domain.Action{domain.ActionResolve}, operator, domain.ActionReopen, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := newTicket(t, domain.ChannelEmail)
			for _, a := range tt.setup {
				if _, err := tk.Apply(domain.Command{Action: a, By: operator, At: t0, Body: "x"}, flat{}); err != nil {
					t.Fatalf("setup %s: %v", a, err)
				}
			}
			_, err := tk.Apply(domain.Command{Action: tt.cmd, By: tt.by, At: t0, Body: tt.body}, flat{})
			if tt.want == "" && err != nil || tt.want != "" && domain.ErrorCode(err) != tt.want {
				t.Errorf("got %v, want code %q", err, tt.want)
			}
		})
	}
}

// The ente's own reply is not the desk's answer to the reporter: it keeps
// the status and leaves SLA.7 running.
func TestEnteReplyLeavesClocksRunning(t *testing.T) {
	tk := newTicket(t, domain.ChannelEmail)
	ente := domain.Principal{UserID: 4, Role: domain.RoleEnte, EnteCode: tk.EnteCode}
	ev, err := tk.Apply(domain.Command{Action: domain.ActionReply, By: ente, At: t0.Add(time.Minute), Body: "dettagli"}, flat{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Internal || tk.Status != domain.StatusNuovo {
		t.Errorf("ente reply: internal %v status %s, want public and nuovo", ev.Internal, tk.Status)
	}
	for _, c := range tk.Clocks {
		if c.StoppedAt != nil {
			t.Errorf("%s stopped by the ente's reply, want running", c.Code)
		}
	}
}

func TestEscalateMovesToLevelTwoQueue(t *testing.T) {
	tk := newTicket(t, domain.ChannelEmail)
	tk.Apply(domain.Command{Action: domain.ActionTakeInCharge, By: operator, At: t0}, flat{})
	ev, err := tk.Apply(domain.Command{Action: domain.ActionEscalate, By: operator, At: t0}, flat{})
	if err != nil {
		t.Fatal(err)
	}
	if tk.Level != 2 || tk.AssigneeID != nil || ev.FromLevel != 1 || ev.ToLevel != 2 {
		t.Errorf("after escalate: level %d assignee %v event %d→%d; want level 2, unassigned, 1→2", tk.Level, tk.AssigneeID, ev.FromLevel, ev.ToLevel)
	}
}

func TestOpenValidation(t *testing.T) {
	_, _, err := domain.Open(domain.NewTicket{Subject: "", Service: "x", Channel: "fax", Level: 3}, operator, t0, domain.DefaultSLATargets(), flat{})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
		t.Fatalf("got %v, want invalid", err)
	}
	fields := map[string]bool{}
	for _, f := range de.Fields {
		fields[f.Field] = true
	}
	for _, f := range []string{"ente", "subject", "service", "channel", "level"} {
		if !fields[f] {
			t.Errorf("no field error for %s in %+v", f, de.Fields)
		}
	}
	_, _, err = domain.Open(domain.NewTicket{EnteCode: "fiesole", Subject: "x", Service: "app", Channel: "email", Level: 1},
		domain.Principal{Role: domain.RoleEnte, EnteCode: "firenze"}, t0, domain.DefaultSLATargets(), flat{})
	if domain.ErrorCode(err) != domain.CodeForbidden {
		t.Errorf("ente user opening for another ente: got %v, want forbidden", err)
	}
}

func TestVisibleEventsHidesNotesFromEnte(t *testing.T) {
	evs := []domain.Event{{Action: domain.ActionReply}, {Action: domain.ActionNote, Internal: true}}
	if got := domain.VisibleEvents(domain.Principal{Role: domain.RoleEnte}, evs); len(got) != 1 || got[0].Internal {
		t.Errorf("ente sees %+v, want only the reply", got)
	}
	if got := domain.VisibleEvents(operator, evs); len(got) != 2 {
		t.Errorf("operator sees %d events, want 2", len(got))
	}
}

func TestErrorsIsNotFound(t *testing.T) {
	err := domain.Errorf(domain.CodeNotFound, "ticket 5 not found")
	if !errors.Is(err, domain.ErrNotFound) {
		t.Error("errors.Is(not-found error, ErrNotFound) = false")
	}
	if errors.Is(domain.Errorf(domain.CodeConflict, "x"), domain.ErrNotFound) {
		t.Error("a conflict matched ErrNotFound")
	}
}
