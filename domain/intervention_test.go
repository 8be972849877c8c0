package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/domain"
)

var ivRome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic(err)
	}
	return loc
}()

func ivAt(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, ivRome)
}

// ivComuneCal is the calendar of a comune without closures of its own;
// ivFirenzeCal adds San Giovanni, 24 June.
var (
	ivComuneCal  = domain.Calendar{Location: ivRome, Hours: domain.DefaultWeekHours()}
	ivFirenzeCal = domain.Calendar{Location: ivRome, Hours: domain.DefaultWeekHours(),
		Closures: []domain.Closure{{Month: time.June, Day: 24, Reason: "San Giovanni"}}}
	ivDicomano = domain.Ente{Code: "dicomano", Name: "Dicomano", Kind: "comune", CEDMultiente: "covered"}
	ivTech     = domain.Principal{UserID: 30, Username: "tecnico1", Role: domain.RoleTechnician}
	ivAdmin    = domain.Principal{UserID: 1, Username: "admin", Role: domain.RoleAdmin}
)

func TestNextInterventionStatusCoversEveryStatusActionPair(t *testing.T) {
	// want is the whole lifecycle; "" means the pair is refused with 409.
	want := map[domain.InterventionStatus]map[domain.InterventionAction]domain.InterventionStatus{
		domain.InterventionRequested: {
			domain.InterventionSchedule: domain.InterventionScheduled, domain.InterventionStart: "",
			domain.InterventionComplete: "", domain.InterventionCancel: domain.InterventionCancelled,
			domain.InterventionWait: domain.InterventionRequested, domain.InterventionResume: domain.InterventionRequested,
		},
		domain.InterventionScheduled: {
			domain.InterventionSchedule: domain.InterventionScheduled, domain.InterventionStart: domain.InterventionInProgress,
			domain.InterventionComplete: "", domain.InterventionCancel: domain.InterventionCancelled,
			domain.InterventionWait: domain.InterventionScheduled, domain.InterventionResume: domain.InterventionScheduled,
		},
		domain.InterventionInProgress: {
			domain.InterventionSchedule: "", domain.InterventionStart: "",
			domain.InterventionComplete: domain.InterventionCompleted, domain.InterventionCancel: domain.InterventionCancelled,
			domain.InterventionWait: domain.InterventionInProgress, domain.InterventionResume: domain.InterventionInProgress,
		},
		domain.InterventionCompleted: {
			domain.InterventionSchedule: "", domain.InterventionStart: "", domain.InterventionComplete: "", domain.InterventionCancel: "",
		},
		domain.InterventionCancelled: {
			domain.InterventionSchedule: "", domain.InterventionStart: "", domain.InterventionComplete: "", domain.InterventionCancel: "",
		},
	}
	for _, s := range domain.InterventionStatuses {
		for _, a := range domain.InterventionActions {
			got, err := domain.NextInterventionStatus(s, a)
			w := want[s][a]
			switch {
			case w == "" && domain.ErrorCode(err) != domain.CodeConflict:
				t.Errorf("NextInterventionStatus(%s, %s) = %q, %v; want a conflict", s, a, got, err)
			case w == "" && !strings.HasPrefix(err.Error(), "conflict: cannot "+string(a)+": the intervention"):
				t.Errorf("NextInterventionStatus(%s, %s): conflict %q does not say why", s, a, err)
			case w != "" && (err != nil || got != w):
				t.Errorf("NextInterventionStatus(%s, %s) = %q, %v; want %q", s, a, got, err, w)
			}
		}
	}
}

func TestNextInterventionStatusRejectsUnknownAndRequest(t *testing.T) {
	for _, a := range []domain.InterventionAction{"explode", domain.InterventionRequest} {
		if _, err := domain.NextInterventionStatus(domain.InterventionRequested, a); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("action %q: got %v, want an invalid error", a, err)
		}
	}
}

