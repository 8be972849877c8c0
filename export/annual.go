package export

import (
	"strconv"
	"time"

	"github.com/cst-firenze/helpdesk/app"
	"github.com/cst-firenze/helpdesk/domain"
)

// CountColumns are the columns of a group's help-desk figures.
var CountColumns = []string{"nuovo", "aperto", "risolto", "non_di_competenza", "gestiti", "resolution_rate", "resolved_percent"}

// Counts writes a group's help-desk figures, in CountColumns' order.
func (f Format) Counts(c domain.StatusCounts) []string {
	var rate, pct *float64
	if v, ok := c.ResolutionRate(); ok {
		rate = &v
	}
	if v, ok := c.ResolvedPercent(); ok {
		pct = &v
	}
	return []string{f.Int(c.Nuovo), f.Int(c.Aperto), f.Int(c.Risolto), f.Int(c.NonDiCompetenza), f.Int(c.Gestiti()),
		f.Num(rate, 4), f.Num(pct, 1)}
}

// SLAColumns are the columns of the ticket SLAs' rows.
var SLAColumns = []string{"code", "description", "target_minutes", "target_basis", "target_text",
	"expected_share", "measured_share", "deviation", "met", "breached", "running"}

// SLARows writes the ticket SLAs (SLA.6–8) with their clock counts.
func (f Format) SLARows(rows []domain.SLAReportRow) [][]string {
	cells := make([][]string, len(rows))
	for i, r := range rows {
		expected := r.Target.ExpectedShare
		cells[i] = []string{string(r.Counts.Code), domain.SLADescriptions[r.Counts.Code], f.Int(int64(r.Target.Target / time.Minute)),
			string(r.Target.Basis), r.Target.Text(), f.Num(&expected, -1), f.Num(r.MeasuredShare, -1), f.Num(r.Deviation, -1),
			f.Int(r.Counts.Met), f.Int(r.Counts.Breached), f.Int(r.Counts.Running)}
	}
	return cells
}

// SLATableColumns are the columns of the whole SLA table.
var SLATableColumns = []string{"code", "description", "unit", "expected", "measured", "deviation", "no_data"}

// SLATableRows writes the whole SLA table: numbers, or under locale=it
// the report's notation.
func (f Format) SLATableRows(rows []domain.SLATableRow) [][]string {
	cells := make([][]string, len(rows))
	for i, r := range rows {
		expected := r.Expected
		rec := []string{string(r.Code), r.Description, string(r.Unit), f.Num(&expected, -1), f.Num(r.Measured, -1), f.Num(r.Deviation, -1)}
		if f.Italian {
			rec = append(rec[:3], r.Display.Expected, r.Display.Measured, r.Display.Deviation)
		}
		cells[i] = append(rec, strconv.FormatBool(r.NoData))
	}
	return cells
}

// AnnualSections are the tables of the annual report; a file carries one.
var AnnualSections = map[string]bool{"help_desk": true, "sla": true, "sla_table": true, "interventions": true}

// Annual lays out one section of the annual report (AnnualSections; any
// other is the help-desk table) as a header and rows.
func (f Format) Annual(rep app.AnnualReport, section string) (header []string, rows [][]string) {
	switch section {
	case "sla":
		return SLAColumns, f.SLARows(rep.SLA)
	case "sla_table":
		return SLATableColumns, f.SLATableRows(rep.SLATable)
	case "interventions":
		for _, iv := range rep.Interventions {
			rows = append(rows, []string{string(iv.Tier), f.Int(iv.Count), f.Int(iv.Completed), f.Int(iv.CompletedOnTime),
				f.Num(iv.OnTimeShare, 4), f.OptInt(iv.MedianSeconds), f.OptInt(iv.P90Seconds)})
		}
		return []string{"tier", "count", "completed", "completed_on_time", "on_time_share",
			"median_working_seconds", "p90_working_seconds"}, rows
	}
	header = append([]string{"level", "year", "previous_year"}, CountColumns...)
	for _, col := range CountColumns {
		header = append(header, "previous_"+col)
	}
	header = append(header, "diff_pct")
	for _, row := range append(rep.HelpDesk, rep.HelpDeskTotal) {
		level := f.TotalLabel()
		if row.Level != 0 {
			level = f.Int(int64(row.Level))
		}
		rec := append([]string{level, strconv.Itoa(rep.Year), strconv.Itoa(rep.Year - 1)}, f.Counts(row.Current)...)
		rows = append(rows, append(append(rec, f.Counts(row.Previous)...), f.OptInt(row.DiffPct)))
	}
	return header, rows
}
