package domain

import (
	"testing"
	"time"
)

func TestOutageNoticeSLAs(t *testing.T) {
	start := time.Date(2017, 6, 10, 2, 0, 0, 0, time.UTC) // at night: calendar minutes all the same
	at := func(min int) *time.Time { v := start.Add(time.Duration(min) * time.Minute); return &v }
	for _, tc := range []struct {
		name        string
		o           Outage
		now         time.Time
		sla9, sla10 NoticeOutcome
	}{
		{"both met", Outage{InterventionStartedAt: at(5), EndedAt: at(90), OfficesNoticeAt: at(35), UsersNoticeAt: at(65)}, *at(200), NoticeMet, NoticeMet},
		{"both missed by a minute", Outage{InterventionStartedAt: at(5), EndedAt: at(90), OfficesNoticeAt: at(36), UsersNoticeAt: at(66)}, *at(200), NoticeMissed, NoticeMissed},
		{"never noticed", Outage{InterventionStartedAt: at(5), EndedAt: at(90)}, *at(200), NoticeMissed, NoticeMissed},
		{"planned: SLA.9 does not apply", Outage{Planned: true, InterventionStartedAt: at(0), EndedAt: at(120), UsersNoticeAt: at(10)}, *at(200), NoticeNotApplicable, NoticeMet},
		{"30 minutes: SLA.10 does not apply", Outage{InterventionStartedAt: at(1), EndedAt: at(30), OfficesNoticeAt: at(20)}, *at(200), NoticeMet, NoticeNotApplicable},
		{"running, within time", Outage{InterventionStartedAt: at(5)}, *at(20), NoticePending, NoticePending},
		{"running past the windows", Outage{InterventionStartedAt: at(5)}, *at(70), NoticeMissed, NoticeMissed},
		{"no intervention yet", Outage{}, *at(500), NoticePending, NoticePending},
	} {
		tc.o.StartedAt = start
		if got := tc.o.SLA9(tc.now); got != tc.sla9 {
			t.Errorf("%s: SLA.9 got %s, want %s", tc.name, got, tc.sla9)
		}
		if got := tc.o.SLA10(tc.now); got != tc.sla10 {
			t.Errorf("%s: SLA.10 got %s, want %s", tc.name, got, tc.sla10)
		}
	}
}

func TestOutageValidate(t *testing.T) {
	start := time.Date(2017, 6, 10, 2, 0, 0, 0, time.UTC)
	before := start.Add(-time.Minute)
	for _, tc := range []struct {
		o     Outage
		field string
	}{
		{Outage{Enti: []string{"firenze"}}, "started_at"},
		{Outage{StartedAt: start}, "systems"},
		{Outage{StartedAt: start, Enti: []string{"firenze"}, EndedAt: &start}, "ended_at"},
		{Outage{StartedAt: start, Enti: []string{"firenze"}, InterventionStartedAt: &before}, "intervention_started_at"},
		{Outage{StartedAt: start, Enti: []string{"firenze"}, UsersNoticeAt: &start}, "public_text"},
	} {
		err := tc.o.Validate()
		e, ok := err.(*Error)
		if !ok || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
			t.Errorf("%+v: got %v, want an error on %s", tc.o, err, tc.field)
		}
	}
	if err := (Outage{StartedAt: start, Systems: []string{"CSCMS"}}).Validate(); err != nil {
		t.Errorf("a valid outage: got %v", err)
	}
}

func TestMeasureSLA11(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	from, to := time.Date(2017, 1, 1, 0, 0, 0, 0, rome), time.Date(2018, 1, 1, 0, 0, 0, 0, rome)
	deliver := func(months ...int) []OutageReportDelivery {
		var out []OutageReportDelivery
		for _, m := range months {
			out = append(out, OutageReportDelivery{DeliveredAt: from.AddDate(0, m, 3)})
		}
		return out
	}
	for _, tc := range []struct {
		name           string
		d              []OutageReportDelivery
		measured, devi string
	}{
		{"every 3 months, as in 2017", deliver(3, 6, 9, 11), "Ogni 3 mesi", "Prestazione migliorativa"},
		{"every 6 months", deliver(5, 11), "Ogni 6 mesi", "-"},
		{"once a year", deliver(11), "Ogni 12 mesi", "Non rispettato"},
		{"never", nil, "nessun invio", "Non rispettato"},
		{"one of the next year does not count", deliver(12, 13), "nessun invio", "Non rispettato"},
	} {
		m, d := MeasureSLA11(from, to, tc.d).ItalianSLA11()
		if m != tc.measured || d != tc.devi {
			t.Errorf("%s: got %q, %q; want %q, %q", tc.name, m, d, tc.measured, tc.devi)
		}
	}
	if o := MeasureSLA11(from, from.AddDate(0, 2, 0), nil); o.Known {
		t.Errorf("two months without a delivery: got %+v, want no verdict yet", o)
	}
}