func TestTierDeadlineOnTheItalianCalendar(t *testing.T) {
	tests := []struct {
		name        string
		cal         domain.Calendar
		tier        domain.Tier
		requestedAt time.Time
		want        time.Time
	}{
		{"4h on Friday 16:00 ends Monday 10:00", ivComuneCal, domain.Tier4h, ivAt(2026, time.March, 13, 16, 0), ivAt(2026, time.March, 16, 10, 0)},
		{"NBD on Christmas Eve skips 25, 26 and Sunday", ivComuneCal, domain.TierNBD, ivAt(2026, time.December, 24, 10, 0), ivAt(2026, time.December, 28, 18, 0)},
		{"4h in Firenze on 23 June 17:00 skips San Giovanni", ivFirenzeCal, domain.Tier4h, ivAt(2025, time.June, 23, 17, 0), ivAt(2025, time.June, 25, 11, 0)},
		{"4h elsewhere on 23 June 17:00 works on 24 June", ivComuneCal, domain.Tier4h, ivAt(2025, time.June, 23, 17, 0), ivAt(2025, time.June, 24, 11, 0)},
		{"30m at 17:45 ends next morning", ivComuneCal, domain.Tier30m, ivAt(2026, time.March, 10, 17, 45), ivAt(2026, time.March, 11, 8, 15)},
		{"30m on Saturday starts Monday 08:00", ivComuneCal, domain.Tier30m, ivAt(2026, time.March, 14, 10, 0), ivAt(2026, time.March, 16, 8, 30)},
		{"30m before opening starts at 08:00", ivComuneCal, domain.Tier30m, ivAt(2026, time.March, 10, 6, 0), ivAt(2026, time.March, 10, 8, 30)},
		{"8h on Monday 09:00 ends the same day", ivComuneCal, domain.Tier8h, ivAt(2026, time.March, 9, 9, 0), ivAt(2026, time.March, 9, 17, 0)},
		{"8h across Easter Monday 2026", ivComuneCal, domain.Tier8h, ivAt(2026, time.April, 3, 14, 0), ivAt(2026, time.April, 7, 12, 0)},
		{"4h across the DST weekend", ivComuneCal, domain.Tier4h, ivAt(2026, time.March, 27, 16, 0), ivAt(2026, time.March, 30, 10, 0)},
		{"NBD on Friday 1 October 2027 skips San Francesco", ivComuneCal, domain.TierNBD, ivAt(2027, time.October, 1, 9, 0), ivAt(2027, time.October, 5, 18, 0)},
		{"NBD on Thursday 3 October 2024, before Law 151/2025", ivComuneCal, domain.TierNBD, ivAt(2024, time.October, 3, 9, 0), ivAt(2024, time.October, 4, 18, 0)},
		{"NBD requested after hours is still the next day", ivComuneCal, domain.TierNBD, ivAt(2026, time.March, 10, 21, 0), ivAt(2026, time.March, 11, 18, 0)},
		{"NBD on New Year's Eve", ivComuneCal, domain.TierNBD, ivAt(2026, time.December, 31, 12, 0), ivAt(2027, time.January, 4, 18, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.tier.Deadline(tc.requestedAt, tc.cal)
			if !got.Equal(tc.want) {
				t.Errorf("got %s, want %s", got.In(ivRome), tc.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("got location %s, want UTC (what the store keeps)", got.Location())
			}
		})
	}
}

func TestRequestInterventionRules(t *testing.T) {
	at := ivAt(2026, time.March, 10, 9, 0)
	firenze := domain.Ente{Code: "firenze", Name: "Firenze", Kind: "comune", CEDMultiente: "not_applicable"}
	sesto := domain.Ente{Code: "sesto-fiorentino", Name: "Sesto Fiorentino", Kind: "comune", CEDMultiente: "online"}
	londa := domain.Ente{Code: "londa", Name: "Londa", Kind: "comune", CEDMultiente: "covered_by_union"}
	tests := []struct {
		name   string
		n      domain.NewIntervention
		ente   domain.Ente
		by     domain.Principal
		code   domain.Code // "" means accepted
		fields []string
	}{
		{"ente user, own ente", domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "Stampante"}, ivDicomano,
			domain.Principal{UserID: 5, Role: domain.RoleEnte, EnteCode: "dicomano"}, "", nil},
		{"ente user, another ente", domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "Stampante"}, ivDicomano,
			domain.Principal{UserID: 5, Role: domain.RoleEnte, EnteCode: "londa"}, domain.CodeForbidden, nil},
		{"operator, covered by union", domain.NewIntervention{EnteCode: "londa", Tier: domain.Tier30m, Description: "PC"}, londa,
			domain.Principal{UserID: 2, Role: domain.RoleOperator, Level: 1}, "", nil},
		{"admin", domain.NewIntervention{EnteCode: "dicomano", Tier: domain.TierNBD, Description: "Server"}, ivDicomano, ivAdmin, "", nil},
		{"technician does not request", domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "x"}, ivDicomano, ivTech, domain.CodeForbidden, nil},
		{"reporter does not request", domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "x"}, ivDicomano,
			domain.Principal{UserID: 9, Role: domain.RoleReporter}, domain.CodeForbidden, nil},
		{"Firenze is not covered", domain.NewIntervention{EnteCode: "firenze", Tier: domain.Tier4h, Description: "x"}, firenze, ivAdmin, domain.CodeUnprocessable, []string{"ente"}},
		{"online is not covered", domain.NewIntervention{EnteCode: "sesto-fiorentino", Tier: domain.Tier4h, Description: "x"}, sesto, ivAdmin, domain.CodeUnprocessable, []string{"ente"}},
		{"missing everything", domain.NewIntervention{TicketID: new(int64)}, ivDicomano, ivAdmin, domain.CodeInvalid, []string{"ente", "tier", "description", "ticket_id"}},
		{"blank description", domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "  \n"}, ivDicomano, ivAdmin, domain.CodeInvalid, []string{"description"}},
		{"unknown tier", domain.NewIntervention{EnteCode: "dicomano", Tier: "2h", Description: "x"}, ivDicomano, ivAdmin, domain.CodeInvalid, []string{"tier"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iv, ev, err := domain.RequestIntervention(tc.n, tc.ente, tc.by, at, ivComuneCal)
			if got := domain.ErrorCode(err); err != nil && got != tc.code || err == nil && tc.code != "" {
				t.Fatalf("got error %v, want code %q", err, tc.code)
			}
			if err != nil {
				var got []string
				if de, ok := err.(*domain.Error); ok {
					for _, f := range de.Fields {
						got = append(got, f.Field)
					}
				}
				if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
					t.Errorf("got field errors %v, want %v", got, tc.fields)
				}
				return
			}
			if iv.Status != domain.InterventionRequested || iv.Version != 1 || !iv.RequestedAt.Equal(at) || iv.RequestedBy != tc.by.UserID {
				t.Errorf("got %+v, want a requested intervention at %s by %d", iv, at, tc.by.UserID)
			}
			if !iv.Deadline.Equal(tc.n.Tier.Deadline(at, ivComuneCal)) {
				t.Errorf("got deadline %s, want %s", iv.Deadline, tc.n.Tier.Deadline(at, ivComuneCal))
			}
			if ev.Action != domain.InterventionRequest || ev.ToStatus != domain.InterventionRequested || ev.FromStatus != "" || ev.ActorID != tc.by.UserID || !ev.At.Equal(at) {
				t.Errorf("got event %+v, want the request by %d", ev, tc.by.UserID)
			}
		})
	}
}

