package domain

import (
	"testing"
	"time"
)

func TestPercentSLARowNotation(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		name          string
		expected      float64
		measured      *float64
		rule          string
		wantDeviation *float64
		want          SLADisplay
	}{
		{"uptime at 100%", 99, f(100), "", f(1), SLADisplay{"99,0%", "100,0%", "+1,000%"}},
		{"uptime three decimals", 98.5, f(99.9964), "", f(1.496), SLADisplay{"98,5%", "99,996%", "+1,496%"}},
		{"uptime below", 99, f(98.75), "", f(-0.25), SLADisplay{"99,0%", "98,75%", "-0,250%"}},
		{"rule met as expected", 100, f(100), "entro 30' da avvio intervento", f(0), SLADisplay{"entro 30' da avvio intervento", "entro 30' da avvio intervento", "-"}},
		{"rule missed", 100, f(75), "entro 30' da avvio intervento", f(-25), SLADisplay{"entro 30' da avvio intervento", "75,0%", "-25,000%"}},
		{"no data", 100, nil, "entro 1h lavorativa", nil, SLADisplay{"entro 1h lavorativa", "n.d.", "n.d."}},
	}
	for _, c := range cases {
		row := PercentSLARow("SLA.x", "d", c.expected, c.measured, c.rule)
		if row.Display != c.want {
			t.Errorf("%s: display %+v, want %+v", c.name, row.Display, c.want)
		}
		if (row.Deviation == nil) != (c.wantDeviation == nil) || (row.Deviation != nil && *row.Deviation != *c.wantDeviation) {
			t.Errorf("%s: deviation %v, want %v", c.name, row.Deviation, c.wantDeviation)
		}
		if row.NoData != (c.measured == nil) || row.Unit != SLAUnitPercent {
			t.Errorf("%s: no_data %v, unit %s", c.name, row.NoData, row.Unit)
		}
	}
}

func TestResponseAndFrequencyRows(t *testing.T) {
	r := ResponseSLARow("SLA.3", "d", 7, ResponseStats{Samples: 4, Max: 7})
	if r.Measured == nil || *r.Measured != 7 || r.Deviation != nil || r.Display != (SLADisplay{"7 ms", "7 ms", "-"}) {
		t.Errorf("SLA.3 met: %+v", r)
	}
	if r := ResponseSLARow("SLA.3", "d", 7, ResponseStats{Samples: 1, Max: 9.5}); r.Display.Measured != "9,5 ms" || r.Display.Deviation != "Non rispettato" {
		t.Errorf("SLA.3 over: %+v", r.Display)
	}
	if r := ResponseSLARow("SLA.3", "d", 7, ResponseStats{}); !r.NoData || r.Measured != nil {
		t.Errorf("SLA.3 without samples: %+v", r)
	}
	year := func(dates ...string) SLA11Outcome {
		var ds []OutageReportDelivery
		for _, d := range dates {
			at, _ := time.Parse(time.DateOnly, d)
			ds = append(ds, OutageReportDelivery{DeliveredAt: at})
		}
		return MeasureSLA11(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), ds)
	}
	r = FrequencySLARow("SLA.11", "d", year("2017-04-01", "2017-07-01", "2017-10-01", "2017-12-20"))
	if r.Measured == nil || *r.Measured != 3 || r.NoData || r.Display != (SLADisplay{"Ogni 6 mesi", "Ogni 3 mesi", "Prestazione migliorativa"}) {
		t.Errorf("SLA.11 every 3 months: %+v", r)
	}
	if r := FrequencySLARow("SLA.11", "d", year()); r.Measured != nil || r.NoData || r.Display.Deviation != "Non rispettato" {
		t.Errorf("SLA.11 without deliveries over a year: %+v", r)
	}
}

func TestNoticeShare(t *testing.T) {
	start := time.Date(2017, 6, 1, 10, 0, 0, 0, time.UTC)
	at := func(min int) *time.Time { v := start.Add(time.Duration(min) * time.Minute); return &v }
	outages := []Outage{
		{StartedAt: start, InterventionStartedAt: at(0), EndedAt: at(90), OfficesNoticeAt: at(30)}, // met
		{StartedAt: start, InterventionStartedAt: at(0), EndedAt: at(90), OfficesNoticeAt: at(31)}, // missed
		{StartedAt: start, InterventionStartedAt: at(0), EndedAt: at(90), Planned: true},           // not applicable
		{StartedAt: start, InterventionStartedAt: at(0), EndedAt: at(90), OfficesNoticeAt: at(10)}, // met
		{StartedAt: start}, // pending: no intervention yet
	}
	now := start.Add(24 * time.Hour)
	if got := NoticeShare(outages, now, Outage.SLA9); got == nil || *got != 66.667 {
		t.Errorf("SLA.9 share: got %v, want 66.667", got)
	}
	if got := NoticeShare(outages[2:3], now, Outage.SLA9); got != nil {
		t.Errorf("only a planned outage: got %v, want no data", *got)
	}
	if NoticeRuleText(UsersNoticeWithin) != "entro 60' da avvio intervento" {
		t.Errorf("rule text: %q", NoticeRuleText(UsersNoticeWithin))
	}
}

func TestAvailabilityOfASystemThatNeverReported(t *testing.T) {
	period := Span{From: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)}
	if a := MeasureAvailability("CSBO", period, []ProbeHistory{{Probe: Probe{Host: "csbo"}}}); a.Known {
		t.Errorf("no events: got Known, want no measure")
	}
	up := []ProbeHistory{{Probe: Probe{Host: "csbo"}, Events: []MonitoringEvent{{At: period.From.Add(-time.Hour), Hard: true, State: "UP"}}}}
	if a := MeasureAvailability("CSBO", period, up); !a.Known || a.Percent() != 100 {
		t.Errorf("up since before the period: got %+v", a)
	}
}