func TestProposesOutageOnlyHardDownOfCustomerFacingProbes(t *testing.T) {
	sys := MonitoringSystem{Code: "CSCMS", CustomerFacing: true, Probes: []Probe{{Host: "cscms"}, {Host: "cscms", Service: "HTTP"}}}
	ev := MonitoringEvent{Kind: MonitoringAlert, Host: "cscms", Service: "HTTP", State: "CRITICAL", Hard: true}
	if !ProposesOutage(ev, sys) {
		t.Error("a HARD CRITICAL of a customer-facing probe proposes")
	}
	soft, warn, other, internal := ev, ev, ev, sys
	soft.Hard = false
	warn.State = "WARNING"
	other.Host = "csbo"
	internal.CustomerFacing = false
	for name, c := range map[string]struct {
		ev  MonitoringEvent
		sys MonitoringSystem
	}{"soft": {soft, sys}, "warning": {warn, sys}, "another probe": {other, sys}, "not customer-facing": {ev, internal}} {
		if ProposesOutage(c.ev, c.sys) {
			t.Errorf("%s: proposes, want not", name)
		}
	}
}

func TestRecordNoticeFirstWins(t *testing.T) {
	start := time.Date(2017, 6, 10, 2, 0, 0, 0, time.UTC)
	o := Outage{StartedAt: start}
	first, later := start.Add(12*time.Minute), start.Add(40*time.Minute)
	if !o.RecordNotice(NoticeOffices, first) || o.OfficesNoticeAt == nil || !o.OfficesNoticeAt.Equal(first) || o.UsersNoticeAt != nil {
		t.Fatalf("first offices notice: %+v", o)
	}
	if o.RecordNotice(NoticeOffices, later) || !o.OfficesNoticeAt.Equal(first) {
		t.Fatalf("a later send moved the offices notice to %v", o.OfficesNoticeAt)
	}
	if !o.RecordNotice(NoticeUsers, later) || !o.UsersNoticeAt.Equal(later) {
		t.Fatalf("users notice: %v", o.UsersNoticeAt)
	}
	// Announced before it began: given by the start, which Validate accepts.
	p := Outage{StartedAt: start, Planned: true, PublicText: "Manutenzione", Systems: []string{"CSCMS"}}
	if !p.RecordNotice(NoticeUsers, start.Add(-24*time.Hour)) || !p.UsersNoticeAt.Equal(start) || p.Validate() != nil {
		t.Fatalf("advance notice recorded at %v (%v)", p.UsersNoticeAt, p.Validate())
	}
}

func TestCanSendNotice(t *testing.T) {
	ok := Outage{ID: 1, Enti: []string{"firenze"}, PublicText: "Portale non raggiungibile"}
	for _, tc := range []struct {
		name string
		o    Outage
		a    NoticeAudience
		want Code
	}{
		{"offices", ok, NoticeOffices, ""},
		{"users", ok, NoticeUsers, ""},
		{"unknown audience", ok, "everyone", CodeInvalid},
		{"proposed", Outage{ID: 1, Proposed: true, Enti: ok.Enti, PublicText: ok.PublicText}, NoticeOffices, CodeConflict},
		{"no enti", Outage{ID: 1, PublicText: ok.PublicText}, NoticeOffices, CodeUnprocessable},
		{"no text", Outage{ID: 1, Enti: ok.Enti, PublicText: " "}, NoticeUsers, CodeUnprocessable},
	} {
		err := tc.o.CanSendNotice(tc.a)
		if got := ErrorCode(err); tc.want == "" && err != nil || tc.want != "" && got != tc.want {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