func TestRequestInterventionNotCoveredSaysSo(t *testing.T) {
	pelago := domain.Ente{Code: "barberino-di-mugello", Name: "Barberino di Mugello", Kind: "comune"}
	_, _, err := domain.RequestIntervention(domain.NewIntervention{EnteCode: pelago.Code, Tier: domain.Tier8h, Description: "Rete"}, pelago, ivAdmin, t0, ivComuneCal)
	want := "unprocessable: Barberino di Mugello is not covered by CED Multiente: interventions can only be requested for the comuni it serves"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %q", err, want)
	}
}

// ivRequested returns a 4h intervention of Dicomano requested on Tuesday 10
// March 2026 at 09:00, due at 13:00.
func ivRequested(t *testing.T) domain.Intervention {
	t.Helper()
	iv, _, err := domain.RequestIntervention(domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier4h, Description: "Installare il nuovo scanner"},
		ivDicomano, ivAdmin, ivAt(2026, time.March, 10, 9, 0), ivComuneCal)
	if err != nil {
		t.Fatal(err)
	}
	iv.ID = 11
	return iv
}

func TestInterventionWorkflowFromRequestToCompletion(t *testing.T) {
	iv := ivRequested(t)
	if want := ivAt(2026, time.March, 10, 13, 0); !iv.Deadline.Equal(want) {
		t.Fatalf("got deadline %s, want %s", iv.Deadline, want)
	}
	planned := ivAt(2026, time.March, 10, 11, 0)
	steps := []struct {
		cmd  domain.InterventionCommand
		want domain.InterventionStatus
	}{
		{domain.InterventionCommand{Action: domain.InterventionSchedule, By: ivAdmin, At: ivAt(2026, time.March, 10, 9, 30), TechnicianID: 30, TechnicianName: "tecnico1", PlannedAt: planned.Add(time.Hour)}, domain.InterventionScheduled},
		{domain.InterventionCommand{Action: domain.InterventionSchedule, By: ivTech, At: ivAt(2026, time.March, 10, 9, 40), TechnicianID: 30, TechnicianName: "tecnico1", PlannedAt: planned}, domain.InterventionScheduled},
		{domain.InterventionCommand{Action: domain.InterventionStart, By: ivTech, At: ivAt(2026, time.March, 10, 11, 0)}, domain.InterventionInProgress},
		{domain.InterventionCommand{Action: domain.InterventionComplete, By: ivTech, At: ivAt(2026, time.March, 10, 12, 45), Note: "  Scanner installato e configurato "}, domain.InterventionCompleted},
	}
	for i, st := range steps {
		before := iv.Status
		ev, err := iv.Apply(st.cmd, ivComuneCal)
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, st.cmd.Action, err)
		}
		if iv.Status != st.want || iv.Version != i+2 || !iv.UpdatedAt.Equal(st.cmd.At) {
			t.Errorf("step %d: got status %s version %d, want %s version %d", i, iv.Status, iv.Version, st.want, i+2)
		}
		if ev.Action != st.cmd.Action || ev.FromStatus != before || ev.ToStatus != st.want || ev.ActorName != st.cmd.By.Username || ev.InterventionID != 11 {
			t.Errorf("step %d: got event %+v", i, ev)
		}
	}
	if iv.TechnicianID == nil || *iv.TechnicianID != 30 || iv.TechnicianName != "tecnico1" || !iv.PlannedAt.Equal(planned) {
		t.Errorf("got technician %v %q planned %v, want 30 tecnico1 %s (the reschedule)", iv.TechnicianID, iv.TechnicianName, iv.PlannedAt, planned)
	}
	if iv.Outcome != "Scanner installato e configurato" || !iv.StartedAt.Equal(ivAt(2026, time.March, 10, 11, 0)) {
		t.Errorf("got outcome %q started %v", iv.Outcome, iv.StartedAt)
	}
	if iv.WorkingSeconds != 3*3600+45*60 {
		t.Errorf("got %d working seconds, want %d", iv.WorkingSeconds, 3*3600+45*60)
	}
	if ot := iv.OnTime(); ot == nil || !*ot {
		t.Errorf("got on time %v, want true", ot)
	}
	if iv.Overdue(ivAt(2026, time.March, 11, 9, 0)) {
		t.Error("a completed intervention is overdue, want never")
	}
}

