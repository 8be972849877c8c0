package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// entiOnly is a report store that knows one ente and nothing else; Scope
// needs no more.
type entiOnly struct{ app.ReportStore }

func (entiOnly) GetEnte(_ context.Context, code string) (domain.Ente, error) {
	if code == "firenze" {
		return domain.Ente{Code: code}, nil
	}
	return domain.Ente{}, domain.ErrNotFound
}

func TestReportScope(t *testing.T) {
	r := app.NewReports(entiOnly{}, nil, nil, nil)
	staff := domain.Principal{UserID: 1, Role: domain.RoleOperator}
	ente := domain.Principal{UserID: 2, Role: domain.RoleEnte, EnteCode: "firenze"}
	for _, tc := range []struct {
		name string
		p    domain.Principal
		in   string
		want string
		code domain.Code
	}{
		{"staff, every ente", staff, "", "", ""},
		{"staff, a known ente", staff, "firenze", "firenze", ""},
		{"staff, an unknown ente is 400", staff, "nessuno", "", domain.CodeInvalid},
		{"ente user, their own by default", ente, "", "firenze", ""},
		{"ente user, another ente is 403", ente, "fiesole", "", domain.CodeForbidden},
	} {
		got, err := r.Scope(context.Background(), tc.p, tc.in)
		if code := domain.ErrorCode(err); err != nil && code != tc.code || err == nil && tc.code != "" || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q, code %q", tc.name, got, err, tc.want, tc.code)
		}
	}
}

// slaStore has the ticket SLAs' targets and no clocks.
type slaStore struct{ app.ReportStore }

func (slaStore) SLATargets(context.Context) (domain.SLATargets, error) {
	return domain.DefaultSLATargets(), nil
}
func (slaStore) SLAStats(context.Context, domain.SLAStatsQuery) ([]domain.SLACounts, error) {
	return nil, nil
}

// slaSources records what the SLA table asks of monitoring.
type slaSources struct {
	asked   []domain.Span
	viewers []string
	all     []domain.Outage // every outage of the period
	ente    []domain.Outage // the ente's
}

func (s *slaSources) Availability(_ context.Context, p domain.Span, _ string) (app.AvailabilityReport, error) {
	s.asked = append(s.asked, p)
	return app.AvailabilityReport{SLAs: []app.AvailabilitySLAResult{
		{SLA: domain.AvailabilitySLA{Code: "SLA.1", Description: "db", Target: 99}, Known: true, Percent: 99.5, Deviation: 0.5},
		{SLA: domain.AvailabilitySLA{Code: "SLA.2", Description: "icms", Target: 98.5}, Known: false},
	}}, nil
}

func (s *slaSources) Outages(_ context.Context, _, _ time.Time, viewer string) ([]domain.Outage, error) {
	s.viewers = append(s.viewers, viewer)
	return s.ente, nil
}

func (s *slaSources) OutagesReport(context.Context, time.Time, time.Time) (app.OutageReport, error) {
	return app.OutageReport{Outages: s.all}, nil
}

func TestSLATableAsksMonitoringForThePastAndTheEntesOutages(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, rome)
	clock := func() time.Time { return now }
	r := app.NewReports(slaStore{}, clock, rome, nil)
	start := now.Add(-48 * time.Hour)
	at := func(min int) *time.Time { v := start.Add(time.Duration(min) * time.Minute); return &v }
	met := domain.Outage{StartedAt: start, InterventionStartedAt: at(0), EndedAt: at(10), OfficesNoticeAt: at(5)}
	missed := domain.Outage{StartedAt: start, InterventionStartedAt: at(0), EndedAt: at(10), OfficesNoticeAt: at(45)}
	src := &slaSources{all: []domain.Outage{met, missed}, ente: []domain.Outage{met}}
	from, to := time.Date(2026, 1, 1, 0, 0, 0, 0, rome), time.Date(2027, 1, 1, 0, 0, 0, 0, rome)

	// Without monitoring every monitored row has no data.
	table, err := r.SLA(context.Background(), from, to, "")
	if err != nil || len(table.Full) != 11 || !table.Full[0].NoData || !table.Full[8].NoData {
		t.Fatalf("without monitoring: %+v, %v", table.Full, err)
	}
	r = app.NewReports(slaStore{}, clock, rome, src)
	table, err = r.SLA(context.Background(), from, to, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(src.asked) != 1 || !src.asked[0].From.Equal(from) || !src.asked[0].To.Equal(now) {
		t.Errorf("availability asked for %v, want [%v, %v): the future has no uptime", src.asked, from, now)
	}
	codes := ""
	for _, row := range table.Full {
		codes += string(row.Code) + " "
	}
	if codes != "SLA.1 SLA.2 SLA.3 SLA.4 SLA.5 SLA.6 SLA.7 SLA.8 SLA.9 SLA.10 SLA.11 " {
		t.Errorf("order: %s", codes)
	}
	if row := table.Full[0]; row.Measured == nil || *row.Measured != 99.5 || *row.Deviation != 0.5 || row.Description != "db" {
		t.Errorf("SLA.1: %+v", row)
	}
	if row := table.Full[1]; !row.NoData || row.Expected != 98.5 {
		t.Errorf("SLA.2 unknown: %+v", row)
	}
	if row := table.Full[3]; !row.NoData || row.Expected != 98.5 || row.Description != domain.SLATableDefaults["SLA.4"].Description {
		t.Errorf("SLA.4 not configured: %+v", row)
	}
	if row := table.Full[8]; row.Measured == nil || *row.Measured != 50 {
		t.Errorf("SLA.9 of every ente: %+v", row)
	}
	table, err = r.SLA(context.Background(), from, to, "firenze")
	if err != nil {
		t.Fatal(err)
	}
	if row := table.Full[8]; len(src.viewers) != 1 || src.viewers[0] != "firenze" || row.Measured == nil || *row.Measured != 100 {
		t.Errorf("SLA.9 of firenze: %+v, asked for %v", row, src.viewers)
	}
	// A period wholly in the future asks no uptime at all.
	src.asked = nil
	if _, err := r.SLA(context.Background(), to, to.AddDate(1, 0, 0), ""); err != nil || len(src.asked) != 0 {
		t.Errorf("future period: asked %v, %v", src.asked, err)
	}
}
