package domain

import (
	"strconv"
	"strings"
	"time"
)

// SLAUnit is what an SLA row's expected and measured values count.
type SLAUnit string

// Units of the SLA table.
const (
	SLAUnitPercent SLAUnit = "percent" // a share or an uptime; the deviation is in percentage points
	SLAUnitMS      SLAUnit = "ms"      // a response time ceiling (SLA.3)
	SLAUnitMonths  SLAUnit = "months"  // a delivery frequency (SLA.11)
)

// SLADisplay is a row in the report's Italian notation.
type SLADisplay struct {
	Expected, Measured, Deviation string
}

// SLATableRow is one row of the centre's eleven-row SLA table. Measured is
// nil when the period gives nothing to measure (NoData); it is never
// filled in with a guess.
type SLATableRow struct {
	Code        SLACode
	Description string
	Unit        SLAUnit
	Expected    float64
	Measured    *float64
	Deviation   *float64 // percentage points, measured − expected; percent rows only
	NoData      bool
	Display     SLADisplay
}

// notAvailable is how the report writes a figure the period does not give.
const notAvailable = "n.d."

// PercentSLARow is a row whose measure is a percentage: an uptime
// (expectedText "", printed as the report's "99,0%") or the share of cases
// meeting a time rule (expectedText is the rule, "entro 30' da avvio
// intervento", which the measured column repeats when the share reaches
// the expected one, as the report does).
func PercentSLARow(code SLACode, description string, expected float64, measured *float64, expectedText string) SLATableRow {
	row := SLATableRow{Code: code, Description: description, Unit: SLAUnitPercent, Expected: expected}
	row.Display.Expected = expectedText
	if expectedText == "" {
		row.Display.Expected = ItalianPercent(expected)
	}
	if measured == nil {
		row.NoData = true
		row.Display.Measured, row.Display.Deviation = notAvailable, notAvailable
		return row
	}
	m := Round3(*measured)
	d := Round3(m - expected)
	row.Measured, row.Deviation = &m, &d
	row.Display.Measured, row.Display.Deviation = ItalianPercent(m), ItalianPoints(d)
	if expectedText != "" && d >= 0 {
		row.Display.Measured, row.Display.Deviation = expectedText, "-"
	}
	return row
}

// ResponseSLARow is SLA.3: the maximum response time of the period
// against the ceiling; no samples is no data.
func ResponseSLARow(code SLACode, description string, targetMS float64, st ResponseStats) SLATableRow {
	row := SLATableRow{Code: code, Description: description, Unit: SLAUnitMS, Expected: targetMS,
		Display: SLADisplay{Expected: italianMS(targetMS), Measured: notAvailable, Deviation: notAvailable}}
	if st.Samples == 0 {
		row.NoData = true
		return row
	}
	m := st.Max
	row.Measured = &m
	row.Display.Measured, row.Display.Deviation = italianMS(m), "-"
	if m > targetMS {
		row.Display.Deviation = "Non rispettato"
	}
	return row
}

// FrequencySLARow is SLA.11: how often the malfunction report was
// delivered, against every SLA11TargetMonths months.
func FrequencySLARow(code SLACode, description string, o SLA11Outcome) SLATableRow {
	row := SLATableRow{Code: code, Description: description, Unit: SLAUnitMonths, Expected: SLA11TargetMonths,
		Display: SLADisplay{Expected: "Ogni " + strconv.Itoa(SLA11TargetMonths) + " mesi"}}
	row.Display.Measured, row.Display.Deviation = o.ItalianSLA11()
	row.NoData = !o.Known
	if o.Known && o.Deliveries > 0 {
		m := o.EveryMonths
		row.Measured = &m
	}
	return row
}

// italianMS writes a time in milliseconds as the report does ("7 ms").
func italianMS(ms float64) string {
	return strings.Replace(strconv.FormatFloat(Round3(ms), 'f', -1, 64), ".", ",", 1) + " ms"
}

// NoticeShare is the share, in percent, of outages whose notice rule
// (Outage.SLA9 or Outage.SLA10) was met, among those where it was met or
// missed at now; nil when none was judged yet.
func NoticeShare(outages []Outage, now time.Time, rule func(Outage, time.Time) NoticeOutcome) *float64 {
	var met, judged int64
	for _, o := range outages {
		switch rule(o, now) {
		case NoticeMet:
			met++
			judged++
		case NoticeMissed:
			judged++
		}
	}
	if judged == 0 {
		return nil
	}
	share := float64(divRound(met*100_000, judged)) / 1000
	return &share
}

// NoticeRuleText is SLA.9's and SLA.10's rule as the report writes it.
func NoticeRuleText(within time.Duration) string {
	return "entro " + strconv.Itoa(int(within/time.Minute)) + "' da avvio intervento"
}

// SLATableDefault is a row's contractual description and target, for
// the rows whose target is not stored (SLA.9–11) or not configured.
type SLATableDefault struct {
	Description string
	Expected    float64
}

// SLATableDefaults are the 2017 report's descriptions and targets of the
// rows outside the ticket SLAs.
var SLATableDefaults = map[SLACode]SLATableDefault{
	"SLA.1":  {"Tasso di disponibilità (uptime) dei sistemi database (CSDB1 e CSDB2)", 99.0},
	"SLA.2":  {"Tasso di disponibilità (uptime) del sistema Icms (CSICMS)", 98.5},
	"SLA.3":  {"Tempo max di risposta interna del servizio campione non soggetto ad autenticazione (rilevato mediante test Nagios wget)", 7},
	"SLA.4":  {"Tasso di disponibilità (uptime) del sistema di portale dei servizi (CSCMS)", 98.5},
	"SLA.5":  {"Tasso di accessibilità complessiva del sistema (Media valori CSDB1, CSDB2, CSCMS, CSICMS, CSBO)", 98.0},
	"SLA.9":  {"Tempestiva e circostanziata comunicazione agli uffici dell'ente per interruzioni impreviste dovute a malfunzionamenti", 100},
	"SLA.10": {"Comunicazione all'utenza per interruzioni che superino i 30 minuti", 100},
	"SLA.11": {"Invio di report sui malfunzionamenti che hanno determinato interruzioni del servizio contenente se noti i dettagli relativi la problematica rilevata", SLA11TargetMonths},
}

// TableRow is a ticket SLA's row of the whole table: the share of clocks
// that met the target, against the expected share.
func (r SLAReportRow) TableRow() SLATableRow {
	return PercentSLARow(r.Target.Code, SLADescriptions[r.Target.Code], r.Target.ExpectedShare, r.MeasuredShare, r.Target.Text())
}