func TestInterventionWorkingTimeSkipsClosedHours(t *testing.T) {
	iv := ivRequested(t) // Tuesday 09:00
	for _, c := range []domain.InterventionCommand{
		{Action: domain.InterventionSchedule, By: ivAdmin, At: iv.RequestedAt, TechnicianID: 30, PlannedAt: iv.RequestedAt},
		{Action: domain.InterventionStart, By: ivTech, At: ivAt(2026, time.March, 11, 8, 0)},
		{Action: domain.InterventionComplete, By: ivTech, At: ivAt(2026, time.March, 11, 10, 0), Note: "fatto"},
	} {
		if _, err := iv.Apply(c, ivComuneCal); err != nil {
			t.Fatal(err)
		}
	}
	// Tuesday 09:00-18:00 and Wednesday 08:00-10:00.
	if want := int64(11 * 3600); iv.WorkingSeconds != want {
		t.Errorf("got %d working seconds, want %d", iv.WorkingSeconds, want)
	}
	if ot := iv.OnTime(); ot == nil || *ot {
		t.Errorf("got on time %v, want false (due Tuesday 13:00)", ot)
	}
}

func TestInterventionOnTimeAndOverdue(t *testing.T) {
	due := ivAt(2026, time.March, 10, 13, 0)
	tests := []struct {
		name        string
		steps       []domain.InterventionCommand
		now         time.Time
		wantOnTime  string // "", "true", "false"
		wantOverdue bool
	}{
		{"open before the deadline", nil, due.Add(-time.Second), "", false},
		{"open at the deadline", nil, due, "", false},
		{"open past the deadline", nil, due.Add(time.Second), "", true},
		{"in progress past the deadline", []domain.InterventionCommand{
			{Action: domain.InterventionSchedule, By: ivTech, At: due, TechnicianID: 30, PlannedAt: due},
			{Action: domain.InterventionStart, By: ivTech, At: due},
		}, due.Add(time.Hour), "", true},
		{"completed exactly at the deadline", []domain.InterventionCommand{
			{Action: domain.InterventionSchedule, By: ivTech, At: due, TechnicianID: 30, PlannedAt: due},
			{Action: domain.InterventionStart, By: ivTech, At: due},
			{Action: domain.InterventionComplete, By: ivTech, At: due, Note: "ok"},
		}, due.Add(time.Hour), "true", false},
		{"completed a second late", []domain.InterventionCommand{
			{Action: domain.InterventionSchedule, By: ivTech, At: due, TechnicianID: 30, PlannedAt: due},
			{Action: domain.InterventionStart, By: ivTech, At: due},
			{Action: domain.InterventionComplete, By: ivTech, At: due.Add(time.Second), Note: "ok"},
		}, due.Add(time.Hour), "false", false},
		{"cancelled past the deadline", []domain.InterventionCommand{
			{Action: domain.InterventionCancel, By: ivAdmin, At: due.Add(time.Minute), Note: "non più necessario"},
		}, due.Add(time.Hour), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iv := ivRequested(t)
			for _, c := range tc.steps {
				if _, err := iv.Apply(c, ivComuneCal); err != nil {
					t.Fatal(err)
				}
			}
			got := ""
			if ot := iv.OnTime(); ot != nil {
				got = map[bool]string{true: "true", false: "false"}[*ot]
			}
			if got != tc.wantOnTime {
				t.Errorf("got on time %q, want %q", got, tc.wantOnTime)
			}
			if o := iv.Overdue(tc.now); o != tc.wantOverdue {
				t.Errorf("got overdue %v, want %v", o, tc.wantOverdue)
			}
		})
	}
}

func TestInterventionApplyRoles(t *testing.T) {
	// allowed lists the roles that may apply each action; every other role
	// gets 403 before the status is even looked at.
	allowed := map[domain.InterventionAction][]domain.Role{
		domain.InterventionSchedule: {domain.RoleAdmin, domain.RoleOperator, domain.RoleTechnician},
		domain.InterventionStart:    {domain.RoleAdmin, domain.RoleTechnician},
		domain.InterventionComplete: {domain.RoleAdmin, domain.RoleTechnician},
		domain.InterventionCancel:   {domain.RoleAdmin, domain.RoleOperator},
		domain.InterventionWait:     {domain.RoleAdmin, domain.RoleOperator, domain.RoleTechnician},
		domain.InterventionResume:   {domain.RoleAdmin, domain.RoleOperator, domain.RoleTechnician},
	}
	// from is a status from which the action is allowed; the technician
	// scheduled is the user (40) who then acts.
	from := map[domain.InterventionAction][]domain.InterventionCommand{
		domain.InterventionSchedule: nil,
		domain.InterventionStart:    {{Action: domain.InterventionSchedule, By: ivAdmin, At: t0, TechnicianID: 40, PlannedAt: t0}},
		domain.InterventionComplete: {{Action: domain.InterventionSchedule, By: ivAdmin, At: t0, TechnicianID: 40, PlannedAt: t0}, {Action: domain.InterventionStart, By: ivAdmin, At: t0}},
		domain.InterventionCancel:   nil,
		domain.InterventionWait:     nil,
		domain.InterventionResume:   {{Action: domain.InterventionWait, By: ivAdmin, At: t0, Note: "attesa", Wait: domain.WaitCommand{On: domain.WaitingOnEnte}}},
	}
	for _, a := range domain.InterventionActions {
		for _, r := range domain.Roles {
			t.Run(string(a)+"/"+string(r), func(t *testing.T) {
				iv := ivRequested(t)
				for _, c := range from[a] {
					c.At = iv.RequestedAt
					c.PlannedAt = iv.RequestedAt
					if _, err := iv.Apply(c, ivComuneCal); err != nil {
						t.Fatal(err)
					}
				}
				by := domain.Principal{UserID: 40, Username: "u", Role: r, EnteCode: "dicomano"}
				_, err := iv.Apply(domain.InterventionCommand{Action: a, By: by, At: iv.RequestedAt, TechnicianID: 30, PlannedAt: iv.RequestedAt, Note: "nota",
					Wait: domain.WaitCommand{On: domain.WaitingOnThirdParty}}, ivComuneCal)
				want := domain.CodeForbidden
				for _, ok := range allowed[a] {
					if ok == r {
						want = ""
					}
				}
				if got := domain.ErrorCode(err); err != nil && got != want || err == nil && want != "" {
					t.Errorf("got %v, want code %q", err, want)
				}
			})
		}
	}
}

func TestInterventionApplyValidation(t *testing.T) {
	before := ivAt(2026, time.March, 10, 8, 59)
	tests := []struct {
		name  string
		cmd   domain.InterventionCommand
		field string
	}{
		{"schedule without technician", domain.InterventionCommand{Action: domain.InterventionSchedule, By: ivAdmin, At: t0, PlannedAt: t0}, "technician_id"},
		{"schedule without time", domain.InterventionCommand{Action: domain.InterventionSchedule, By: ivAdmin, At: t0, TechnicianID: 30}, "planned_at"},
		{"schedule before the request", domain.InterventionCommand{Action: domain.InterventionSchedule, By: ivAdmin, At: t0, TechnicianID: 30, PlannedAt: before}, "planned_at"},
		{"cancel without reason", domain.InterventionCommand{Action: domain.InterventionCancel, By: ivAdmin, At: t0, Note: "   "}, "reason"},
		{"cancel with a huge reason", domain.InterventionCommand{Action: domain.InterventionCancel, By: ivAdmin, At: t0, Note: strings.Repeat("x", 20001)}, "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			iv := ivRequested(t)
			_, err := iv.Apply(tc.cmd, ivComuneCal)
			de, ok := err.(*domain.Error)
			if !ok || de.Code != domain.CodeInvalid || len(de.Fields) != 1 || de.Fields[0].Field != tc.field {
				t.Fatalf("got %#v, want an invalid error on %s", err, tc.field)
			}
			if iv.Status != domain.InterventionRequested || iv.Version != 1 {
				t.Errorf("a refused command changed the intervention: status %s version %d", iv.Status, iv.Version)
			}
		})
	}
	iv := ivRequested(t)
	for _, c := range []domain.InterventionCommand{
		{Action: domain.InterventionSchedule, By: ivAdmin, At: t0, TechnicianID: 30, PlannedAt: t0},
		{Action: domain.InterventionStart, By: ivTech, At: t0},
	} {
		if _, err := iv.Apply(c, ivComuneCal); err != nil {
			t.Fatal(err)
		}
	}
	_, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionComplete, By: ivTech, At: t0}, ivComuneCal)
	if de, ok := err.(*domain.Error); !ok || de.Code != domain.CodeInvalid || de.Fields[0].Field != "outcome" {
		t.Errorf("complete without outcome: got %v, want an invalid error on outcome", err)
	}
}

func TestInterventionCancelKeepsTheReason(t *testing.T) {
	iv := ivRequested(t)
	at := ivAt(2026, time.March, 10, 10, 0)
	ev, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionCancel, By: ivAdmin, At: at, Note: " Risolto da remoto "}, ivComuneCal)
	if err != nil {
		t.Fatal(err)
	}
	if iv.Status != domain.InterventionCancelled || iv.CancelReason != "Risolto da remoto" || !iv.CancelledAt.Equal(at) || ev.Note != "Risolto da remoto" {
		t.Errorf("got %+v, event %+v", iv, ev)
	}
	if iv.OnTime() != nil {
		t.Errorf("got on time %v for a cancelled intervention, want nil", *iv.OnTime())
	}
}

func TestInterventionStatsFilterValidate(t *testing.T) {
	from, to := ivAt(2026, time.January, 1, 0, 0), ivAt(2027, time.January, 1, 0, 0)
	tests := []struct {
		name string
		f    domain.InterventionStatsFilter
		ok   bool
	}{
		{"a year, grouped by everything", domain.InterventionStatsFilter{From: from, To: to, GroupBy: []string{"month", "tier", "ente"}}, true},
		{"no grouping", domain.InterventionStatsFilter{From: from, To: to}, true},
		{"empty period", domain.InterventionStatsFilter{From: from, To: from}, false},
		{"reversed period", domain.InterventionStatsFilter{From: to, To: from}, false},
		{"unknown key", domain.InterventionStatsFilter{From: from, To: to, GroupBy: []string{"level"}}, false},
		{"repeated key", domain.InterventionStatsFilter{From: from, To: to, GroupBy: []string{"tier", "tier"}}, false},
	}
	for _, tc := range tests {
		if err := tc.f.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: got %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestSchedulePlannedAtIsComparedToTheMinute(t *testing.T) {
	at := ivAt(2026, time.March, 10, 9, 0).Add(40*time.Second + 123*time.Microsecond)
	for _, tc := range []struct {
		planned time.Time
		ok      bool
	}{
		{ivAt(2026, time.March, 10, 9, 0), true}, // a client's "now", without seconds
		{ivAt(2026, time.March, 10, 8, 59).Add(59 * time.Second), false},
	} {
		iv, _, err := domain.RequestIntervention(domain.NewIntervention{EnteCode: "dicomano", Tier: domain.Tier30m, Description: "x"}, ivDicomano, ivAdmin, at, ivComuneCal)
		if err != nil {
			t.Fatal(err)
		}
		_, err = iv.Apply(domain.InterventionCommand{Action: domain.InterventionSchedule, By: ivAdmin, At: at, TechnicianID: 30, PlannedAt: tc.planned}, ivComuneCal)
		if (err == nil) != tc.ok {
			t.Errorf("planned %s for a request at %s: got %v, want ok=%v", tc.planned.Format(time.RFC3339Nano), at.Format(time.RFC3339Nano), err, tc.ok)
		}
	}
}

// TestInterventionOnlyScheduledTechnicianWorks: another technician may
// neither start nor complete; an admin may.
func TestInterventionOnlyScheduledTechnicianWorks(t *testing.T) {
	iv := ivRequested(t)
	at := iv.RequestedAt
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionSchedule, By: ivAdmin, At: at, TechnicianID: 30, PlannedAt: at}, ivComuneCal); err != nil {
		t.Fatal(err)
	}
	other := domain.Principal{UserID: 31, Username: "altro", Role: domain.RoleTechnician}
	scheduled := domain.Principal{UserID: 30, Username: "tecnico", Role: domain.RoleTechnician}
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionStart, By: other, At: at}, ivComuneCal); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("another technician starts: got %v, want forbidden", err)
	}
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionStart, By: scheduled, At: at}, ivComuneCal); err != nil {
		t.Fatal(err)
	}
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionComplete, By: other, At: at, Note: "x"}, ivComuneCal); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("another technician completes: got %v, want forbidden", err)
	}
	if _, err := iv.Apply(domain.InterventionCommand{Action: domain.InterventionComplete, By: ivAdmin, At: at, Note: "fatto"}, ivComuneCal); err != nil {
		t.Fatalf("an admin completes: %v", err)
	}
}
